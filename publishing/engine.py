"""The publishing engine (docs/design.md §4): an approved post goes out at its time, exactly once.

One task per post, `approvals.publish_post(post_id)` (publishing/tasks.py; the name predates
the publishing app and stays, for messages already queued), runs `post_publish(post_id=…)`:

1. **Claim** (one transaction, the post's row locked): a scheduled post whose time came is
   released (or held back under a crisis pause); a post in `publishing` or `unconfirmed` that
   has no external id and no running attempt gets a new `PublishAttempt` — a *send*, or a
   *check* on the platform when the outcome of an earlier send is unknown. A post with an
   external id is never sent again; the database refuses a second running attempt per post.
2. **Deliver**, outside any transaction: the brand account's connector publishes (or looks the
   post up), with a fresh OAuth token when the platform needs one (saved before it is used).
3. **Record** (one transaction, the row locked again): the attempt's outcome, the state change
   and its audit event together — published with the external id and URL; a temporary error
   queued again after an exponential back-off with jitter (at least the platform's
   Retry-After) until the attempts run out; a refusal → `failed` with the platform's message;
   an unknown outcome → `unconfirmed`, and a check before any resend.

Messages carry only the post id. Lost messages (a broker restart, a worker killed mid-send, a
broker that was down when the post was handed over) are found by `sweep()`, which beat runs
every 30 seconds: an attempt whose lease ran out is treated as an unknown outcome, so the next
claim checks the platform before sending again — never a blind resend.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import traceback
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from activity.audit import audit_record
from approvals import notifications, services
from approvals.media import DatabaseMediaUploads, images_for_revision
from approvals.models import Post, PostState, Revision
from approvals.replies import post_reply_target
from approvals.state_machine import Action, perform_transition
from channels_app.connectors import (
    Connector,
    Credentials,
    OutcomeUnknownError,
    PermanentError,
    PostPayload,
    PublishResult,
    RetryableError,
    call_with_fresh_token,
    connector_for,
)
from channels_app.connectors.base import redact
from channels_app.encryption import CredentialsUnreadable
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.platforms import Platform
from channels_app.selectors import connection_credentials
from channels_app.services import brand_account_store_refreshed_credentials
from channels_app.tasks import check_connection
from publishing.models import AttemptKind, AttemptOutcome, PublishAttempt

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger("socialhub.publishing")

# A platform that asks for more than a day is not waited for blindly: the post is retried
# then, and fails if the platform still refuses.
MAX_RETRY_AFTER = 24 * 3600.0
# Checks after an unknown outcome never give up (giving up would let a person resend blindly);
# they back off to this and keep looking.
MAX_CHECK_DELAY = 3600.0
# An eta task may be a little early when worker clocks differ: within this, it is on time.
EARLY_TOLERANCE = timedelta(seconds=1)
# The sweep handles at most this many posts per kind each run, so one run stays short.
SWEEP_BATCH = 500


# --- Enqueueing ----------------------------------------------------------------------------

# The publish task (publishing/tasks.py), by the name Celery registered it under. Looked up in
# Celery's registry instead of imported: the task module imports this one to run the engine.
# PublishingConfig.ready() imports the task module, so every process has it registered.
PUBLISH_TASK = "approvals.publish_post"


def enqueue(post_id: int, *, eta: datetime | None = None) -> bool:
    """Put the post's publish task on the broker. False (logged) when the broker refused:
    the post is in the database already, and the sweep queues it again."""
    try:
        current_app.tasks[PUBLISH_TASK].apply_async(
            args=(post_id,),
            eta=eta,  # type: ignore[arg-type]  # None: at once (celery-types says otherwise)
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception as exc:  # the broker is down or unreachable
        logger.warning(
            "Could not queue post %s for publishing (%s); the sweep will queue it again.",
            post_id,
            type(exc).__name__,
        )
        return False
    return True


def _enqueue_quietly(post_id: int, *, eta: datetime | None = None) -> None:
    enqueue(post_id, eta=eta)


def enqueue_scheduled(post_id: int, at: datetime, *, now: datetime | None = None) -> bool:
    """Queue a scheduled post with its time once it is within the horizon, and remember that it
    is queued (next_attempt_at). A later time is queued by the sweep when it nears."""
    now = now or timezone.now()
    if at > now + timedelta(seconds=settings.SOCIALHUB_PUBLISH_ETA_HORIZON):
        return False
    if not enqueue(post_id, eta=at):
        return False
    Post.objects.filter(
        pk=post_id, state=PostState.SCHEDULED, scheduled_at=at, next_attempt_at__isnull=True
    ).update(next_attempt_at=at)
    return True


# --- Retry schedule ------------------------------------------------------------------------


def retry_delay(
    retries: int,
    *,
    retry_after: float | None = None,
    base: float | None = None,
    cap: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before the next try after `retries` temporary errors in a row (1 for
    the first): base·2^(retries-1), capped, with "equal jitter" (between half and all of it, so
    posts that failed together do not return together), and never less than the platform's
    Retry-After (itself capped at a day)."""
    base = settings.SOCIALHUB_PUBLISH_RETRY_BASE if base is None else base
    cap = settings.SOCIALHUB_PUBLISH_RETRY_MAX if cap is None else cap
    rng = rng or _random
    ceiling = min(cap, base * 2 ** max(0, retries - 1))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    if retry_after:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


_random = random.SystemRandom()


# --- The publish task's service -------------------------------------------------------------


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


@dataclass(frozen=True)
class Delivery:
    """What the platform said (or did not say)."""

    outcome: str
    message: str = ""
    result: PublishResult | None = None
    retry_after: float | None = None


def post_publish(*, post_id: int) -> str:
    """Claim the post, deliver it, record the outcome. Returns what happened, for the task's
    log line ("skipped" when there was nothing to do: already published, running elsewhere,
    not due yet, or held under a crisis pause)."""
    claim = _claim(post_id, now=timezone.now())
    if claim is None:
        return "skipped"
    if isinstance(claim, str):
        return claim  # decided without calling the platform (failed before sending)
    delivery = _deliver(claim)
    _record(claim, delivery, now=timezone.now())
    return delivery.outcome


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
            return None  # held back under a crisis pause
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
        refusal = _send_refusal(post, pause_checked=just_released)
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


def _send_refusal(post: Post, *, pause_checked: bool = False) -> str:
    """Why this post may not be sent now, or "" (checked again at send time, because a pause or
    a switched-off account can come after the post was scheduled or queued)."""
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


def _finish(attempt: PublishAttempt, *, now: datetime, outcome: str, **fields: Any) -> None:
    PublishAttempt.objects.filter(pk=attempt.pk).update(finished_at=now, outcome=outcome, **fields)


# --- Delivering (no transaction open) -------------------------------------------------------


def _credentials(account: BrandAccount) -> dict[str, str]:
    """What the connector needs: the decrypted connection, or for the internal feed the
    account it publishes as."""
    if account.platform == Platform.INTERNAL:
        return {"brand_account": str(account.pk)}
    return connection_credentials(account=account)


def _saver(account: BrandAccount) -> Callable[[dict[str, str]], None]:
    def save(credentials: dict[str, str]) -> None:
        brand_account_store_refreshed_credentials(account=account, credentials=credentials)

    return save


def _have_connection_checked(account: BrandAccount) -> None:
    """Queue a check of the account's connection (channels_app): if the platform refuses the
    stored credentials, the account is marked "reconnect needed" and its managers are told."""
    try:
        check_connection.delay(account.pk)
    except Exception as exc:  # the broker is down: the daily check finds it
        logger.warning(
            "Could not queue a connection check of brand account %s (%s).",
            account.pk,
            type(exc).__name__,
        )


def _with_images(claim: Claim) -> PostPayload:
    """The claim's payload with the revision's images, read outside any transaction; uploads
    are remembered in the database so a retry never sends an accepted image twice."""
    if claim.revision_id is None:
        return claim.payload
    revision = Revision.objects.get(pk=claim.revision_id)
    images = tuple(images_for_revision(revision))
    if not images:
        return claim.payload
    return replace(claim.payload, images=images, uploads=DatabaseMediaUploads())


def _deliver(claim: Claim) -> Delivery:
    account = claim.account
    secret_values: list[str] = []
    try:
        credentials: Credentials = _credentials(account)
        connector: Connector = connector_for(account.platform)
        secret_values = [v for v in connector.secrets_in(credentials) if v]
        payload = _with_images(claim)
        if claim.kind == AttemptKind.CHECK:
            found = call_with_fresh_token(
                connector,
                credentials,
                lambda c: connector.find_existing(c, payload),
                save=_saver(account),
            )
            if found is None:
                return Delivery(AttemptOutcome.NOT_FOUND, "Not found on the platform.")
            return Delivery(AttemptOutcome.FOUND, "Found on the platform.", result=found)
        result = call_with_fresh_token(
            connector, credentials, lambda c: connector.publish(c, payload), save=_saver(account)
        )
        return Delivery(AttemptOutcome.PUBLISHED, result=result)
    except BrandAccountConnection.DoesNotExist:
        return Delivery(
            AttemptOutcome.FAILED,
            f"{account.display_name} is not connected: an org admin must enter its credentials.",
        )
    except CredentialsUnreadable:
        return Delivery(
            AttemptOutcome.FAILED,
            f"The stored credentials of {account.display_name} cannot be decrypted with the "
            "configured keys: an org admin must connect the account again.",
        )
    except OutcomeUnknownError as exc:
        kind = AttemptOutcome.RETRY if claim.kind == AttemptKind.CHECK else AttemptOutcome.UNKNOWN
        return Delivery(kind, redact(exc.message, secret_values))
    except RetryableError as exc:
        return Delivery(
            AttemptOutcome.RETRY, redact(exc.message, secret_values), retry_after=exc.retry_after
        )
    except PermanentError as exc:
        if exc.status in (401, 403):  # the platform refused who we are, not only this post
            _have_connection_checked(account)
        return Delivery(AttemptOutcome.FAILED, redact(exc.message, secret_values))
    except Exception as exc:  # a bug, a time limit, the database: the request may have left
        trace = redact("".join(traceback.format_exception(exc)), secret_values)
        logger.error("Post %s: attempt %s stopped: %s", claim.post_id, claim.number, trace)
        message = f"SocialHub stopped unexpectedly ({type(exc).__name__})."
        if claim.kind == AttemptKind.CHECK:
            return Delivery(AttemptOutcome.RETRY, message)
        return Delivery(AttemptOutcome.UNKNOWN, message)


# --- Recording (one transaction) ------------------------------------------------------------


def _record(claim: Claim, delivery: Delivery, *, now: datetime) -> None:
    with transaction.atomic():
        post = _lock(claim.post_id)
        attempt = PublishAttempt.objects.select_for_update().filter(pk=claim.attempt_id).first()
        if post is None or attempt is None:
            return
        if attempt.finished_at is not None:
            _record_late(post, attempt, delivery, now=now)
            return
        result = delivery.result
        outcome = delivery.outcome
        fields: dict[str, Any] = {
            "message": delivery.message[:5000],
            "retry_after": delivery.retry_after,
            "external_id": result.external_id if result else "",
            "external_url": result.url if result else "",
        }
        if outcome in (AttemptOutcome.PUBLISHED, AttemptOutcome.FOUND) and result is not None:
            _finish(attempt, now=now, outcome=outcome, **fields)
            _mark_published(post, result, attempt=attempt.number, now=now)
        elif outcome == AttemptOutcome.NOT_FOUND:
            _finish(attempt, now=now, outcome=outcome, next_attempt_at=now, **fields)
            perform_transition(
                post=post,
                action=Action.RESEND,
                actor=None,
                note="The platform does not have the post: sending it again.",
                data={"attempt": attempt.number},
                fields={"next_attempt_at": now},
                on_commit=[lambda: _enqueue_quietly(claim.post_id)],
            )
        elif outcome == AttemptOutcome.UNKNOWN:
            check_at = now + timedelta(seconds=settings.SOCIALHUB_PUBLISH_CHECK_DELAY)
            _finish(attempt, now=now, outcome=outcome, next_attempt_at=check_at, **fields)
            perform_transition(
                post=post,
                action=Action.MARK_UNCONFIRMED,
                actor=None,
                note=f"{delivery.message} SocialHub checks the platform before any resend.",
                data={"attempt": attempt.number, "check_at": check_at.isoformat()},
                fields={"next_attempt_at": check_at},
                on_commit=[lambda: _enqueue_quietly(claim.post_id, eta=check_at)],
            )
        elif outcome == AttemptOutcome.FAILED and claim.kind == AttemptKind.SEND:
            _finish(attempt, now=now, outcome=outcome, **fields)
            _mark_failed(post, error=delivery.message, attempt=attempt.number)
        elif (
            outcome == AttemptOutcome.RETRY
            and claim.kind == AttemptKind.SEND
            and (claim.sends_in_round >= settings.SOCIALHUB_PUBLISH_MAX_ATTEMPTS)
        ):
            _finish(attempt, now=now, outcome=AttemptOutcome.FAILED, **fields)
            _mark_failed(
                post,
                error=f"Gave up after {claim.sends_in_round} attempts. The platform's last "
                f"answer: {delivery.message}",
                attempt=attempt.number,
            )
        else:
            # A temporary error: try again after the back-off. A check that fails (even for
            # good, say a revoked token) is tried again too: the post stays unconfirmed rather
            # than become a failed post that someone could resend blindly.
            retries = (
                claim.sends_in_round
                if claim.kind == AttemptKind.SEND
                else _checks_in_a_row(post, attempt.number)
            )
            delay = retry_delay(retries, retry_after=delivery.retry_after)
            if claim.kind == AttemptKind.CHECK:
                delay = min(delay, max(MAX_CHECK_DELAY, delivery.retry_after or 0))
            retry_at = now + timedelta(seconds=delay)
            _finish(attempt, now=now, outcome=outcome, next_attempt_at=retry_at, **fields)
            Post.objects.filter(pk=post.pk).update(
                next_attempt_at=retry_at, last_error=delivery.message[:5000]
            )
            audit_record(
                actor=None,
                action="post.publish_retry_scheduled",
                target=post,
                department=post.department,
                from_state=post.state,
                to_state=post.state,
                note=delivery.message,
                data={
                    "attempt": attempt.number,
                    "kind": claim.kind,
                    "retry_at": retry_at.isoformat(),
                    "retry_after": delivery.retry_after,
                },
            )
            transaction.on_commit(lambda: _enqueue_quietly(claim.post_id, eta=retry_at))


def _checks_in_a_row(post: Post, number: int) -> int:
    kinds = PublishAttempt.objects.filter(post=post, number__lte=number).order_by("-number")
    count = 0
    for kind in kinds.values_list("kind", flat=True):
        if kind != AttemptKind.CHECK:
            break
        count += 1
    return max(count, 1)


def _record_late(post: Post, attempt: PublishAttempt, delivery: Delivery, *, now: datetime) -> None:
    """The attempt's lease ran out before its answer came (it outlived the task's hard time
    limit, which should not happen) and the engine moved on. A success is still the truth."""
    logger.warning(
        "Post %s: attempt %s answered after its lease (%s).",
        post.pk,
        attempt.number,
        delivery.outcome,
    )
    if (
        delivery.result is not None
        and not post.external_id
        and post.state in (PostState.PUBLISHING, PostState.UNCONFIRMED)
    ):
        _mark_published(post, delivery.result, attempt=attempt.number, now=now)


def _mark_published(post: Post, result: PublishResult, *, attempt: int, now: datetime) -> None:
    services.post_mark_published_locked(
        post=post,
        external_id=result.external_id,
        external_url=result.url,
        published_at=now,
        data={"attempt": attempt},
    )


def _mark_failed(post: Post, *, error: str, attempt: int) -> None:
    services.post_mark_failed_locked(post=post, error=error, data={"attempt": attempt})
    notifications.publish_failed(post, error=error)


# --- The sweep ------------------------------------------------------------------------------


@dataclass
class SweepReport:
    queued_scheduled: int = 0
    released: int = 0
    requeued: int = 0

    @property
    def total(self) -> int:
        return self.queued_scheduled + self.released + self.requeued


def sweep(*, now: datetime | None = None) -> SweepReport:
    """Find posts whose task was lost, or is not queued yet, and queue them.

    - scheduled posts whose time is within the horizon and that are not queued: queued with
      their time (eta);
    - scheduled posts whose time passed more than the grace ago: released for publishing now
      (or held under a crisis pause) — their task was lost;
    - posts in publishing or unconfirmed whose next step is more than the grace overdue and
      that have no running attempt (none, or one whose lease ran out: its worker died): queued
      again. The claim then checks the platform before any resend.

    Queuing twice is harmless (the claim lets one through); the grace keeps it rare.
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.SOCIALHUB_PUBLISH_SWEEP_GRACE)
    horizon = timedelta(seconds=settings.SOCIALHUB_PUBLISH_ETA_HORIZON)
    report = SweepReport()

    upcoming = Post.objects.filter(
        state=PostState.SCHEDULED,
        next_attempt_at__isnull=True,
        scheduled_at__gt=now - grace,
        scheduled_at__lte=now + horizon,
    ).values_list("pk", "scheduled_at")[:SWEEP_BATCH]
    for post_id, at in list(upcoming):
        if enqueue_scheduled(post_id, at, now=now):
            report.queued_scheduled += 1

    report.released = len(services.posts_release_due(now=now - grace, limit=SWEEP_BATCH))

    running = PublishAttempt.objects.filter(
        post=OuterRef("pk"), finished_at__isnull=True, lease_expires_at__gt=now
    )
    stale = (
        Post.objects.filter(state__in=(PostState.PUBLISHING, PostState.UNCONFIRMED))
        .annotate(due=Coalesce("next_attempt_at", "updated_at"))
        .filter(due__lte=now - grace)
        .filter(~Exists(running))
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for post_id in list(stale):
        # Marked first, so the next sweep waits a grace period before queuing it once more.
        touched = (
            Post.objects.filter(pk=post_id, state__in=(PostState.PUBLISHING, PostState.UNCONFIRMED))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now - grace))
            .update(next_attempt_at=now)
        )
        if touched and enqueue(post_id):
            report.requeued += 1
    if report.total:
        logger.info(
            "Publishing sweep: %s scheduled posts queued, %s due posts released, %s queued again.",
            report.queued_scheduled,
            report.released,
            report.requeued,
        )
    return report
