"""Claiming a post (one transaction, its row locked): release it when due, refuse what may not be
sent, and open the attempt — a send, or a check when an earlier outcome is unknown."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from approvals import services
from approvals.models import Post, PostState
from approvals.replies import post_reply_target
from approvals.state_machine import Action, perform_transition
from channels_app.connectors import PostPayload
from channels_app.models import BrandAccount
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


def _claim(post_id: int, *, now: datetime) -> Claim | str | None:
    """The claim on the post (its attempt is written), None when there is nothing to do, or
    the outcome when the post was settled without calling the platform."""
    try:
        with transaction.atomic():
            return _claim_locked(post_id, now=now)
    except IntegrityError:
        # The database refused a second running attempt: another worker claimed it first
        # (only reachable where row locks are not exclusive).
        return None


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
