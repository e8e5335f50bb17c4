"""SLA notices: the owner (or the assigned department) before a breach, the department's
managers and comms at the breach. Each is sent once: a conditional UPDATE sets its flag, and
only the transaction that set it sends."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from accounts import authz
from accounts.roles import OrgRole
from inbox import sla
from inbox.models import Conversation, ConversationState
from inbox.services.common import department_managers, department_members, record, tell


def _open_conversations() -> list[Conversation]:
    return list(
        Conversation.objects.filter(state=ConversationState.TRIAGED)
        .filter(Q(warned_at__isnull=True) | Q(breach_notified_at__isnull=True))
        .select_related("brand_account", "department", "owner", "assignee")
    )


def _warn_at(conversation: Conversation) -> datetime | None:
    deadline = sla.due_at(conversation)
    if deadline is None:
        return None
    ratio = settings.SOCIALHUB_INBOX_SLA_WARN_RATIO
    return conversation.first_item_at + (deadline - conversation.first_item_at) * ratio


def sla_notices_send(*, now: datetime) -> int:
    told = 0
    for conversation in _open_conversations():
        deadline = sla.due_at(conversation)
        if deadline is None:
            continue
        if deadline <= now and conversation.breach_notified_at is None:
            told += _send_breach(conversation, now=now)
        elif conversation.warned_at is None and (_warn_at(conversation) or deadline) <= now:
            told += _send_warning(conversation, deadline=deadline, now=now)
    return told


def _flag(conversation: Conversation, field: str, now: datetime) -> bool:
    return bool(
        Conversation.objects.filter(pk=conversation.pk, **{f"{field}__isnull": True}).update(
            **{field: now}
        )
    )


def _send_warning(conversation: Conversation, *, deadline: datetime, now: datetime) -> int:
    with transaction.atomic():
        if not _flag(conversation, "warned_at", now):
            return 0
        recipients = (
            [conversation.owner]
            if conversation.owner is not None
            else department_members(conversation.department)
        )
        minutes = max(1, int((deadline - now) / timedelta(minutes=1)))
        tell(
            recipients,
            conversation,
            actor=None,
            subject="Inbox: a conversation is about to miss its service level",
            message=f"A conversation on {conversation.brand_account} must be answered within "
            f"{minutes} minute(s).",
        )
        record(
            conversation, actor=None, action="inbox.sla_warned", data={"due": deadline.isoformat()}
        )
    return 1


def _send_breach(conversation: Conversation, *, now: datetime) -> int:
    with transaction.atomic():
        if not _flag(conversation, "breach_notified_at", now):
            return 0
        # The warning is moot once breached: mark it too, so it is never sent late.
        _flag(conversation, "warned_at", now)
        recipients = [
            *department_managers(conversation.department),
            *authz.users_with_org_role(OrgRole.COMMS_REVIEWER),
        ]
        tell(
            recipients,
            conversation,
            actor=None,
            subject="Inbox: a conversation missed its service level",
            message=f"A conversation on {conversation.brand_account} "
            f"({conversation.get_outcome_display().lower()}) is past its service level.",
        )
        record(conversation, actor=None, action="inbox.sla_breached")
    return 1
