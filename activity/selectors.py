"""Reads of the audit trail and of a person's notifications."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet

from activity.models import AuditEvent, Notification


def audit_events_for(*, target: models.Model) -> QuerySet[AuditEvent]:
    """The object's trail, oldest first, with who acted (one query)."""
    return (
        AuditEvent.objects.for_target(target).select_related("actor").order_by("created_at", "id")
    )


def notification_list(*, user: Any) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_notification_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return int(user.notifications.filter(read_at__isnull=True).count())
