"""Organisation-wide roles. Each is a Django group created by a data migration."""

from __future__ import annotations

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
