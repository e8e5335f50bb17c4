"""Grant holders and grants: who (a department, an organisation role, a person, or another
group) holds which permissions on a brand account.

A holder has a stable id used in URLs and the API: `department:<slug>`, `role:<role>`,
`user:<id>`, `group:<id>` (a group set up in the admin that is neither of the first two).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist

from accounts.models import Department, User
from accounts.roles import GROUP_NAMES

HOLDER_KINDS: dict[str, str] = {
    "department": "Department",
    "role": "Organisation role",
    "user": "Person",
    "group": "Group",
}
_KIND_ORDER = {kind: position for position, kind in enumerate(HOLDER_KINDS)}
_ROLE_BY_GROUP_NAME = {name: role for role, name in GROUP_NAMES.items()}


@dataclass(frozen=True)
class GrantHolder:
    kind: str
    key: str
    # Holders are equal when kind and key are: the label is for people to read.
    label: str = field(compare=False)
    group: Group | None = field(default=None, compare=False)
    user: User | None = field(default=None, compare=False)
    department: Department | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def kind_label(self) -> str:
        return HOLDER_KINDS[self.kind]

    @property
    def role(self) -> str | None:
        return self.key if self.kind == "role" else None

    @property
    def identity(self) -> Any:
        """What guardian grants to: the person, or the group."""
        return self.user if self.kind == "user" else self.group

    def sort_key(self) -> tuple[int, str]:
        return (_KIND_ORDER[self.kind], self.label.lower())


@dataclass(frozen=True)
class Grant:
    holder: GrantHolder
    permissions: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.holder.id


def holder_for_user(user: User) -> GrantHolder:
    return GrantHolder("user", str(user.pk), user.get_full_name(), user=user)


def holder_for_department(department: Department) -> GrantHolder:
    return GrantHolder(
        "department",
        department.slug,
        department.name,
        group=department.group,
        department=department,
    )


def holder_for_role(role: str, group: Group) -> GrantHolder:
    return GrantHolder("role", role, GROUP_NAMES[role], group=group)


def holder_for_group(group: Group) -> GrantHolder:
    """Name a group holder: a department's group, an organisation role, or a plain group.

    The department comes joined with the group (select_related), so this makes no query.
    """
    try:
        department = group.department  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        department = None
    if department is not None:
        return holder_for_department(department)
    role = _ROLE_BY_GROUP_NAME.get(group.name)
    if role is not None:
        return holder_for_role(role, group)
    return GrantHolder("group", str(group.pk), group.name, group=group)
