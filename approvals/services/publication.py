"""The publishing engine's side: releasing due posts (or holding them for a crisis pause or a
quiet period) and recording what the platform answered: published, failed or unconfirmed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from approvals import notifications
from approvals.models import CrisisPause, Post, PostState, QuietPeriod
from approvals.services.crisis import crisis_pause_covering
from approvals.services.quiet_periods import blocking_quiet_period
from approvals.services.scheduling import _hand_over
from approvals.state_machine import Action, perform_transition
from channels_app.readiness import account_readiness
from core.dates import datetime_text
from core.errors import Conflict

logger = logging.getLogger(__name__)


def _lock_by_id(post_id: int) -> Post | None:
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related(
            "brand_account__connection", "department", "author", "current_revision", "scheduled_by"
        )
        .defer("brand_account__connection__credentials_encrypted")  # readiness reads the rest
        .filter(pk=post_id)
        .first()
    )


def post_release_due(
    *, post_id: int, now: datetime | None = None, hand_over: bool = True
) -> Post | None:
    """A scheduled post's time came: hand it over, or — under a crisis pause — send it back to
    approved with a notice. Idempotent: a post not (or no longer) due is left alone (None).

    hand_over=False: the publishing engine releases the post itself, inside its own claim, and
    needs no further task for it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None:
            return None
        return post_release_due_locked(post=locked, now=now, hand_over=hand_over)


def post_release_due_locked(*, post: Post, now: datetime, hand_over: bool = True) -> Post | None:
    """post_release_due for a post whose row the caller locked in its open transaction (the
    publishing engine's claim)."""
    if post.state != PostState.SCHEDULED or post.scheduled_at is None or post.scheduled_at > now:
        return None
    pause = crisis_pause_covering(post.brand_account)
    if pause is not None:
        return _hold(post, pause)
    # Checked at the time it is sent, not the time it was scheduled for: a post released late
    # (a sweep after an outage) must not go out inside a window that began in the meantime.
    quiet = blocking_quiet_period(post=post, at=max(now, post.scheduled_at))
    if quiet is not None:
        return _hold_for_quiet_period(post, quiet)
    readiness = account_readiness(post.brand_account)
    if not readiness.ready:
        return _hold_for_connection(post, readiness.message)
    return perform_transition(
        post=post,
        action=Action.RELEASE,
        actor=None,
        data={"scheduled_at": post.scheduled_at.isoformat()},
        fields={"next_attempt_at": None},
        on_commit=[_hand_over(post.pk)] if hand_over else [],
    )


def post_hold_for_crisis(*, post_id: int) -> Post | None:
    """The engine found a due post under a crisis pause: back to approved, with a notice, to be
    rescheduled. None when the post is not scheduled or no pause covers it."""
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None or locked.state != PostState.SCHEDULED:
            return None
        pause = crisis_pause_covering(locked.brand_account)
        if pause is None:
            return None
        return _hold(locked, pause)


def _hold(locked: Post, pause: CrisisPause) -> Post:
    notice = (
        f"Not published: its scheduled time ({_missed_text(locked)}) came during a crisis pause "
        f"({pause.reason}). Reschedule it once publishing resumes."
    )
    notifications.schedule_missed(locked, reason=pause.reason)
    return _hold_back(locked, Action.HOLD_FOR_CRISIS, notice, {"crisis_pause": pause.pk})


def _hold_for_quiet_period(locked: Post, period: QuietPeriod) -> Post:
    """A due post inside a quiet period without an exception: never sent late on its own (a
    burst of posts at the end of an earnings quiet period is what nobody wants), but back to
    approved with a notice, to be rescheduled."""
    notice = (
        f"Not published: its scheduled time ({_missed_text(locked)}) came during a quiet period "
        f"on {period.scope_label} ({period.reason}). Reschedule it outside the window, or ask "
        "legal for an exception first."
    )
    notifications.schedule_missed_in_quiet_period(locked, reason=period.reason)
    return _hold_back(locked, Action.HOLD_FOR_QUIET_PERIOD, notice, {"quiet_period": period.pk})


def _hold_for_connection(locked: Post, problem: str) -> Post:
    """A due post on an account that cannot send: not sent to fail at the platform, but back to
    approved with a notice, to be rescheduled once the account is connected."""
    notice = (
        f"Not published at its scheduled time ({_missed_text(locked)}): {problem} "
        "Reschedule it then."
    )
    notifications.post_waits_on_connection(locked, problem=problem)
    return _hold_back(locked, Action.HOLD_FOR_CONNECTION, notice, {})


def _missed_text(locked: Post) -> str:
    missed = locked.scheduled_at
    return datetime_text(missed, zone=UTC) if missed else ""


def _hold_back(locked: Post, action: str, notice: str, data: dict[str, Any]) -> Post:
    """A due post not sent (crisis pause, account not connected): back to approved, unscheduled,
    with the notice saying why; the audit records the time it missed."""
    missed = locked.scheduled_at
    return perform_transition(
        post=locked,
        action=action,
        actor=None,
        note=notice,
        data={**data, "missed_scheduled_at": missed.isoformat() if missed else None},
        fields={
            "scheduled_at": None,
            "scheduled_by": None,
            "notice": notice,
            "next_attempt_at": None,
        },
    )


def posts_release_due(*, now: datetime | None = None, limit: int | None = None) -> list[Post]:
    """Every scheduled post whose time came, one transaction each (one bad row stops nothing)."""
    now = now or timezone.now()
    due = (
        Post.objects.filter(state=PostState.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )
    if limit is not None:
        due = due[:limit]
    released = []
    for post_id in list(due):
        try:
            post = post_release_due(post_id=post_id, now=now)
        except Conflict:  # another worker took it in the meantime
            continue
        except Exception:  # logged; the next sweep tries this post again
            logger.exception("Could not release post %s at its scheduled time.", post_id)
            continue
        if post is not None:
            released.append(post)
    return released


def post_mark_published(
    *,
    post_id: int,
    external_id: str,
    external_url: str = "",
    published_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Post:
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None:
            raise Conflict("This post does not exist.")
        return post_mark_published_locked(
            post=locked,
            external_id=external_id,
            external_url=external_url,
            published_at=published_at,
            data=data,
        )


def post_mark_published_locked(
    *,
    post: Post,
    external_id: str,
    external_url: str = "",
    published_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Post:
    """post_mark_published for a post the caller locked (the engine's outcome record)."""
    return perform_transition(
        post=post,
        action=Action.MARK_PUBLISHED,
        actor=None,
        data={"external_id": external_id, "external_url": external_url, **(data or {})},
        fields={
            "external_id": external_id,
            "external_url": external_url,
            "published_at": published_at or timezone.now(),
            "last_error": "",
            "next_attempt_at": None,
        },
    )


def post_mark_failed(*, post_id: int, error: str, data: dict[str, Any] | None = None) -> Post:
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None:
            raise Conflict("This post does not exist.")
        return post_mark_failed_locked(post=locked, error=error, data=data)


def post_mark_failed_locked(*, post: Post, error: str, data: dict[str, Any] | None = None) -> Post:
    """post_mark_failed for a post the caller locked (the engine's outcome record)."""
    return perform_transition(
        post=post,
        action=Action.MARK_FAILED,
        actor=None,
        note=error,
        data=data,
        fields={"last_error": error, "next_attempt_at": None},
    )


def post_mark_unconfirmed(
    *, post_id: int, note: str = "", data: dict[str, Any] | None = None
) -> Post:
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None:
            raise Conflict("This post does not exist.")
        return perform_transition(
            post=locked, action=Action.MARK_UNCONFIRMED, actor=None, note=note, data=data
        )
