"""Approval expiry: an approval left unused goes stale (the facts, the campaign or the account
may have moved on), so an approved post that nobody scheduled within
SOCIALHUB_APPROVAL_EXPIRY_DAYS goes back to its author (changes requested), with a notice, to
revise and submit again. Likewise a post still in review when the time its author asked for
(requested_at) passes: the moment it was written for is gone, so the author picks another
(SOCIALHUB_EXPIRE_PASSED_REQUESTS). Run hourly by beat (approvals.expire_approvals);
idempotent: a post sent back is no longer approved or in review, and a second run finds
nothing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from approvals import notifications
from approvals.models import Post, PostState
from approvals.services.checks import _lock
from approvals.state_machine import Action, perform_transition
from core.dates import datetime_text
from core.errors import Conflict

logger = logging.getLogger(__name__)


def approval_expiry_days() -> int:
    """0 switches expiry off."""
    return int(settings.SOCIALHUB_APPROVAL_EXPIRY_DAYS)


def post_expire_approval(*, post: Post, now: datetime) -> Post | None:
    """Send one approved post back to its author when its approval is older than the expiry;
    None (nothing written) when it is not (or no longer) due."""
    days = approval_expiry_days()
    if days <= 0:
        return None
    with transaction.atomic():
        locked = _lock(post)
        approved_at = locked.approved_at
        if (
            locked.state != PostState.APPROVED
            or approved_at is None
            or approved_at > now - timedelta(days=days)
        ):
            return None
        notice = (
            f"Sent back to you: it was approved on {approved_at:%d %b %Y} but not scheduled "
            f"within {days} days, so the approval expired. Check that it still holds, then "
            "submit it again."
        )
        perform_transition(
            post=locked,
            action=Action.EXPIRE,
            actor=None,
            note=notice,
            data={"approved_at": approved_at.isoformat(), "expiry_days": days},
            fields={"notice": notice},
        )
        notifications.approval_expired(locked, notice=notice)
    return locked


def posts_expire_approvals(*, now: datetime | None = None) -> list[Post]:
    """Every approved post whose approval expired, one transaction each."""
    days = approval_expiry_days()
    if days <= 0:
        return []
    now = now or timezone.now()
    due = Post.objects.filter(
        state=PostState.APPROVED, approved_at__lte=now - timedelta(days=days)
    ).order_by("approved_at", "pk")
    expired = []
    for post in due:
        try:
            result = post_expire_approval(post=post, now=now)
        except Conflict:  # scheduled or edited at the same moment: it is no longer stale
            continue
        if result is not None:
            expired.append(result)
    return expired


def post_expire_passed_request(*, post: Post, now: datetime) -> Post | None:
    """Send one post back to its author when it is still in review and the time they asked for
    has passed; the wish is cleared, so they choose a new one. None when it is not (or no
    longer) due."""
    if not settings.SOCIALHUB_EXPIRE_PASSED_REQUESTS:
        return None
    with transaction.atomic():
        locked = _lock(post)
        requested_at = locked.requested_at
        if locked.state != PostState.IN_REVIEW or requested_at is None or requested_at > now:
            return None
        notice = (
            f"Sent back to you: you asked for it to go out on {datetime_text(requested_at)}, "
            "but it was still in review then. Pick a new time (or none), then submit it again."
        )
        perform_transition(
            post=locked,
            action=Action.EXPIRE,
            actor=None,
            note=notice,
            data={"requested_at": requested_at.isoformat(), "reason": "requested_time_passed"},
            fields={"notice": notice, "requested_at": None},
        )
        notifications.approval_expired(
            locked, notice=notice, subject="the time you asked for passed in review"
        )
    return locked


def posts_expire_passed_requests(*, now: datetime | None = None) -> list[Post]:
    """Every post in review whose requested time has passed, one transaction each."""
    if not settings.SOCIALHUB_EXPIRE_PASSED_REQUESTS:
        return []
    now = now or timezone.now()
    due = Post.objects.filter(state=PostState.IN_REVIEW, requested_at__lte=now).order_by(
        "requested_at", "pk"
    )
    expired = []
    for post in due:
        try:
            result = post_expire_passed_request(post=post, now=now)
        except Conflict:  # decided or edited at the same moment
            continue
        if result is not None:
            expired.append(result)
    return expired
