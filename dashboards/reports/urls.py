from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dashboards.reports import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.reports_home, name="reports_home"),
    path(
        "reports/departments/<slug:slug>/",
        views.department_activity,
        name="department_activity",
    ),
    path(
        "reports/departments/<slug:slug>/activity.csv",
        views.department_activity_csv,
        name="department_activity_csv",
    ),
    path("reports/review-queue/", views.review_queue_health, name="review_queue_health"),
    path(
        "reports/review-queue/health.csv",
        views.review_queue_health_csv,
        name="review_queue_health_csv",
    ),
    path("reports/organisation/", views.organisation_activity, name="organisation_activity"),
    path(
        "reports/organisation/activity.csv",
        views.organisation_activity_csv,
        name="organisation_activity_csv",
    ),
]
