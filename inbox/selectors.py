"""Reads of the inbox: the list with its filters and tabs, one conversation's thread and
timeline. Every read starts from what the person may see (permissions.visible_conversations)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import authz
from activity.models import AuditEvent
from activity.selectors import audit_events_for
from channels_app.platforms import Platform
from core.errors import InvalidInput, whole_number
from inbox import sla
from inbox.models import (
    Conversation,
    ConversationState,
    InboxItem,
    Outcome,
    RoutingRule,
    SavedReply,
)
from inbox.permissions import (
    can_use_inbox,
    sees_every_conversation,
    visible_conversations,
    visible_routing_rules,
    visible_saved_replies,
)

FILTERS = ("tab", "account", "platform", "outcome", "owner", "state", "breached", "q", "ordering")
TABS = ("new", "mine", "department", "all")
ORDERINGS = {"newest": ("-last_item_at", "-id"), "oldest": ("first_item_at", "id")}


def tabs_for(user: Any) -> list[str]:
    """The tabs the person gets: triage and comms every one; others their own and their
    department's."""
    if sees_every_conversation(user):
        return list(TABS)
    return ["mine", "department"] if can_use_inbox(user) else []


def _choice(value: str, allowed: Any, field: str) -> str:
    if value not in allowed:
        raise InvalidInput(
            f"Unknown {field} {value!r}; use one of: {', '.join(allowed)}.", field=field
        )
    return value


def _truth(value: str, field: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise InvalidInput("Use true or false.", field=field)


def conversation_list(
    *, user: Any, filters: dict[str, Any] | None = None
) -> QuerySet[Conversation]:
    """Conversations the person may see, filtered. Filters (strings, "" = not given): tab
    (new, mine, department, all), account (id), platform, outcome, owner (id, "me" or
    "none"), state, breached (true/false), q (text in the subject or author), ordering
    (newest, oldest)."""
    filters = {k: str(v).strip() for k, v in (filters or {}).items() if v not in (None, "")}
    # The case too, for its badge in the list (a join: one case per conversation at most).
    conversations = visible_conversations(user).select_related(
        "brand_account", "department", "assignee", "owner", "case"
    )
    tab = filters.get("tab")
    if tab:
        _choice(tab, TABS, "tab")
        if tab == "new":
            conversations = conversations.filter(state=ConversationState.NEW)
        elif tab == "mine":
            conversations = conversations.filter(Q(owner=user) | Q(assignee=user)).exclude(
                state=ConversationState.CLOSED
            )
        elif tab == "department":
            conversations = conversations.filter(
                department_id__in=list(authz.department_roles(user))
            ).exclude(state=ConversationState.CLOSED)
    if "account" in filters:
        conversations = conversations.filter(
            brand_account_id=whole_number(filters["account"], field="account")
        )
    if "platform" in filters:
        conversations = conversations.filter(
            platform=_choice(filters["platform"], Platform.values, "platform")
        )
    if "outcome" in filters:
        conversations = conversations.filter(
            outcome=_choice(filters["outcome"], Outcome.values, "outcome")
        )
    if "state" in filters:
        conversations = conversations.filter(
            state=_choice(filters["state"], ConversationState.values, "state")
        )
    owner = filters.get("owner")
    if owner == "me":
        conversations = conversations.filter(owner=user)
    elif owner == "none":
        conversations = conversations.filter(owner__isnull=True)
    elif owner:
        conversations = conversations.filter(owner_id=whole_number(owner, field="owner"))
    if "breached" in filters:
        breached = sla.breached_q(now=timezone.now())
        conversations = conversations.filter(
            breached if _truth(filters["breached"], "breached") else ~breached
        )
    text = filters.get("q", "")[:200]
    if "\x00" in text:  # PostgreSQL refuses it in any string: a 400 here, not a 500 there
        raise InvalidInput("The search text may not contain a NUL character.", field="q")
    if text:
        conversations = conversations.filter(
            Q(subject__icontains=text)
            | Q(author_handle__icontains=text)
            | Q(author_name__icontains=text)
        )
    ordering = _choice(filters.get("ordering", "newest"), ORDERINGS, "ordering")
    return conversations.order_by(*ORDERINGS[ordering])


def conversation_items(*, conversation: Conversation) -> QuerySet[InboxItem]:
    return conversation.items.order_by("created_at", "id")


def conversation_timeline(*, conversation: Conversation) -> QuerySet[AuditEvent]:
    return audit_events_for(target=conversation).select_related("actor")


def routing_rule_list(*, user: Any) -> QuerySet[RoutingRule]:
    """Routing rules the person may read (inbox.permissions.visible_routing_rules)."""
    return visible_routing_rules(user)


def saved_reply_list(*, user: Any) -> QuerySet[SavedReply]:
    """Saved replies a responder may use (inbox.permissions.visible_saved_replies)."""
    return visible_saved_replies(user)
