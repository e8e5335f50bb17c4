"""Who sees and does what in the inbox. Built on accounts.authz, like every app's rules.

Seeing: triagers and comms reviewers see every conversation; everyone else sees those assigned
to one of their departments, to them, or owned by them (managers thereby see their
department's). Nobody else sees any: a conversation they may not see answers 404, as a missing
one does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from accounts import authz
from accounts.roles import OrgRole
from inbox.models import Conversation, ConversationState, Outcome, RoutingRule, SavedReply


def is_triager(user: Any) -> bool:
    return authz.has_org_role(user, OrgRole.TRIAGE)


def sees_every_conversation(user: Any) -> bool:
    return bool(authz.org_roles(user) & {OrgRole.TRIAGE, OrgRole.COMMS_REVIEWER})


def can_use_inbox(user: Any) -> bool:
    """Whether the inbox is offered at all (navigation, the list): triage, comms, or a member
    of a department (who sees what is assigned to it)."""
    return user.is_authenticated and (
        sees_every_conversation(user) or authz.belongs_to_a_department(user)
    )


def visible_conversations(user: Any) -> QuerySet[Conversation]:
    if not user.is_authenticated:
        return Conversation.objects.none()
    if sees_every_conversation(user):
        return Conversation.objects.all()
    departments = list(authz.department_roles(user))
    return Conversation.objects.filter(
        Q(department_id__in=departments) | Q(assignee=user) | Q(owner=user)
    )


def access_conversation(user: Any, pk: Any, *, lock: bool = False) -> Conversation:
    """The conversation if the user may see it, else 404 (as for a missing id)."""
    queryset = visible_conversations(user).select_related(
        "brand_account", "department", "assignee", "owner"
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return authz.get_visible_or_404(queryset, pk=pk)


def is_responder(user: Any, conversation: Conversation) -> bool:
    """The assigned person, or a member of the assigned department."""
    if conversation.assignee_id is not None and conversation.assignee_id == user.pk:
        return True
    return conversation.department_id in authz.department_roles(user)


def can_claim(user: Any, conversation: Conversation) -> bool:
    return (
        conversation.state == ConversationState.TRIAGED
        and conversation.outcome != Outcome.NO_RESPONSE
        and is_responder(user, conversation)
    )


def can_release(user: Any, conversation: Conversation) -> bool:
    return conversation.owner_id == user.pk or is_triager(user)


def can_close(user: Any, conversation: Conversation) -> bool:
    return conversation.owner_id == user.pk or is_triager(user)


def can_reopen(user: Any, conversation: Conversation) -> bool:
    return conversation.owner_id == user.pk or is_triager(user)


def can_manage_routing(user: Any) -> bool:
    return authz.is_org_admin(user) or is_triager(user)


def can_manage_saved_replies(user: Any) -> bool:
    return authz.is_org_admin(user) or authz.has_org_role(user, OrgRole.COMMS_REVIEWER)


# --- Routing rules and saved replies ----------------------------------------------------------


def visible_routing_rules(user: Any) -> QuerySet[RoutingRule]:
    """Every routing rule for those who read them (org admins, triagers, comms); none else."""
    rules = RoutingRule.objects.select_related("brand_account", "department", "assignee")
    if can_manage_routing(user) or sees_every_conversation(user):
        return rules
    return rules.none()


def access_routing_rule(user: Any, pk: Any) -> RoutingRule:
    """A routing rule the person may read (visible_routing_rules), else 404."""
    return authz.get_visible_or_404(visible_routing_rules(user), pk=pk)


def visible_saved_replies(user: Any) -> QuerySet[SavedReply]:
    """Saved replies a responder may use: every department's and their departments' own;
    org admins and comms see all of them (to keep them up to date)."""
    replies = SavedReply.objects.select_related("department", "approved_by")
    if can_manage_saved_replies(user):
        return replies
    if not can_use_inbox(user):
        return replies.none()
    return replies.filter(
        Q(department__isnull=True) | Q(department_id__in=list(authz.department_roles(user))),
        is_active=True,
    )


def access_saved_reply(user: Any, pk: Any) -> SavedReply:
    """A saved reply the person may see (visible_saved_replies), else 404."""
    return authz.get_visible_or_404(visible_saved_replies(user), pk=pk)
