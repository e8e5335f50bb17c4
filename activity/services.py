"""A person marks their own notifications read. (New events and notices: audit.py and
notifications.py.)"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from activity.models import Notification


def notifications_mark_read(*, user: Any, ids: list[int] | None = None) -> int:
    """Mark the person's notifications read (all of them when ids is None)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
