"""The sweep, every 30 seconds from beat: finds posts whose messages were lost or whose attempts
ran out of lease, and queues them again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from approvals import services
from approvals.models import Post, PostState
from publishing.engine.queueing import enqueue, enqueue_scheduled
from publishing.models import PublishAttempt

logger = logging.getLogger("socialhub.publishing")


# The sweep handles at most this many posts per kind each run, so one run stays short.
SWEEP_BATCH = 500


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
