"""Organisation-wide roles. Each is a Django group created by a data migration."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class OrgRole(models.TextChoices):
    COMMS_REVIEWER = "comms-reviewers", "Comms reviewer"
    LEGAL_REVIEWER = "legal-reviewers", "Legal reviewer"
    HR = "hr", "HR"
    ORG_ADMIN = "org-admins", "Org admin"
    # Sorts incoming conversations into outcomes and owners (the inbox).
    TRIAGE = "triage", "Triage"


# The group names as they appear in the admin; the role value is the stable key.
GROUP_NAMES: dict[str, str] = {
    OrgRole.COMMS_REVIEWER: "Comms reviewers",
    OrgRole.LEGAL_REVIEWER: "Legal reviewers",
    OrgRole.HR: "HR",
    OrgRole.ORG_ADMIN: "Org admins",
    OrgRole.TRIAGE: "Triage",
}


def roles_of_groups(names: Iterable[str]) -> list[str]:
    """The organisation roles that these group names stand for, in OrgRole's order (other
    groups, such as a department's, are left out)."""
    held = {_ROLE_BY_GROUP[name] for name in names if name in _ROLE_BY_GROUP}
    return [role for role in OrgRole.values if role in held]


_ROLE_BY_GROUP = {name: role for role, name in GROUP_NAMES.items()}
