"""The publishing engine's side: releasing due posts (or holding them for a crisis pause or a
quiet period) and recording what the platform answered: published, failed or unconfirmed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from approvals import notifications
from approvals.models import CrisisPause, MediaAttachment, Post, PostState, QuietPeriod, Revision
from approvals.services.crisis import crisis_pause_covering
from approvals.services.quiet_periods import blocking_quiet_period
from approvals.services.scheduling import _hand_over
from approvals.state_machine import Action, perform_transition, target_state, transition_recorded
from channels_app.models import BrandAccount
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


# --- The publishing engine's short path: one statement per step ----------------------------------


# What the claim returns of the account, in BrandAccount's field order (BrandAccount.from_db).
_CLAIM_ACCOUNT_FIELDS = ("id", "platform", "handle", "display_name", "department_id", "is_active")
_CLAIM_ACCOUNT_FLAGS = ("org_wide_feed",)


@dataclass(frozen=True)
class ClaimedPost:
    """A post the engine claimed with post_claim_for_sending: the row as the claim left it, and
    what the send needs, read by the same statement."""

    post: Post
    body: str
    revision_number: int
    images: int  # how many images the current revision carries
    account: BrandAccount  # the fields the engine uses; any other is read if touched


def post_claim_for_sending(
    *,
    post_id: int,
    now: datetime,
    idempotency_key: str,
    early: timedelta,
    before_audit: Callable[[ClaimedPost], None] | None = None,
) -> ClaimedPost | None:
    """The publishing engine's claim in one statement (an UPDATE … RETURNING), inside the
    engine's transaction: a scheduled post whose time came (within `early`) is released
    (scheduled → publishing, with its audit event, as post_release_due_locked does), a post in
    publishing with no external id whose next step is due is taken as it is; either way it
    gets its stable idempotency key (the given one, unless it has one) and first due time, and
    its row stays locked until the transaction ends. The statement also returns the body, the
    revision number, the number of images and the account.

    None when the post is in any other situation: the engine then takes the long way under a
    row lock, which handles everything. Crisis pauses, quiet periods, the account being
    switched off or not ready and earlier attempts are NOT checked here: the caller checks them
    after this statement (so with the lock held, on what is committed by then) and rolls its
    transaction back if they stand in the way.

    `before_audit(claimed)` runs between the UPDATE and the release's audit event: the engine
    writes its attempt there (or raises, rolling everything back). The audit event goes last
    because its insert locks the audit chain's head (activity/chain.py) until the transaction
    commits, and every transaction that audits anything queues on that lock: holding it for
    only the insert and the COMMIT is what lets concurrent publishes overlap."""
    table = Post._meta.db_table
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value

    def col(model: Any, name: str) -> str:
        return q(model._meta.get_field(name).column)

    state, updated_at, next_at, key, first_due, scheduled_at = (
        col(Post, name)
        for name in (
            "state",
            "updated_at",
            "next_attempt_at",
            "idempotency_key",
            "first_due_at",
            "scheduled_at",
        )
    )
    revision = f"{q(table)}.{col(Post, 'current_revision')}"
    account = f"{q(table)}.{col(Post, 'brand_account')}"
    extras = [
        f"(SELECT r.{col(Revision, 'body')} FROM {q(Revision._meta.db_table)} r "  # noqa: S608
        f"WHERE r.{col(Revision, 'id')} = {revision}) AS claim_body",
        f"(SELECT r.{col(Revision, 'number')} FROM {q(Revision._meta.db_table)} r "  # noqa: S608
        f"WHERE r.{col(Revision, 'id')} = {revision}) AS claim_revision_number",
        f"(SELECT COUNT(*) FROM {q(MediaAttachment._meta.db_table)} m "  # noqa: S608
        f"WHERE m.{col(MediaAttachment, 'revision')} = {revision}) AS claim_images",
        *(
            f"(SELECT a.{col(BrandAccount, name)} FROM {q(BrandAccount._meta.db_table)} a "  # noqa: S608
            f"WHERE a.{col(BrandAccount, 'id')} = {account}) AS claim_account_{name}"
            for name in (*_CLAIM_ACCOUNT_FIELDS[1:], *_CLAIM_ACCOUNT_FLAGS)
        ),
    ]
    # Names come from the models, quoted; every value is a parameter.
    returning = ", ".join(
        [f"{q(table)}.{q(field.column)}" for field in Post._meta.concrete_fields] + extras
    )
    due = adapt(now + early)
    sql = (
        f"UPDATE {q(table)} SET {state} = %s, "  # noqa: S608
        f"{updated_at} = CASE WHEN {state} = %s THEN %s ELSE {updated_at} END, "
        f"{next_at} = NULL, "
        f"{key} = CASE WHEN {key} = '' THEN %s ELSE {key} END, "
        f"{first_due} = COALESCE({first_due}, {scheduled_at}, %s) "
        f"WHERE {col(Post, 'id')} = %s AND {col(Post, 'external_id')} = '' AND ("
        f"({state} = %s AND {scheduled_at} <= %s) "
        f"OR ({state} = %s AND ({next_at} IS NULL OR {next_at} <= %s))) "
        f"RETURNING {returning}"
    )
    released_state = target_state(PostState.SCHEDULED, Action.RELEASE)
    params = [
        released_state,
        PostState.SCHEDULED,
        adapt(now),
        idempotency_key,
        adapt(now),
        post_id,
        PostState.SCHEDULED,
        due,
        PostState.PUBLISHING,
        due,
    ]
    rows = list(Post.objects.raw(sql, params))
    if not rows:
        return None
    post = rows[0]
    # The release stamps updated_at with the claim's time; a post already publishing keeps its.
    released = post.updated_at == now
    values = {name: getattr(post, f"claim_account_{name}") for name in _CLAIM_ACCOUNT_FIELDS[1:]}
    values.update(
        {name: bool(getattr(post, f"claim_account_{name}")) for name in _CLAIM_ACCOUNT_FLAGS}
    )
    values["id"] = post.brand_account_id
    values["is_active"] = bool(values["is_active"])
    fields = [
        f.attname
        for f in BrandAccount._meta.concrete_fields
        if f.attname in values  # in the model's field order, as from_db wants them
    ]
    brand_account = BrandAccount.from_db(
        connection.alias, fields, [values[name] for name in fields]
    )
    claimed = ClaimedPost(
        post=post,
        body=post.claim_body or "",  # type: ignore[attr-defined]
        revision_number=post.claim_revision_number or 0,  # type: ignore[attr-defined]
        images=int(post.claim_images or 0),  # type: ignore[attr-defined]
        account=brand_account,
    )
    if before_audit is not None:
        before_audit(claimed)
    if released:
        assert post.scheduled_at is not None  # noqa: S101 - the statement released it
        transition_recorded(
            post=post,
            action=Action.RELEASE,
            from_state=PostState.SCHEDULED,
            revision_number=claimed.revision_number,
            data={"scheduled_at": post.scheduled_at.isoformat()},
        )
    return claimed


def post_mark_published_claimed(
    *,
    post: Post,
    expected_state: str,
    revision_number: int,
    external_id: str,
    external_url: str,
    published_at: datetime,
    data: dict[str, Any] | None = None,
    before_audit: Callable[[], None] | None = None,
) -> bool:
    """post_mark_published_locked without reading the row first, in the engine's outcome
    transaction: one compare-and-swap UPDATE (the post still in the state the engine claimed it
    in, without an external id) and its audit event. False, with nothing written, when the post
    moved meanwhile: the engine then records the outcome the long way, under a row lock.

    `before_audit()` runs after a successful compare-and-swap and before the audit event (the
    engine finishes its attempt there), so that the audit insert, which holds the audit chain's
    head locked until COMMIT, is the transaction's last statement (post_claim_for_sending)."""
    to_state = target_state(expected_state, Action.MARK_PUBLISHED)
    updated = Post.objects.filter(pk=post.pk, state=expected_state, external_id="").update(
        state=to_state,
        updated_at=timezone.now(),
        external_id=external_id,
        external_url=external_url,
        published_at=published_at,
        last_error="",
        next_attempt_at=None,
    )
    if updated != 1:
        return False
    if before_audit is not None:
        before_audit()
    transition_recorded(
        post=post,
        action=Action.MARK_PUBLISHED,
        from_state=expected_state,
        revision_number=revision_number,
        data={"external_id": external_id, "external_url": external_url, **(data or {})},
    )
    return True
