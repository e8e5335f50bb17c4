"""Reusable query building for people and departments."""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts import authz


class DepartmentQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: Any) -> DepartmentQuerySet:
        """Departments the person may look into: their own; every one for org admins and HR."""
        if not user.is_authenticated:
            return self.none()
        if authz.sees_all_departments(user):
            return self.all()
        # A subquery, not a join, so later annotations count every member, not just this one.
        return self.filter(pk__in=user.memberships.values("department_id"))

    def with_member_count(self) -> DepartmentQuerySet:
        return self.annotate(member_count=models.Count("memberships", distinct=True))


class MembershipQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def managers(self) -> MembershipQuerySet:
        return self.filter(role="manager")
