"""Who may verify the audit chain and export evidence (docs/governance.md). Everyone else gets
404 from the pages and the API: they do not learn that the pages exist."""

from __future__ import annotations

from typing import Any

from accounts import authz
from accounts.roles import OrgRole


def can_verify_audit_chain(user: Any) -> bool:
    return authz.is_org_admin(user)


def can_export_evidence(user: Any) -> bool:
    return authz.is_org_admin(user) or authz.has_org_role(user, OrgRole.LEGAL_REVIEWER)
