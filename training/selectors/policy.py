"""The social media policy: the current and the upcoming version, and a person's
acknowledgement of one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from training.models import Policy, PolicyAcknowledgement


def policy_current(*, now: datetime | None = None) -> Policy | None:
    return Policy.objects.in_force_at(now or timezone.now()).first()


def policy_upcoming(*, now: datetime | None = None) -> Policy | None:
    """A published version that takes effect later (people may acknowledge it ahead)."""
    return (
        Policy.objects.published()
        .filter(effective_at__gt=now or timezone.now())
        .order_by("effective_at", "version")
        .first()
    )


def policy_acknowledgement(*, user: Any, policy: Policy | None) -> PolicyAcknowledgement | None:
    if policy is None:
        return None
    return PolicyAcknowledgement.objects.filter(user=user, policy=policy).first()
