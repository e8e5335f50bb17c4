from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from training import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("training/", views.training_home, name="training_home"),
    path(
        "training/notices/<int:notice_id>/dismiss/",
        views.notice_dismiss,
        name="training_notice_dismiss",
    ),
    path("training/courses/<int:course_id>/", views.course_detail, name="training_course"),
    path(
        "training/courses/<int:course_id>/start/",
        views.attempt_start,
        name="training_attempt_start",
    ),
    path("training/attempts/<int:attempt_id>/", views.attempt_detail, name="training_attempt"),
    path(
        "training/attempts/<int:attempt_id>/result/",
        views.attempt_result,
        name="training_attempt_result",
    ),
    path("training/policy/", views.policy_detail, name="training_policy"),
    path(
        "training/policy/<int:policy_id>/acknowledge/",
        views.policy_acknowledge,
        name="training_policy_acknowledge",
    ),
    path("training/certifications/", views.certification_matrix, name="certification_matrix"),
    path(
        "training/certifications/export.csv",
        views.certification_export,
        name="certification_export",
    ),
    path(
        "training/certifications/<int:certification_id>/",
        views.certification_detail,
        name="training_certification",
    ),
    path("training/assignments/", views.assignment_list, name="training_assignments"),
    path(
        "training/assignments/<int:assignment_id>/cancel/",
        views.assignment_cancel,
        name="training_assignment_cancel",
    ),
]
