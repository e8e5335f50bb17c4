"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialhub.settings")

app = Celery("socialhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _database_connections_tidied(**kwargs: Any) -> None:
    """Before and after each task, what Django does around each request: close a connection
    that is broken or older than DATABASE_CONN_MAX_AGE, and health-check the rest on first use
    (one `SELECT 1`). Celery's own fixup would close every connection around every task
    (CELERY_DB_REUSE_MAX turns that off): a new PostgreSQL connection per publish."""
    request = getattr(kwargs.get("task"), "request", None)
    if getattr(request, "is_eager", False):
        return  # run inline by the caller, inside its request or test: its connection
    from django.db import close_old_connections

    close_old_connections()
