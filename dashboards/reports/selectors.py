"""Who may open which activity report, and the reads that answer 404 or 403."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accounts import authz
from accounts.models import Department


def activity_department_get(*, user: Any, slug: str) -> Department:
    """The department whose activity the person asked for. 404 when it does not exist or they
    may not know it exists (the same answer); 403 when they can see the department but not its
    activity (a plain member, HR)."""
    department = Department.objects.filter(slug=slug).first()
    if department is None:
        raise Http404("Not found.")
    if authz.can_see_department_activity(user, department):
        return department
    if authz.can_view_department(user, department):
        authz.require(
            False,
            "Department activity is for the department's managers, comms reviewers and org admins.",
        )
    raise Http404("Not found.")


def activity_departments(*, user: Any) -> QuerySet[Department]:
    """Departments whose activity the person may open, by name."""
    departments = Department.objects.order_by("name")
    if authz.is_org_admin(user) or authz.can_see_review_queue_health(user):
        return departments
    return departments.filter(pk__in=authz.managed_department_ids(user))
