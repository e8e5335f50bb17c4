"""Reads for people and departments, always scoped to what the caller may see."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import ApiToken, Department, Invitation, Membership, User
from accounts.permissions import require_people_manager
from accounts.roles import GROUP_NAMES, OrgRole, roles_of_groups
from core.errors import InvalidInput


def department_list(*, user: Any) -> QuerySet[Department]:
    return Department.objects.visible_to(user).with_member_count().order_by("name")


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


# --- People and their organisation roles -------------------------------------------------------

PEOPLE_FILTERS = ("q", "department", "role", "active")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def person_roles(person: User) -> list[str]:
    """A listed person's organisation roles (role values, in OrgRole's order), from what
    people_with_roles prefetched: no query."""
    return roles_of_groups(group.name for group in person.role_groups)  # type: ignore[attr-defined]


def people_with_roles(people: QuerySet[User]) -> QuerySet[User]:
    """People with their role groups (`role_groups`) and memberships (`listed_memberships`, with
    the department) read for a whole page at once: two queries, whatever its length."""
    return people.prefetch_related(
        Prefetch(
            "groups",
            queryset=Group.objects.filter(name__in=GROUP_NAMES.values()).order_by("name"),
            to_attr="role_groups",
        ),
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("department").order_by("department__name"),
            to_attr="listed_memberships",
        ),
    )


def listed_person(pk: int) -> User:
    """One person read as person_list reads each (roles and memberships prefetched), after the
    caller's access check (accounts.permissions.access_person)."""
    return people_with_roles(User.objects.filter(pk=pk)).get()


def _truth(value: str, field: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise InvalidInput("Use true or false.", field=field)


def person_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[User]:
    """Everybody, for org admins (403 for anyone else), by name. Filters (strings, "" = not
    given): q (text in the name or e-mail address), department (slug), role (an organisation
    role value), active (true/false). A bad filter is a 400 on its name."""
    require_people_manager(user)
    filters = {k: str(v).strip() for k, v in (filters or {}).items() if v not in (None, "")}
    people = User.objects.all()
    text = filters.get("q", "")[:200]
    if "\x00" in text:  # PostgreSQL refuses it in any string: a 400 here, not a 500 there
        raise InvalidInput("The search text may not contain a NUL character.", field="q")
    if text:
        people = people.filter(Q(full_name__icontains=text) | Q(email__icontains=text))
    if "department" in filters:
        slug = filters["department"]
        if not _SLUG.fullmatch(slug) or not Department.objects.filter(slug=slug).exists():
            raise InvalidInput(f"There is no department {slug[:50]!r}.", field="department")
        # One membership per person and department: the join adds no duplicate rows.
        people = people.filter(memberships__department__slug=slug)
    if "role" in filters:
        role = filters["role"]
        if role not in OrgRole.values:
            raise InvalidInput(
                f"Unknown role; use one of: {', '.join(OrgRole.values)}.", field="role"
            )
        people = people.filter(groups__name=GROUP_NAMES[role])
    if "active" in filters:
        people = people.filter(is_active=_truth(filters["active"], "active"))
    return people_with_roles(people.order_by("full_name", "email", "pk"))


# --- API tokens --------------------------------------------------------------------------------


def credential_stamp(*, user: Any) -> str:
    """What an API token is bound to: the password (its hash), the TOTP authenticator and the
    active flag. Any change to one gives another stamp, and every token issued before stops
    working (accounts.api.authentication) — the same idea as Django's session auth hash.
    Recovery codes are left out on purpose: regenerating them is no reason to log scripts out.
    One query."""
    from allauth.mfa.models import Authenticator

    totp_ids = sorted(
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).values_list(
            "pk", flat=True
        )
    )
    material = f"{user.password}|{int(bool(user.is_active))}|{','.join(map(str, totp_ids))}"
    return salted_hmac("core.api-token-stamp", material, algorithm="sha256").hexdigest()


def api_token_list(*, user: Any) -> list[ApiToken]:
    """The person's working API tokens, newest first: not expired, and issued under the
    credentials they have now. Two queries (the stamp, the tokens)."""
    stamp = credential_stamp(user=user)
    return list(
        ApiToken.objects.filter(user_id=user.pk, stamp=stamp)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .order_by("-created", "-id")
    )
