"""Reads for people and departments, always scoped to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts import authz
from accounts.models import Department, Invitation, Membership


def department_list(*, user: Any) -> QuerySet[Department]:
    return Department.objects.visible_to(user).with_member_count().order_by("name")


def department_get(*, user: Any, slug: str) -> Department:
    """The department, or 404 when it does not exist or the person may not see it."""
    return authz.get_visible_or_404(Department.objects.visible_to(user), slug=slug)


def member_list(*, department: Department) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(department=department)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def open_invitation_list(*, department: Department) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        department=department, accepted_at=None, revoked_at=None
    ).select_related("invited_by")
