"""Top-level URLs. Each app owns its pages (app/urls.py) and its API (app/api/urls.py)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
from core.views import api_not_found, healthz
from dashboards.views import home

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("dashboards.api.urls")),
    path("", include("channels_app.api.urls")),
    path("", include("approvals.api.urls")),
    path("", include("publishing.api.urls")),
    path("", include("training.api.urls")),
    path("", include("inbox.api.urls")),
    path("", include("listening.api.urls")),
    path("", include("dashboards.reports.api_urls")),
    path("", include("dashboards.governance.api_urls")),
]

# Models that moved out of the approvals app keep their admin pages under their new app; old
# bookmarks (/admin/approvals/auditevent/…) still lead there.
_MOVED_ADMIN = {
    "auditevent": "activity",
    "notification": "activity",
    "publishattempt": "publishing",
    "feedentry": "publishing",
}


def _favicon(request: HttpRequest) -> HttpResponseRedirect:
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, JSON, files). Read
    # per request: the static manifest need not exist when the URLs are imported.
    return HttpResponseRedirect(static("socialhub/favicon.svg"))


def _moved_admin_page(request: HttpRequest, model: str, rest: str) -> HttpResponseRedirect:
    query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
    return HttpResponseRedirect(f"/admin/{_MOVED_ADMIN[model]}/{model}/{rest}{query}")


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", _favicon),
    # The Security page: allauth's two-factor page with the person's API tokens added.
    path("accounts/2fa/", accounts_views.security, name="mfa_index"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("channels_app.urls")),
    path("", include("approvals.urls")),
    path("", include("publishing.urls")),
    path("", include("training.urls")),
    path("", include("inbox.urls")),
    path("", include("listening.urls")),
    path("", include("dashboards.reports.urls")),
    path("", include("dashboards.governance.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema"),
        name="api_docs",
    ),
    re_path(
        r"^admin/approvals/(?P<model>auditevent|notification|publishattempt|feedentry)/(?P<rest>.*)$",
        _moved_admin_page,
    ),
    # Anything else under api/ is an API 404 (JSON, like every API error), not an HTML page.
    re_path(r"^api/", api_not_found, name="api_not_found"),
    path("admin/", admin.site.urls),
]
