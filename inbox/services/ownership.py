"""One owner at a time: claim and release are compare-and-swaps; closing and reopening."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.errors import Conflict, NotAllowed
from inbox import permissions
from inbox.models import Conversation, ConversationState, Outcome
from inbox.services.common import record, swap, tell


def conversation_claim(*, actor: User, conversation: Conversation) -> Conversation:
    """Take the conversation to answer it. UPDATE … WHERE owner IS NULL: of two people
    claiming at once exactly one gets it, the other a conflict naming nobody's guess."""
    if (
        conversation.state != ConversationState.TRIAGED
        or conversation.outcome == Outcome.NO_RESPONSE
    ):
        raise Conflict("Only a triaged conversation that needs an answer can be claimed.")
    if not permissions.is_responder(actor, conversation):
        raise NotAllowed(
            "Only the assigned person or a member of the assigned department can claim it."
        )
    if conversation.owner_id == actor.pk:
        return conversation
    now = timezone.now()
    with transaction.atomic():
        updated = Conversation.objects.filter(
            pk=conversation.pk, owner__isnull=True, state=ConversationState.TRIAGED
        ).update(owner=actor, version=F("version") + 1, updated_at=now)
        if not updated:
            raise Conflict(
                "Someone else has claimed this conversation: one owner answers it.",
                code="already_claimed",
            )
        conversation.refresh_from_db(fields=["owner", "version", "updated_at"])
        record(conversation, actor=actor, action="inbox.claimed", to_state=actor.email)
    return conversation


def conversation_release(
    *, actor: User, conversation: Conversation, version: int | None = None
) -> Conversation:
    """Give the conversation back to its department (its owner, or a triager)."""
    if conversation.owner_id is None:
        raise Conflict("Nobody owns this conversation.")
    if not permissions.can_release(actor, conversation):
        raise NotAllowed("Only its owner or a triager can release a conversation.")
    previous = conversation.owner
    with transaction.atomic():
        swap(
            conversation,
            expected_version=conversation.version if version is None else version,
            owner=None,
        )
        record(
            conversation,
            actor=actor,
            action="inbox.released",
            from_state=previous.email if previous else "",
        )
        if previous is not None and previous.pk != actor.pk:
            tell(
                [previous],
                conversation,
                actor=actor,
                subject="Inbox: a conversation was taken from you",
                message=f"{actor} released a conversation you owned on "
                f"{conversation.brand_account}.",
            )
    return conversation


def conversation_close(
    *, actor: User, conversation: Conversation, note: str = "", version: int | None = None
) -> Conversation:
    if conversation.state == ConversationState.CLOSED:
        raise Conflict("This conversation is already closed.")
    if conversation.state == ConversationState.NEW:
        raise Conflict("Triage this conversation first (choose no response to close it).")
    if not permissions.can_close(actor, conversation):
        raise NotAllowed("Only its owner or a triager can close a conversation.")
    with transaction.atomic():
        swap(
            conversation,
            expected_version=conversation.version if version is None else version,
            state=ConversationState.CLOSED,
            closed_at=timezone.now(),
        )
        record(
            conversation,
            actor=actor,
            action="inbox.closed",
            from_state=ConversationState.TRIAGED,
            to_state=ConversationState.CLOSED,
            note=(note or "").strip(),
        )
    return conversation


def conversation_reopen(
    *, actor: User, conversation: Conversation, note: str = "", version: int | None = None
) -> Conversation:
    """A closed conversation opens again: answered ones go back to their owner, those left
    unanswered go back to triage."""
    if conversation.state != ConversationState.CLOSED:
        raise Conflict("Only a closed conversation can be reopened.")
    if not permissions.can_reopen(actor, conversation):
        raise NotAllowed("Only its owner or a triager can reopen a conversation.")
    back_to_triage = conversation.outcome == Outcome.NO_RESPONSE
    state = ConversationState.NEW if back_to_triage else ConversationState.TRIAGED
    changes: dict[str, object] = {"state": state, "closed_at": None}
    if back_to_triage:
        changes.update(outcome="", no_response_reason="")
    with transaction.atomic():
        swap(
            conversation,
            expected_version=conversation.version if version is None else version,
            **changes,
        )
        record(
            conversation,
            actor=actor,
            action="inbox.reopened",
            from_state=ConversationState.CLOSED,
            to_state=state,
            note=(note or "").strip(),
        )
    return conversation


def close_solved(conversation: Conversation) -> Conversation:
    """The helpdesk solved the conversation's case: it closes (nobody acting; audited), when
    SOCIALHUB_HELPDESK_CLOSE_WHEN_SOLVED says so. Called under the case's lock."""
    swap(
        conversation,
        expected_version=conversation.version,
        state=ConversationState.CLOSED,
        closed_at=timezone.now(),
    )
    record(
        conversation,
        actor=None,
        action="inbox.closed",
        from_state=ConversationState.TRIAGED,
        to_state=ConversationState.CLOSED,
        note="The helpdesk solved its case.",
    )
    return conversation
