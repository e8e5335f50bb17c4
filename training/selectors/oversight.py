"""Whose training the caller may follow (managers their departments, HR and org admins
everyone): people, departments, certificates and assignments."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from accounts import authz
from accounts.models import Department, Membership, User
from training.models import Assignment, Certification


def people_visible(*, user: Any) -> QuerySet[User]:
    """Active people whose training the caller follows: members of the departments in scope
    (HR and org admins: of every department). Managers without HR see only their teams."""
    scope = authz.training_department_scope(user)
    memberships = Membership.objects.all()
    if scope is not None:
        memberships = memberships.filter(department_id__in=scope)
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def departments_visible(*, user: Any) -> QuerySet[Department]:
    scope = authz.training_department_scope(user)
    departments = Department.objects.all()
    if scope is not None:
        departments = departments.filter(pk__in=scope)
    return departments.order_by("name")


def certification_list(*, user: Any) -> QuerySet[Certification]:
    """Certificates the caller may see: their own, plus those of the people they follow."""
    mine = Q(user=user)
    scope = authz.training_department_scope(user)
    if scope is None:
        visible = Q()
    else:
        members = Membership.objects.filter(department_id__in=scope).values("user_id")
        visible = mine | Q(user_id__in=members)
    return (
        Certification.objects.filter(visible)
        .select_related("user", "course", "revoked_by")
        .order_by("user__email", "course__title", "-issued_at", "-id")
    )


def assignment_list(*, user: Any) -> QuerySet[Assignment]:
    """Open assignments the caller may see and manage: HR everything; managers those to their
    departments or to their people."""
    assignments = Assignment.objects.filter(cancelled_at=None).select_related(
        "course", "user", "department", "assigned_by"
    )
    scope = authz.training_department_scope(user)
    if scope is not None:
        members = Membership.objects.filter(department_id__in=scope).values("user_id")
        assignments = assignments.filter(Q(department_id__in=scope) | Q(user_id__in=members))
    return assignments.order_by("due_on", "id")
