"""What the inbox's services share: the compare-and-swap write, the audit event, the notices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, Membership, User
from activity.audit import audit_record
from activity.models import Notification
from activity.notifications import notify
from core.errors import Conflict
from inbox.models import Conversation


def swap(conversation: Conversation, *, expected_version: int, **changes: Any) -> None:
    """UPDATE … WHERE version = expected: a second request that read the same version gets
    0 rows and a conflict, never a silent overwrite. Updates the object in memory too."""
    changes["updated_at"] = timezone.now()
    updated = Conversation.objects.filter(pk=conversation.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    )
    if not updated:
        raise Conflict(
            "Someone else changed this conversation meanwhile: reload it and try again.",
            code="conversation_changed",
        )
    for name, value in changes.items():
        setattr(conversation, name, value)
    conversation.version = expected_version + 1


def record(
    conversation: Conversation,
    *,
    actor: User | None,
    action: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=conversation,
        department=conversation.department,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
    )


def conversation_url(conversation: Conversation) -> str:
    return reverse("inbox:conversation", args=[conversation.pk])


def department_members(department: Department | None) -> list[User]:
    if department is None:
        return []
    return [
        m.user
        for m in Membership.objects.filter(department=department, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    ]


def department_managers(department: Department | None) -> list[User]:
    if department is None:
        return []
    return [
        m.user
        for m in Membership.objects.filter(
            department=department, role=Membership.Role.MANAGER, user__is_active=True
        ).select_related("user")
    ]


def tell(
    recipients: Iterable[User],
    conversation: Conversation,
    *,
    message: str,
    subject: str,
    actor: User | None,
) -> None:
    notify(
        recipients=recipients,
        kind=Notification.Kind.INBOX,
        message=message,
        subject=subject,
        target=conversation,
        url=conversation_url(conversation),
        actor=actor,
    )
