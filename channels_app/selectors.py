"""Reads for brand accounts, always scoped to what the caller may see (404 for the rest)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

from accounts import authz
from accounts.models import Department, User
from accounts.roles import GROUP_NAMES, OrgRole
from activity.models import AuditEvent
from channels_app import encryption, permissions
from channels_app.grants import (
    Grant,
    GrantHolder,
    holder_for_department,
    holder_for_group,
    holder_for_role,
    holder_for_user,
)
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.platforms import Platform
from core.errors import InvalidInput

STATUS_FILTERS = ("active", "inactive", "all")


def brand_account_list(
    *,
    user: Any,
    platform: str = "",
    department: str = "",
    status: str = "all",
    search: str = "",
) -> QuerySet[BrandAccount]:
    """Accounts the person holds at least one permission on, with what the list shows joined.

    Filters narrow the visible set only; an unknown filter value simply matches nothing.
    """
    accounts = BrandAccount.objects.visible_to(user).with_list_relations()
    if platform:
        accounts = accounts.filter(platform=platform)
    if department:
        accounts = accounts.filter(department__slug=department)
    if status == "active":
        accounts = accounts.filter(is_active=True)
    elif status == "inactive":
        accounts = accounts.filter(is_active=False)
    if search:
        accounts = accounts.filter(Q(display_name__icontains=search) | Q(handle__icontains=search))
    return accounts.order_by("display_name", "id")


# --- Grants ------------------------------------------------------------------------------------


def grant_list(*, account: BrandAccount) -> list[Grant]:
    """Every holder of a permission on the account, with what they hold. Two queries."""
    held: dict[GrantHolder, set[str]] = defaultdict(set)
    for group, codename in authz.object_group_grants(account):
        held[holder_for_group(group)].add(codename)
    for person, codename in authz.object_user_grants(account):
        held[holder_for_user(person)].add(codename)
    grants = [
        Grant(holder=holder, permissions=tuple(permissions.sorted_perms(perms)))
        for holder, perms in held.items()
    ]
    return sorted(grants, key=lambda grant: grant.holder.sort_key())


def grant_holder_for(
    *, department: str | None = None, user: str | None = None, role: str | None = None
) -> GrantHolder:
    """Resolve what a grant form or request names: exactly one of a department slug, a
    person's e-mail address or an organisation role. 400 with the field for anything unknown."""
    given = [
        name
        for name, value in (("department", department), ("user", user), ("role", role))
        if value
    ]
    if len(given) != 1:
        raise InvalidInput(
            "Name exactly one holder: a department, a person (e-mail) or an organisation role.",
            field="non_field_errors",
        )
    if department:
        found = Department.objects.select_related("group").filter(slug=department.strip()).first()
        if found is None:
            raise InvalidInput(f"No department with the slug {department!r}.", field="department")
        return holder_for_department(found)
    if user:
        person = User.objects.filter(email__iexact=user.strip(), is_active=True).first()
        if person is None:
            raise InvalidInput(f"No active person with the e-mail {user!r}.", field="user")
        return holder_for_user(person)
    role = role or ""
    if role not in GROUP_NAMES:
        choices = ", ".join(GROUP_NAMES)
        raise InvalidInput(f"Unknown role {role!r}; choose from {choices}.", field="role")
    if role == OrgRole.ORG_ADMIN:
        raise InvalidInput(
            "Org admins hold every permission on every account already.", field="role"
        )
    group = Group.objects.filter(name=GROUP_NAMES[role]).first()
    if group is None:  # the role groups come with accounts' migrations; never absent in practice
        raise InvalidInput(f"The group for the role {role!r} does not exist.", field="role")
    return holder_for_role(role, group)


# --- Connection, audit, effective access -------------------------------------------------------


def connection_credentials(*, account: BrandAccount) -> dict[str, str]:
    """The decrypted credentials, for the publishing connectors only. Never render or log them.

    Raises BrandAccountConnection.DoesNotExist when the account is not connected, and
    encryption.CredentialsUnreadable when no configured key opens them.
    """
    connection = BrandAccountConnection.objects.get(brand_account=account)
    return encryption.decrypt_json(connection.credentials_encrypted)


def connector_credentials(*, account: BrandAccount) -> dict[str, str]:
    """What the account's connector is called with: the decrypted connection, or for the
    internal feed (which needs no connection) the account it speaks as, with the audience its
    entries get (its department, and whether the whole organisation reads it), so publishing
    reads the account no second time. Raises as connection_credentials does."""
    if account.platform == Platform.INTERNAL:
        return {
            "brand_account": str(account.pk),
            "department": str(account.department_id),
            "org_wide_feed": "yes" if account.org_wide_feed else "",
        }
    return connection_credentials(account=account)


def length_limit(account: BrandAccount) -> int | None:
    """The post length limit a Mastodon instance announced when the account was connected, or
    None for the platform's default. Every other platform has one limit for all accounts, so
    only Mastodon accounts cost a query (none when the connection came joined)."""
    if account.platform != Platform.MASTODON:
        return None
    # A missing connection raises RelatedObjectDoesNotExist, an AttributeError: None.
    connection = getattr(account, "connection", None)
    return connection.max_characters if connection is not None else None


def audit_event_list(*, account: BrandAccount, limit: int = 50) -> QuerySet[AuditEvent]:
    """The account's latest audit events (for people who manage it). One query."""
    return AuditEvent.objects.for_target(account).select_related("actor")[:limit]


@dataclass(frozen=True)
class EffectiveAccess:
    """One person and what they may do on the account, with where each right comes from."""

    user: User
    permissions: tuple[str, ...]
    via: tuple[str, ...]  # "directly", "Sales", "Comms reviewers", "org admin"


def effective_access_list(*, account: BrandAccount, grants: list[Grant]) -> list[EffectiveAccess]:
    """Everyone who may do something on the account: group grants unfolded into people.

    Answers the auditor's question "who exactly can publish here?". Two queries: members of the
    holding groups, and the org admins (who hold everything).
    """
    perms: dict[int, set[str]] = defaultdict(set)
    via: dict[int, set[str]] = defaultdict(set)
    people: dict[int, User] = {}
    by_group: dict[int, Grant] = {}
    for grant in grants:
        holder = grant.holder
        if holder.kind == "user" and holder.user is not None:
            people[holder.user.pk] = holder.user
            perms[holder.user.pk].update(grant.permissions)
            via[holder.user.pk].add("directly")
        elif holder.group is not None:
            by_group[holder.group.pk] = grant
    if by_group:
        links = User.groups.through.objects.filter(
            group_id__in=list(by_group), user__is_active=True
        ).select_related("user")
        for link in links:
            grant = by_group[link.group_id]
            people[link.user_id] = link.user
            perms[link.user_id].update(grant.permissions)
            via[link.user_id].add(grant.holder.label)
    admins = User.objects.filter(
        Q(is_superuser=True) | Q(groups__name=GROUP_NAMES[OrgRole.ORG_ADMIN]), is_active=True
    ).distinct()
    for admin in admins:
        people[admin.pk] = admin
        perms[admin.pk].update(permissions.ALL_PERMS)
        via[admin.pk].add("org admin")
    rows = [
        EffectiveAccess(
            user=people[pk],
            permissions=tuple(permissions.sorted_perms(perms[pk])),
            via=tuple(sorted(via[pk])),
        )
        for pk in people
    ]
    return sorted(rows, key=lambda row: (row.user.get_full_name().lower(), row.user.email))
