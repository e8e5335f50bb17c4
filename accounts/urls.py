from __future__ import annotations

from django.urls import path

from accounts import views

urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/<slug:slug>/", views.department_detail, name="department_detail"),
    path("departments/<slug:slug>/invite/", views.department_invite, name="department_invite"),
    path(
        "departments/<slug:slug>/members/<int:membership_id>/role/",
        views.member_change_role,
        name="member_change_role",
    ),
    path(
        "departments/<slug:slug>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "departments/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/roles/", views.person_roles, name="person_roles"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("me/", views.profile, name="profile"),
    path("me/api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("me/api-tokens/revoke-all/", views.api_tokens_revoke_all, name="api_tokens_revoke_all"),
]
