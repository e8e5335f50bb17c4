"""Putting a post's publish task on the broker, at once or at its scheduled time."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.utils import timezone

from approvals.models import Post, PostState

logger = logging.getLogger("socialhub.publishing")


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
