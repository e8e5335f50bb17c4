"""What the home page shows each person, by role. Apps contribute panels as they grow."""

from __future__ import annotations

from typing import Any

from accounts import authz
from accounts.models import Membership
from accounts.roles import OrgRole
from approvals.selectors import home_summary
from training.selectors import home_training


def home_context(user: Any) -> dict[str, Any]:
    roles = authz.org_roles(user)
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("department")
        .order_by("department__name")
    )
    return {
        "posts_summary": home_summary(user=user),
        "training": home_training(user=user),
        "memberships": memberships,
        "is_manager": any(m.role == Membership.Role.MANAGER for m in memberships),
        "is_comms": OrgRole.COMMS_REVIEWER in roles,
        "is_legal": OrgRole.LEGAL_REVIEWER in roles,
        "is_hr": OrgRole.HR in roles,
        "is_org_admin": OrgRole.ORG_ADMIN in roles,
    }
