"""Service levels: how long a conversation may wait for its first response and for closing,
per outcome (settings), and the notices before and at a breach (each sent once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from inbox.models import Conversation, ConversationState, Outcome, SlaClock


def sla_hours(outcome: str) -> tuple[float, float] | None:
    """(hours to the first response, hours to closing) for an outcome, None when it has none."""
    levels: dict[str, tuple[float, float]] = settings.SOCIALHUB_INBOX_SLA_HOURS
    return levels.get(outcome)


def due_at(conversation: Conversation) -> datetime | None:
    """When the conversation's next service level runs out, None when none is running: triage
    for a new conversation, the first response then closing for an answered one."""
    if conversation.state == ConversationState.CLOSED:
        return None
    if conversation.state == ConversationState.NEW:
        hours = settings.SOCIALHUB_INBOX_SLA_TRIAGE_HOURS
        return conversation.first_item_at + timedelta(hours=hours)
    levels = sla_hours(conversation.outcome)
    if levels is None:
        return None
    first_response, close = levels
    if conversation.first_response_at is None:
        return conversation.first_item_at + timedelta(hours=first_response)
    return conversation.first_item_at + timedelta(hours=close)


def is_breached(conversation: Conversation, *, now: datetime) -> bool:
    deadline = due_at(conversation)
    return deadline is not None and deadline <= now


def breached_q(*, now: datetime) -> Q:
    """The open conversations past a service level, as a filter (the list's ?breached=true):
    the same rule as ``is_breached``, written on the running clock the database keeps
    (``Conversation.sla_clock``) so that each (clock, outcome) is one range on the first item's
    time in the ``inbox_conv_sla_clock`` index, never a rule evaluated per row."""
    triage = timedelta(hours=settings.SOCIALHUB_INBOX_SLA_TRIAGE_HOURS)
    # A new conversation has no outcome (a check constraint): naming it keeps the age a range
    # in the index.
    q = Q(sla_clock=SlaClock.TRIAGE, outcome="", first_item_at__lte=now - triage)
    for outcome in Outcome:
        levels = sla_hours(outcome)
        if levels is None:
            continue
        first_response, close = levels
        q |= Q(
            sla_clock=SlaClock.FIRST_RESPONSE,
            outcome=outcome,
            first_item_at__lte=now - timedelta(hours=first_response),
        )
        q |= Q(
            sla_clock=SlaClock.CLOSE,
            outcome=outcome,
            first_item_at__lte=now - timedelta(hours=close),
        )
    return q
