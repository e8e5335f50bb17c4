"""What GET /api/v1/me/ tells a person about themselves, gathered across apps."""

from __future__ import annotations

from typing import Any

from accounts import authz, mfa
from accounts.models import Membership
from training.selectors import training_profile


def profile_state(user: Any) -> dict[str, Any]:
    memberships = Membership.objects.filter(user=user).select_related("department")
    training = training_profile(user=user)
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "timezone": user.timezone,
        "mfa_enabled": mfa.is_enabled(user),
        "departments": list(memberships),
        "roles": sorted(authz.org_roles(user)),
        # Certificates held (with status and expiry) and the current policy's state.
        "certifications": training["certifications"],
        "policy": training["policy"],
    }
