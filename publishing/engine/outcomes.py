"""How an attempt and its post end: the attempt finished with its outcome, the post marked
published or failed (through the approvals services, with their audit events)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from approvals import notifications, services
from approvals.models import Post
from channels_app.connectors import PublishResult
from publishing.models import PublishAttempt


def _finish(attempt: PublishAttempt, *, now: datetime, outcome: str, **fields: Any) -> None:
    PublishAttempt.objects.filter(pk=attempt.pk).update(finished_at=now, outcome=outcome, **fields)


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
