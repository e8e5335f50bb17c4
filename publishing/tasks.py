"""Celery tasks of the publishing engine: load by id, call one service.

Messages carry only a post id: never credentials, never post text. The registered names begin
with "approvals." because the engine lived in the approvals app when they were first queued:
they are an interface for messages already on a broker and for beat's schedule, so they stay.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from publishing import engine
from publishing.engagement import engagement_collect


@shared_task(
    name="approvals.publish_post",  # engine.PUBLISH_TASK
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.SOCIALHUB_PUBLISH_TIME_LIMIT,
    soft_time_limit=settings.SOCIALHUB_PUBLISH_SOFT_TIME_LIMIT,
)
def publish_post(post_id: int) -> str:
    """Publish one post exactly once (claim, send or check, record): publishing.engine."""
    return engine.post_publish(post_id=post_id)


@shared_task(name="approvals.release_due_posts", ignore_result=True)
def release_due_posts() -> int:
    """The publishing sweep (beat, every 30 s): queue scheduled posts whose time nears, release
    due ones (or hold them under a crisis pause), and queue again any publish whose task was
    lost. Returns how many posts it acted on."""
    return engine.sweep().total


@shared_task(name="publishing.collect_engagement", ignore_result=True)
def collect_engagement() -> int:
    """Beat (every SOCIALHUB_ENGAGEMENT_INTERVAL seconds): read back the public figures of
    published posts whose next step is due. Returns how many posts it read."""
    report = engagement_collect()
    return report.stored + report.unavailable
