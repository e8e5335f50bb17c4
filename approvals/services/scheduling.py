"""Scheduling and publishing by people: schedule, unschedule, publish now, retry. Each hands the
post over to the publishing engine once the transaction commits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from approvals import handover, review_stages
from approvals.models import Post
from approvals.services.checks import (
    _lock,
    _require_active_account,
    _require_publish_permission,
    _require_state,
)
from approvals.services.crisis import _require_no_crisis_pause
from approvals.services.quiet_periods import require_no_quiet_period
from approvals.state_machine import Action, perform_transition
from channels_app.readiness import require_account_ready
from core.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from accounts.models import User


# Scheduling: at least a minute ahead (a time that passes while the form is sent is refused
# rather than published at once), at most a year ahead.
MIN_SCHEDULE_LEAD = timedelta(minutes=1)
MAX_SCHEDULE_AHEAD = timedelta(days=366)


def _hand_over(post_id: int) -> Any:
    # Looked up at call time, so the publishing engine's replacement is the one that runs.
    return lambda: handover.hand_over_for_publishing(post_id)


def _lock_for_sending(post: Post, action: str, *, at: datetime | None = None) -> Post:
    """The post locked, once the action is allowed in its state and its account may send now
    (active, connected, no crisis pause) and no quiet period forbids its time (`at`, or now):
    the checks every path towards the platform shares."""
    locked = _lock(post)
    _require_state(locked, action)
    _require_every_stage_approved(locked)
    _require_active_account(locked.brand_account)
    require_account_ready(locked.brand_account)
    _require_no_crisis_pause(locked.brand_account)
    require_no_quiet_period(locked, at=at or timezone.now(), now=at is None)
    return locked


def _require_every_stage_approved(post: Post) -> None:
    """An approved post has every stage of its current revision approved (the decision that
    approves it checks): a second look at the approval rules' stages, which the state alone
    does not show, so that no path ever sends a post one of them still waits on."""
    waiting = set(review_stages.pending_rule_stages(post))
    if waiting:
        names = [s["name"] for s in review_stages.post_stages(post) if s["key"] in waiting]
        raise Conflict(
            f"This post still waits for the {', '.join(names)} review: it can be scheduled or "
            "published once every stage approved it.",
            code="stages_pending",
        )


def clean_schedule_time(scheduled_at: datetime | None) -> datetime:
    """The time a post may be scheduled for, in UTC: with its zone, at least a minute ahead, at
    most a year ahead. Bad input otherwise (also used to check a bulk request before it runs)."""
    if scheduled_at is None or timezone.is_naive(scheduled_at):
        raise InvalidInput(
            "Give the date and time with its time zone (e.g. 2030-05-01T09:00:00+02:00).",
            field="scheduled_at",
        )
    now = timezone.now()
    if scheduled_at < now + MIN_SCHEDULE_LEAD:
        raise InvalidInput("Pick a time in the future.", field="scheduled_at")
    if scheduled_at > now + MAX_SCHEDULE_AHEAD:
        raise InvalidInput("Pick a time within the next year.", field="scheduled_at")
    return scheduled_at.astimezone(UTC)


def post_schedule(*, post: Post, actor: User, scheduled_at: datetime | None) -> Post:
    """Schedule an approved post. The time must carry its zone; it is stored in UTC."""
    return _set_time(post, actor, scheduled_at, Action.SCHEDULE)[0]


def post_reschedule(
    *, post: Post, actor: User, scheduled_at: datetime | None
) -> tuple[Post, datetime | None]:
    """Move a scheduled post to another time (the calendar's drag and drop, its Move form, and
    Undo, which moves it back). The same checks as scheduling: publish permission, a time ahead,
    an active account, no crisis pause, no quiet period at the new time. Answers the post and
    the time it had before, for undo."""
    return _set_time(post, actor, scheduled_at, Action.RESCHEDULE)


def _set_time(
    post: Post, actor: User, scheduled_at: datetime | None, action: str
) -> tuple[Post, datetime | None]:
    """Schedule or reschedule: the post locked and the time it had before."""
    _require_publish_permission(actor, post.brand_account)
    when = clean_schedule_time(scheduled_at)
    with transaction.atomic():
        locked = _lock_for_sending(post, action, at=when)
        previous = locked.scheduled_at
        data: dict[str, str | None] = {"scheduled_at": when.isoformat()}
        if action == Action.RESCHEDULE:
            data["previous_scheduled_at"] = previous.isoformat() if previous else None
        perform_transition(
            post=locked,
            action=action,
            actor=actor,
            data=data,
            fields={
                "scheduled_at": when,
                "scheduled_by": actor,
                "notice": "",
                "next_attempt_at": None,
            },
            on_commit=[lambda: handover.hand_over_scheduled(locked.pk, when)],
        )
    return locked, previous


def post_unschedule(*, post: Post, actor: User) -> Post:
    _require_publish_permission(actor, post.brand_account)
    with transaction.atomic():
        locked = _lock(post)
        previous = locked.scheduled_at
        perform_transition(
            post=locked,
            action=Action.UNSCHEDULE,
            actor=actor,
            data={"scheduled_at": previous.isoformat() if previous else None},
            fields={"scheduled_at": None, "scheduled_by": None, "next_attempt_at": None},
        )
    return locked


def post_publish_now(*, post: Post, actor: User) -> Post:
    """Hand an approved post to the publishing engine at once."""
    _require_publish_permission(actor, post.brand_account)
    with transaction.atomic():
        locked = _lock_for_sending(post, Action.PUBLISH_NOW)
        perform_transition(
            post=locked,
            action=Action.PUBLISH_NOW,
            actor=actor,
            fields={"notice": ""},
            on_commit=[_hand_over(locked.pk)],
        )
    return locked


def post_retry(*, post: Post, actor: User) -> Post:
    """Send a failed post again (docs/design.md §3: failed → publishing, publish permission)."""
    _require_publish_permission(actor, post.brand_account)
    with transaction.atomic():
        locked = _lock_for_sending(post, Action.RETRY)
        perform_transition(
            post=locked,
            action=Action.RETRY,
            actor=actor,
            data={"last_error": locked.last_error},
            on_commit=[_hand_over(locked.pk)],
        )
    return locked
