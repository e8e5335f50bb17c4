"""Celery tasks of the dashboards: load, call one service, nothing else."""

from __future__ import annotations

from celery import shared_task

from dashboards.reports.rollups import rollups_advance


@shared_task(name="dashboards.advance_rollups")
def advance_rollups() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): fold the post transitions past the watermark into
    the activity reports' summary rows."""
    return rollups_advance()
