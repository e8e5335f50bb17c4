"""Who may open which activity report, and the reads that answer 404 or 403."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts import authz
from accounts.models import Department


def activity_departments(*, user: Any) -> QuerySet[Department]:
    """Departments whose activity the person may open, by name."""
    departments = Department.objects.order_by("name")
    if authz.is_org_admin(user) or authz.can_see_review_queue_health(user):
        return departments
    return departments.filter(pk__in=authz.managed_department_ids(user))
