"""Recording what the platform answered (one transaction, the row locked again): the attempt's
outcome, the post's state change and its audit event, and any retry queued."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from activity.audit import audit_record
from approvals import services
from approvals.models import Post, PostState
from approvals.state_machine import Action, perform_transition
from publishing.engine.claim import Claim, _lock
from publishing.engine.deliver import Delivery
from publishing.engine.outcomes import _finish, _mark_failed, _mark_published
from publishing.engine.queueing import _enqueue_quietly
from publishing.engine.retry_schedule import MAX_CHECK_DELAY, retry_delay
from publishing.models import AttemptKind, AttemptOutcome, PublishAttempt

logger = logging.getLogger("socialhub.publishing")


def _record(claim: Claim, delivery: Delivery, *, now: datetime) -> None:
    if _record_published(claim, delivery, now=now):
        return
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


def _record_published(claim: Claim, delivery: Delivery, *, now: datetime) -> bool:
    """The usual answer, recorded in three statements without reading anything: the post
    marked published if it is still in the state it was claimed in (approvals.services.
    post_mark_published_claimed: compare-and-swap and audit event), then the attempt finished.
    False, with nothing written, for any other answer or a post that moved meanwhile: the long
    way records it under the row lock.

    The attempt is finished between the compare-and-swap and the audit event (the service's
    `before_audit`), so the audit insert — which holds the audit chain's head locked until
    COMMIT, and every publish queues on that lock — is the last statement before the COMMIT."""
    result = delivery.result
    if result is None or delivery.outcome not in (AttemptOutcome.PUBLISHED, AttemptOutcome.FOUND):
        return False
    claimed_in = PostState.UNCONFIRMED if claim.kind == AttemptKind.CHECK else PostState.PUBLISHING
    finished: list[int] = []

    def finish_attempt() -> None:
        finished.append(
            PublishAttempt.objects.filter(pk=claim.attempt_id, finished_at__isnull=True).update(
                finished_at=now,
                outcome=delivery.outcome,
                message=delivery.message[:5000],
                retry_after=delivery.retry_after,
                external_id=result.external_id,
                external_url=result.url,
            )
        )

    with transaction.atomic():
        marked = services.post_mark_published_claimed(
            post=Post(pk=claim.post_id, department_id=claim.department_id),  # type: ignore[misc]
            expected_state=claimed_in,
            revision_number=claim.revision_number,
            external_id=result.external_id,
            external_url=result.url,
            published_at=now,
            data={"attempt": claim.number},
            before_audit=finish_attempt,
        )
        if not marked:
            return False
    if not finished[0]:
        # Its lease ran out first and a later claim closed it (as _record_late: a success is
        # still the truth, and the attempt keeps what that claim wrote).
        logger.warning(
            "Post %s: attempt %s answered after its lease (%s).",
            claim.post_id,
            claim.number,
            delivery.outcome,
        )
    return True


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
