"""Celery tasks of the workflow: load by id, call one service.

(The publishing engine's tasks live in publishing/tasks.py.)
"""

from __future__ import annotations

from celery import shared_task

from approvals import media


@shared_task(name="approvals.forget_old_media_uploads", ignore_result=True)
def forget_old_media_uploads() -> int:
    """Daily (beat): forget which images platforms accepted more than 30 days ago."""
    return media.forget_old_uploads()
