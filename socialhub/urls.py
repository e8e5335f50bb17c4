"""Top-level URLs. Each app owns its pages (app/urls.py) and its API (app/api/urls.py)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
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
    # The Security page: allauth's two-factor page with the person's API tokens added.
    path("accounts/2fa/", accounts_views.security, name="mfa_index"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("channels_app.urls")),
    path("", include("approvals.urls")),
    path("", include("training.urls")),
    path("", include("socialhub.reports.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema"),
        name="api_docs",
    ),
    path("admin/", admin.site.urls),
]
