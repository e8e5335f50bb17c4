"""Top-level URLs. Each app owns its pages (app/urls.py) and its API (app/api/urls.py)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from socialhub import views

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("channels_app.api.urls")),
    path("", include("approvals.api.urls")),
    path("", include("training.api.urls")),
    path("", include("socialhub.reports.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("channels_app.urls")),
    path("", include("approvals.urls")),
    path("", include("training.urls")),
    path("", include("socialhub.reports.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    # Anything else under api/ is an API 404 (JSON, like every API error), not an HTML page.
    re_path(r"^api/", views.api_not_found, name="api_not_found"),
    path("admin/", admin.site.urls),
]
