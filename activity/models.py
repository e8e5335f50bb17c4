"""The append-only audit trail and in-app notifications.

Both tables were created by the approvals app and keep their names (`db_table`), so an
existing database moved here without copying a row (see migrations/0001_initial.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


def target_key(target: models.Model) -> tuple[str, str]:
    """How a row names the object it is about: its model label and primary key."""
    return target._meta.label_lower, str(target.pk)


class AuditEventQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit events are append-only: they are never updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit events are append-only: they are never deleted.")

    def for_target(self, target: models.Model) -> AuditEventQuerySet:
        target_type, target_id = target_key(target)
        return self.filter(target_type=target_type, target_id=target_id)


class AuditEvent(models.Model):
    """One state change or permission-relevant action: who, when, what, from, to, why.

    Append-only: no code path updates or deletes a row (the queryset and the model refuse, and
    the admin shows them read-only). Hash-chained: `digest` is set by audit_record, `seq`,
    `prev_hash` and `hash` by the database as the row is inserted (activity/chain.py).
    """

    # Set before the insert (not auto_now_add) because the content digest includes it.
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    # The object acted on, by model label and primary key, and a label frozen at the time so the
    # trail still reads well after the object is renamed or removed.
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=255, blank=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The hash chain (activity/chain.py): SHA-256 of the content, the chain's position, the
    # previous event's hash and this one's. Filled in by the database's trigger.
    digest = models.CharField(max_length=64, blank=True, editable=False)
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        db_table = "approvals_auditevent"
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("target_type", "target_id", "created_at")),)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Audit events are append-only: they are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit events are append-only: they are never deleted.")


class AuditChainHead(models.Model):
    """The one row (id 1) holding the newest event's seq and hash. Only the database's trigger
    on the audit table writes it (activity/chain.py); the verifier compares the chain's end to
    it, so events removed from the end are found too."""

    seq = models.BigIntegerField(default=0)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Audit chain head at seq {self.seq}"


class NotificationQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def for_target(self, target: models.Model) -> NotificationQuerySet:
        target_type, target_id = target_key(target)
        return self.filter(target_type=target_type, target_id=target_id)


class Notification(models.Model):
    """An in-app notice to one person (also e-mailed when it is created)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        DECISION = "decision", "Decision"
        COMMENT = "comment", "Comment"
        SCHEDULE_MISSED = "schedule_missed", "Schedule missed"
        PUBLISH_FAILED = "publish_failed", "Publishing failed"
        CRISIS = "crisis", "Crisis pause"
        QUIET_PERIOD = "quiet_period", "Quiet period"
        CONNECTION = "connection", "Brand account connection"
        INBOX = "inbox", "Inbox conversation"
        MENTION = "mention", "Mention"
        COACHING = "coaching", "Coaching"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What the notice is about (a post, a brand account…), by model label and primary key like
    # the audit trail: activity sits below the apps whose objects it names, so no foreign key.
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "approvals_notification"
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(fields=("recipient", "read_at"), name="approvals_notif_unread"),
            models.Index(fields=("target_type", "target_id"), name="activity_notif_target"),
        )

    def __str__(self) -> str:
        return self.message
