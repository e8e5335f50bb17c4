from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dashboards.reports import api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "reports/department-activity/",
        api.department_activity_report,
        name="api_department_activity_report",
    ),
    path(
        "reports/organisation-activity/",
        api.organisation_activity_report,
        name="api_organisation_activity_report",
    ),
    path(
        "reports/review-queue-health/",
        api.review_queue_health_report,
        name="api_review_queue_health_report",
    ),
]
