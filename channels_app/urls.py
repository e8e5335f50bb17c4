from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from channels_app import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("brand-accounts/", views.brandaccount_list, name="brandaccount_list"),
    path("brand-accounts/new/", views.brandaccount_create, name="brandaccount_create"),
    path("brand-accounts/<int:pk>/", views.brandaccount_detail, name="brandaccount_detail"),
    path("brand-accounts/<int:pk>/edit/", views.brandaccount_edit, name="brandaccount_edit"),
    path(
        "brand-accounts/<int:pk>/deactivate/",
        views.brandaccount_set_active,
        {"active": False},
        name="brandaccount_deactivate",
    ),
    path(
        "brand-accounts/<int:pk>/activate/",
        views.brandaccount_set_active,
        {"active": True},
        name="brandaccount_activate",
    ),
    path("brand-accounts/<int:pk>/access/", views.brandaccount_access, name="brandaccount_access"),
    path(
        "brand-accounts/<int:pk>/access/grants/",
        views.brandaccount_grant_add,
        name="brandaccount_grant_add",
    ),
    path(
        "brand-accounts/<int:pk>/access/grants/<str:grant_id>/",
        views.brandaccount_grant_update,
        name="brandaccount_grant_update",
    ),
    path(
        "brand-accounts/<int:pk>/access/grants/<str:grant_id>/remove/",
        views.brandaccount_grant_remove,
        name="brandaccount_grant_remove",
    ),
    path(
        "brand-accounts/<int:pk>/connect/", views.brandaccount_connect, name="brandaccount_connect"
    ),
    path(
        "brand-accounts/<int:pk>/check-connection/",
        views.brandaccount_check_connection,
        name="brandaccount_check_connection",
    ),
    path(
        "brand-accounts/<int:pk>/disconnect/",
        views.brandaccount_disconnect,
        name="brandaccount_disconnect",
    ),
]
