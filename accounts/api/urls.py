from __future__ import annotations

from django.urls import path

from accounts.api import views

members = views.MemberViewSet.as_view({"get": "list", "post": "create"})
member = views.MemberViewSet.as_view({"patch": "partial_update", "delete": "destroy"})
invitations = views.InvitationViewSet.as_view({"get": "list"})
invitation = views.InvitationViewSet.as_view({"delete": "destroy"})

urlpatterns = [
    path("people/", views.PersonViewSet.as_view({"get": "list"}), name="api_person_list"),
    path(
        "people/<int:pk>/",
        views.PersonViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_person_detail",
    ),
    path("auth/token/", views.auth_token, name="api_auth_token"),
    path("auth/tokens/", views.api_token_list, name="api_token_list"),
    path("auth/tokens/<int:pk>/", views.api_token_detail, name="api_token_detail"),
    path(
        "departments/",
        views.DepartmentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_department_list",
    ),
    path(
        "departments/<slug:slug>/",
        views.DepartmentViewSet.as_view({"get": "retrieve"}),
        name="api_department_detail",
    ),
    path("departments/<slug:department_slug>/members/", members, name="api_member_list"),
    path("departments/<slug:department_slug>/members/<int:pk>/", member, name="api_member_detail"),
    path(
        "departments/<slug:department_slug>/invitations/",
        invitations,
        name="api_invitation_list",
    ),
    path(
        "departments/<slug:department_slug>/invitations/<int:pk>/",
        invitation,
        name="api_invitation_detail",
    ),
]
