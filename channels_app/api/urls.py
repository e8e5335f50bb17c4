from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from channels_app.api import views

accounts = views.BrandAccountViewSet.as_view({"get": "list", "post": "create"})
account = views.BrandAccountViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
deactivate = views.BrandAccountViewSet.as_view({"post": "deactivate"})
activate = views.BrandAccountViewSet.as_view({"post": "activate"})
credential_fields = views.BrandAccountViewSet.as_view(
    {"get": "credential_fields"},
    pagination_class=None,  # a fixed list: no paging
)
verify = views.BrandAccountViewSet.as_view({"post": "verify"})
grants = views.BrandAccountGrantViewSet.as_view({"get": "list", "post": "create"})
grant = views.BrandAccountGrantViewSet.as_view({"patch": "partial_update", "delete": "destroy"})

urlpatterns: list[URLPattern | URLResolver] = [
    path("brand-accounts/", accounts, name="api_brandaccount_list"),
    path("brand-accounts/<int:pk>/", account, name="api_brandaccount_detail"),
    path("brand-accounts/<int:pk>/deactivate/", deactivate, name="api_brandaccount_deactivate"),
    path("brand-accounts/<int:pk>/activate/", activate, name="api_brandaccount_activate"),
    path("brand-accounts/<int:pk>/verify/", verify, name="api_brandaccount_verify"),
    path(
        "brand-accounts/<int:pk>/credential-fields/",
        credential_fields,
        name="api_brandaccount_credential_fields",
    ),
    path("brand-accounts/<int:account_id>/grants/", grants, name="api_brandaccount_grant_list"),
    path(
        "brand-accounts/<int:account_id>/grants/<str:grant_id>/",
        grant,
        name="api_brandaccount_grant_detail",
    ),
]
