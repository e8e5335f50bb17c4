"""Celery tasks of the workflow: load what they need, call one service, nothing else."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from approvals import services


@shared_task(name="approvals.release_due_posts", ignore_result=True)
def release_due_posts() -> int:
    """Scheduled posts whose time came: hand them over, or hold them under a crisis pause."""
    return len(services.posts_release_due(now=timezone.now()))
