from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from training.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("courses/", views.CourseViewSet.as_view({"get": "list"}), name="api_course_list"),
    path(
        "courses/<int:pk>/",
        views.CourseViewSet.as_view({"get": "retrieve"}),
        name="api_course_detail",
    ),
    path(
        "courses/<int:course_pk>/attempts/",
        views.CourseAttemptViewSet.as_view({"get": "list", "post": "create"}),
        name="api_course_attempts",
    ),
    path(
        "certifications/",
        views.CertificationViewSet.as_view({"get": "list"}),
        name="api_certification_list",
    ),
    path(
        "certifications/<int:pk>/",
        views.CertificationViewSet.as_view({"get": "retrieve"}),
        name="api_certification_detail",
    ),
    path(
        "certifications/<int:pk>/revoke/",
        views.CertificationViewSet.as_view({"post": "revoke"}),
        name="api_certification_revoke",
    ),
    path(
        "assignments/",
        views.AssignmentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_assignment_list",
    ),
    path(
        "assignments/<int:pk>/",
        views.AssignmentViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="api_assignment_detail",
    ),
    path("policies/current/", views.policy_current, name="api_policy_current"),
    path(
        "policies/<int:pk>/acknowledge/",
        views.policy_acknowledge,
        name="api_policy_acknowledge",
    ),
    path("reports/certifications/", views.certification_report, name="api_certification_report"),
]
