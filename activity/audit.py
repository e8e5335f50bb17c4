"""Writing to the audit trail. Every service that changes state calls audit_record inside the
same transaction as the change, so a change without its event cannot be committed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from activity.chain import digest_of
from activity.models import AuditEvent, target_key

if TYPE_CHECKING:
    from accounts.models import Department, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    department: Department | None = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    department_id: int | None = None,
) -> AuditEvent:
    """One INSERT: the database chains the event as it is written (activity/chain.py).
    department_id instead of department: for a caller that has the id but not the row (the
    publishing engine, which reads no more than it must)."""
    target_type, target_id = target_key(target)
    where: dict[str, Any] = (
        {"department": department} if department is not None else {"department_id": department_id}
    )
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=str(target)[:255],
        **where,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )
    event.digest = digest_of(event)
    event.save(force_insert=True)
    return event
