"""Celery tasks of the workflow: load by id, call one service.

(The publishing engine's tasks live in publishing/tasks.py.)
"""

from __future__ import annotations

from celery import shared_task

from approvals import media, services


@shared_task(name="approvals.forget_old_media_uploads", ignore_result=True)
def forget_old_media_uploads() -> int:
    """Daily (beat): forget which images platforms accepted more than 30 days ago."""
    return media.forget_old_uploads()


@shared_task(name="approvals.expire_approvals", ignore_result=True)
def expire_approvals() -> int:
    """Hourly (beat): approved posts not scheduled within SOCIALHUB_APPROVAL_EXPIRY_DAYS, and
    posts still in review when the time their authors asked for passed, go back to them."""
    return len(services.posts_expire_approvals()) + len(services.posts_expire_passed_requests())


@shared_task(name="approvals.purge_old_drafts", ignore_result=True)
def purge_old_drafts() -> int:
    """Daily (beat): drafts never sent for review and untouched for
    SOCIALHUB_DRAFT_RETENTION_DAYS are removed, and the removal audited (0: kept for ever)."""
    return services.drafts_purge()
