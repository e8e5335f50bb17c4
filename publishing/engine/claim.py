"""Claiming a post (one transaction, its row locked): release it when due, refuse what may not be
sent, and open the attempt — a send, or a check when an earlier outcome is unknown."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model, QuerySet

from approvals import services
from approvals.models import Post, PostState
from approvals.replies import post_reply_target
from approvals.state_machine import Action, perform_transition
from channels_app.connectors import PostPayload
from channels_app.credentials import needs_connection
from channels_app.models import BrandAccount
from channels_app.readiness import ready_connections
from publishing.engine.outcomes import _finish, _mark_failed
from publishing.models import AttemptKind, AttemptOutcome, PublishAttempt

logger = logging.getLogger("socialhub.publishing")


# An eta task may be a little early when worker clocks differ: within this, it is on time.
EARLY_TOLERANCE = timedelta(seconds=1)


@dataclass(frozen=True)
class Claim:
    post_id: int
    attempt_id: int
    number: int
    kind: str
    account: BrandAccount
    payload: PostPayload
    sends_in_round: int
    revision_id: int | None = None
    # For the outcome's audit event, so recording it reads nothing.
    revision_number: int = 0
    department_id: int | None = None
    # Whether the revision carries images (False: the send reads no media).
    has_images: bool = True


def _lock(post_id: int) -> Post | None:
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("brand_account", "department", "current_revision")
        .filter(pk=post_id)
        .first()
    )


def _worker_name() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"[:200]


def new_idempotency_key() -> str:
    """Random, so two SocialHub installations posting to one account never share a key."""
    return f"socialhub-{secrets.token_hex(16)}"


class _TakeTheLongWay(Exception):
    """The short claim met something it does not decide (a pause, a quiet period, an account
    switched off or not ready, earlier attempts): its transaction rolls back, the long way
    decides."""


def _claim(post_id: int, *, now: datetime) -> Claim | str | None:
    """The claim on the post (its attempt is written), None when there is nothing to do, or
    the outcome when the post was settled without calling the platform.

    The short way first (a due post's first send: three statements), the long way, under a row
    lock, for everything else."""
    try:
        try:
            with transaction.atomic():
                claim = _claim_short(post_id, now=now)
        except _TakeTheLongWay:
            claim = None
        if claim is not None:
            return claim
        with transaction.atomic():
            return _claim_locked(post_id, now=now)
    except IntegrityError:
        # The database refused a second running attempt (or a second first attempt): another
        # worker claimed it first.
        return None


def _claim_short(post_id: int, *, now: datetime) -> Claim | None:
    """A due post's first send, in three statements: the post released (or taken, when it is
    publishing already) by one conditional UPDATE that locks its row and returns what the send
    needs (approvals.services.post_claim_for_sending), its audit event, and the attempt —
    inserted only if, on what is committed once the row is locked, the account is on (and
    connected, where the platform needs it), no crisis pause nor quiet period covers it, and
    the post has no attempt yet. None when the UPDATE found nothing to take; _TakeTheLongWay
    (rolling back) when a check stands in the way.

    The attempt is written before the release's audit event (the service's `before_audit`):
    that event's insert locks the audit chain's head until COMMIT, and every publish queues on
    it, so it is the last statement before the COMMIT."""
    attempt_ids: list[int] = []

    def insert_attempt(claimed: services.ClaimedPost) -> None:
        post = claimed.post
        # As the release does: the quiet period at the time it is sent, never before its time.
        at = max(now, post.scheduled_at) if post.scheduled_at else now
        attempt_id = _insert_first_attempt(post, claimed.account, at=at, now=now)
        if attempt_id is None:
            raise _TakeTheLongWay
        attempt_ids.append(attempt_id)

    claimed = services.post_claim_for_sending(
        post_id=post_id,
        now=now,
        idempotency_key=new_idempotency_key(),
        early=EARLY_TOLERANCE,
        before_audit=insert_attempt,
    )
    if claimed is None:
        return None
    post, account = claimed.post, claimed.account
    (attempt_id,) = attempt_ids
    assert post.first_due_at is not None  # noqa: S101 - the claim set it
    return Claim(
        post_id=post.pk,
        attempt_id=attempt_id,
        number=1,
        kind=AttemptKind.SEND,
        account=account,
        payload=PostPayload(
            text=claimed.body,
            idempotency_key=post.idempotency_key,
            created_at=post.first_due_at,
            reply_to=post_reply_target(post),
        ),
        sends_in_round=1,
        revision_id=post.current_revision_id,
        revision_number=claimed.revision_number,
        department_id=post.department_id,
        has_images=claimed.images > 0,
    )


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{name} is not a column of {model.__name__}.")
    return field.column


@dataclass(frozen=True)
class _CheckInputs:
    """What the claim's checks depend on."""

    post_id: int
    account_id: int
    department_ids: tuple[int, ...]
    at: datetime
    connected: bool  # the platform needs a stored, working connection

    def slots(self) -> dict[str, Any]:
        """Each input as it appears among a compiled query's parameters."""
        return {
            "post": self.post_id,
            "account": self.account_id,
            "at": connection.ops.adapt_datetimefield_value(self.at),
            **{f"department{i}": d for i, d in enumerate(self.department_ids)},
        }


def _compiled_checks(inputs: _CheckInputs) -> tuple[str, list[Any]]:
    """The checks — the services' own queries (crisis_pauses_covering, blocking_quiet_periods,
    ready_connections) — compiled into one WHERE clause and its parameters."""
    checks: list[tuple[str, QuerySet[Any]]] = [
        ("NOT EXISTS", PublishAttempt.objects.filter(post_id=inputs.post_id)),
        ("EXISTS", BrandAccount.objects.filter(pk=inputs.account_id, is_active=True)),
        ("NOT EXISTS", services.crisis_pauses_covering(inputs.account_id)),
        (
            "NOT EXISTS",
            services.blocking_quiet_periods(
                at=inputs.at,
                account_id=inputs.account_id,
                department_ids=inputs.department_ids,
                post_id=inputs.post_id,
            ),
        ),
    ]
    if inputs.connected:
        checks.append(("EXISTS", ready_connections(inputs.account_id)))
    conditions: list[str] = []
    params: list[Any] = []
    for how, query in checks:
        sql, query_params = query.order_by().values("pk").query.sql_with_params()
        conditions.append(f"{how} ({sql})")
        params.extend(query_params)
    return " AND ".join(conditions), params


@dataclass(frozen=True)
class _Slot:
    name: str  # a key of _CheckInputs.slots()


# Compiling the checks' querysets was 40% of a publish's own processor time, the same text each
# time. Per shape (database, connection needed, number of departments): the WHERE clause and its
# parameters, each a constant or a _Slot filled from the post at hand — or None when the shape
# cannot be reused (then the checks are compiled per claim, as before).
_CHECK_TEMPLATES: dict[tuple[str, bool, int], tuple[str, tuple[Any, ...]] | None] = {}


def _check_template(shape: tuple[str, bool, int]) -> tuple[str, tuple[Any, ...]] | None:
    """The shape's checks compiled twice, for two sets of made-up inputs that differ in every
    value: reusable only if the SQL text is the same and every parameter is either the same in
    both (a constant of the rule) or, in both, exactly one input's value (a slot). Anything
    else — a value the services derive from an input, an input used in the SQL text — makes the
    shape not reusable, so a change to the services can never leave a stale value behind."""
    _vendor, connected, departments = shape
    samples = [
        _CheckInputs(
            post_id=-101,
            account_id=-102,
            department_ids=tuple(-110 - i for i in range(departments)),
            at=datetime(2001, 1, 1, 1, 1, 1, 1, tzinfo=UTC),
            connected=connected,
        ),
        _CheckInputs(
            post_id=-201,
            account_id=-202,
            department_ids=tuple(-210 - i for i in range(departments)),
            at=datetime(2002, 2, 2, 2, 2, 2, 2, tzinfo=UTC),
            connected=connected,
        ),
    ]
    (sql_a, params_a), (sql_b, params_b) = (_compiled_checks(sample) for sample in samples)
    if sql_a != sql_b or len(params_a) != len(params_b):
        return None
    slots_a, slots_b = (sample.slots() for sample in samples)
    template: list[Any] = []
    for value_a, value_b in zip(params_a, params_b, strict=True):
        if value_a == value_b:
            template.append(value_a)
            continue
        names = [n for n in slots_a if slots_a[n] == value_a and slots_b[n] == value_b]
        if len(names) != 1:
            return None
        template.append(_Slot(names[0]))
    return sql_a, tuple(template)


def _checks(inputs: _CheckInputs) -> tuple[str, list[Any]]:
    shape = (connection.vendor, inputs.connected, len(inputs.department_ids))
    if shape not in _CHECK_TEMPLATES:
        _CHECK_TEMPLATES[shape] = _check_template(shape)
    template = _CHECK_TEMPLATES[shape]
    if template is None:
        return _compiled_checks(inputs)
    sql, parameters = template
    slots = inputs.slots()
    return sql, [slots[p.name] if isinstance(p, _Slot) else p for p in parameters]


def _insert_first_attempt(
    post: Post, account: BrandAccount, *, at: datetime, now: datetime
) -> int | None:
    """INSERT … SELECT … WHERE <every check> RETURNING id: the first attempt, or None (nothing
    written) when a check stands in the way. The checks are the services' own queries
    (crisis_pauses_covering, blocking_quiet_periods, ready_connections), compiled into this
    one statement (once per shape: _checks)."""
    where, params = _checks(
        _CheckInputs(
            post_id=post.pk,
            account_id=account.pk,
            department_ids=tuple(sorted({account.department_id, post.department_id})),
            at=at,
            connected=needs_connection(account.platform),
        )
    )
    adapt = connection.ops.adapt_datetimefield_value
    values: dict[str, Any] = {
        "post": post.pk,
        "number": 1,
        "kind": AttemptKind.SEND.value,
        "started_at": adapt(now),
        "lease_expires_at": adapt(now + timedelta(seconds=settings.SOCIALHUB_PUBLISH_LEASE)),
        "outcome": "",
        "message": "",
        "external_id": "",
        "external_url": "",
        "worker": _worker_name(),
    }
    q = connection.ops.quote_name
    meta = PublishAttempt._meta
    columns = ", ".join(q(_column(PublishAttempt, name)) for name in values)
    placeholders = ", ".join(["%s"] * len(values))
    statement = (
        f"INSERT INTO {q(meta.db_table)} ({columns}) SELECT {placeholders} "
        f"WHERE {where} RETURNING {q(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*values.values(), *params])
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _claim_locked(post_id: int, *, now: datetime) -> Claim | str | None:
    post = _lock(post_id)
    if post is None:
        return None
    if post.state == PostState.SCHEDULED:
        if post.scheduled_at is None or post.scheduled_at > now + EARLY_TOLERANCE:
            return None  # rescheduled since this task was queued: its own task will come
        released = services.post_release_due_locked(
            post=post, now=max(now, post.scheduled_at), hand_over=False
        )
        if released is None or post.state != PostState.PUBLISHING:
            return None  # held back under a crisis pause or a quiet period
        just_released = True
    else:
        just_released = False
    if post.state not in (PostState.PUBLISHING, PostState.UNCONFIRMED):
        return None
    if post.external_id:
        return None  # the platform has it: never sent again
    attempts = list(PublishAttempt.objects.filter(post=post).order_by("number"))
    running = next((a for a in attempts if a.finished_at is None), None)
    if running is not None and running.lease_expires_at > now:
        return None  # another worker is on it
    interrupted = False
    if running is not None:
        # Its worker died (or was killed) before recording an outcome: whether the platform got
        # the post is unknown, so the platform is asked before anything is sent again.
        interrupted = True
        _finish(
            running,
            now=now,
            outcome=AttemptOutcome.INTERRUPTED,
            message="The worker stopped before the platform's answer was recorded.",
        )
        if post.state == PostState.PUBLISHING:
            perform_transition(
                post=post,
                action=Action.MARK_UNCONFIRMED,
                actor=None,
                note=f"Attempt {running.number} was interrupted; checking the platform before "
                "any resend.",
                data={"attempt": running.number},
            )
    elif post.next_attempt_at is not None and post.next_attempt_at > now + EARLY_TOLERANCE:
        return None  # a retry or a check waits for its time (and the platform's Retry-After)
    kind = AttemptKind.CHECK if post.state == PostState.UNCONFIRMED else AttemptKind.SEND
    if kind == AttemptKind.SEND:
        # (Released just now: the release checked the crisis pause in this transaction.)
        refusal = _send_refusal(post, now=now, pause_checked=just_released)
        if refusal:
            _fail_before_sending(post, attempts, refusal, now=now)
            return AttemptOutcome.FAILED.value
    key = post.idempotency_key or new_idempotency_key()
    first_due = post.first_due_at or (post.scheduled_at if post.scheduled_at else now)
    number = (attempts[-1].number if attempts else 0) + 1
    attempt = PublishAttempt.objects.create(
        post=post,
        number=number,
        kind=kind,
        started_at=now,
        lease_expires_at=now + timedelta(seconds=settings.SOCIALHUB_PUBLISH_LEASE),
        worker=_worker_name(),
    )
    Post.objects.filter(pk=post.pk).update(
        idempotency_key=key, first_due_at=first_due, next_attempt_at=None
    )
    sends = _sends_in_round(attempts) + (1 if kind == AttemptKind.SEND else 0)
    if interrupted:
        logger.info("Post %s: attempt %s was interrupted; checking.", post.pk, number - 1)
    return Claim(
        post_id=post.pk,
        attempt_id=attempt.pk,
        number=number,
        kind=kind,
        account=post.brand_account,
        payload=PostPayload(
            text=post.body,
            idempotency_key=key,
            created_at=first_due,
            reply_to=post_reply_target(post),  # threaded under the item a reply answers
        ),
        sends_in_round=sends,
        revision_id=post.current_revision_id,
        revision_number=post.revision_number,
        department_id=post.department_id,
    )


def _sends_in_round(attempts: list[PublishAttempt]) -> int:
    """Sends since the post last failed for good (a person's retry starts a new round)."""
    count = 0
    for attempt in attempts:
        if attempt.outcome == AttemptOutcome.FAILED and attempt.kind == AttemptKind.SEND:
            count = 0
        elif attempt.kind == AttemptKind.SEND:
            count += 1
    return count


def _send_refusal(post: Post, *, now: datetime, pause_checked: bool = False) -> str:
    """Why this post may not be sent now, or "" (checked again at send time, because a pause, a
    quiet period or a switched-off account can come after the post was scheduled or queued)."""
    account = post.brand_account
    if not account.is_active:
        return (
            f"{account.display_name} was switched off before this post went out. Retry it once "
            "an org admin switches the account back on."
        )
    pause = None if pause_checked else services.crisis_pause_covering(account)
    if pause is not None:
        return (
            f"Publishing was paused ({pause.reason}) before this post went out. Retry it once "
            "the pause is lifted."
        )
    quiet = None if pause_checked else services.blocking_quiet_period(post=post, at=now)
    if quiet is not None:
        return (
            f"A quiet period on {quiet.scope_label} ({quiet.reason}) began before this post went "
            "out. Retry it once the window ends, or ask legal for an exception."
        )
    return ""


def _fail_before_sending(
    post: Post, attempts: list[PublishAttempt], reason: str, *, now: datetime
) -> None:
    number = (attempts[-1].number if attempts else 0) + 1
    PublishAttempt.objects.create(
        post=post,
        number=number,
        kind=AttemptKind.SEND,
        started_at=now,
        lease_expires_at=now,
        finished_at=now,
        outcome=AttemptOutcome.FAILED,
        message=reason,
        worker=_worker_name(),
    )
    _mark_failed(post, error=reason, attempt=number)
