"""Answering a conversation: the reply is a post answering one of its items, drafted by the
conversation's owner through the approvals app's reply service, so every rule of any post
applies (draft_on, certifications, the current policy, guidance, review). A saved reply on an
account whose customer-service replies are pre-approved may skip review
(approvals.replies.reply_post_publish_preapproved decides)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import User
from approvals.models import Post
from approvals.replies import reply_post_create, reply_post_publish_preapproved
from core.errors import Conflict, InvalidInput, NotAllowed
from inbox import permissions
from inbox.models import Conversation, ConversationState, InboxItem, Outcome, SavedReply
from inbox.services.common import record


def conversation_replies(*, conversation: Conversation) -> QuerySet[Post]:
    """The posts answering the conversation's items (one query), oldest first."""
    item_ids = InboxItem.objects.filter(conversation=conversation).values("platform_item_id")
    return (
        Post.objects.filter(
            brand_account_id=conversation.brand_account_id, reply_to_item_id__in=item_ids
        )
        .select_related("author", "current_revision")
        .order_by("created_at", "id")
    )


def _item(conversation: Conversation, item_id: int | None) -> InboxItem:
    items = InboxItem.objects.filter(conversation=conversation)
    item = (
        items.filter(pk=item_id).first()
        if item_id
        else items.order_by("-created_at", "-id").first()
    )
    if item is None:
        raise InvalidInput("Choose an item of this conversation to answer.", field="item")
    return item


def conversation_reply(
    *,
    actor: User,
    conversation: Conversation,
    text: str,
    item_id: int | None = None,
    private: bool | None = None,
    submit: bool = False,
    saved_reply: SavedReply | None = None,
) -> Post:
    """Draft (and with ``submit`` submit) the owner's reply to one item of the conversation
    (the latest by default). Only the owner answers: a second person gets a conflict."""
    if not (permissions.is_responder(actor, conversation) or conversation.owner_id == actor.pk):
        raise NotAllowed(
            "Only the assigned person or a member of the assigned department answers it."
        )
    if conversation.state != ConversationState.TRIAGED or conversation.outcome not in (
        Outcome.CUSTOMER_SERVICE,
        Outcome.PUBLIC_RESPONSE,
    ):
        raise Conflict("Only a triaged conversation that needs an answer can be answered.")
    if conversation.owner_id is None:
        raise Conflict("Claim the conversation first: one owner answers it.", code="not_claimed")
    if conversation.owner_id != actor.pk:
        raise Conflict(
            f"{conversation.owner} answers this conversation: one owner at a time.",
            code="already_claimed",
        )
    text = (text or "").strip() or (saved_reply.text if saved_reply else "")
    if not text:
        raise InvalidInput("Write the reply.", field="text")
    item = _item(conversation, item_id)
    private = conversation.is_private if private is None else private
    preapproved = (
        saved_reply is not None
        and conversation.outcome == Outcome.CUSTOMER_SERVICE
        and conversation.brand_account.customer_service_replies_preapproved
    )
    with transaction.atomic():
        post = reply_post_create(
            actor=actor,
            brand_account=conversation.brand_account,
            text=text,
            reply_to_item_id=item.platform_item_id,
            raw_ref=item.raw_ref,
            private=private,
            submit=submit and not preapproved,
        )
        if preapproved and saved_reply is not None:
            post = reply_post_publish_preapproved(
                actor=actor, post=post, saved_reply_text=saved_reply.text
            )
        record(
            conversation,
            actor=actor,
            action="inbox.reply_drafted",
            to_state=post.state,
            data={"post": post.pk, "item": item.platform_item_id, "private": private},
        )
    return post


def responses_record(*, now: datetime) -> int:
    """Stop the first-response clock of every conversation whose first reply was published
    (one query to find them, a conditional UPDATE each). Returns how many."""
    first_published = Subquery(
        Post.objects.filter(
            brand_account_id=OuterRef("brand_account_id"),
            reply_to_item_id__in=InboxItem.objects.filter(
                conversation_id=OuterRef(OuterRef("pk"))
            ).values("platform_item_id"),
            published_at__isnull=False,
        )
        .order_by("published_at")
        .values("published_at")[:1]
    )
    answered = (
        Conversation.objects.filter(first_response_at__isnull=True)
        .exclude(state=ConversationState.NEW)
        .annotate(first_published=first_published)
        .filter(first_published__isnull=False)
        .values_list("pk", "first_published")
    )
    count = 0
    for pk, at in answered:
        count += Conversation.objects.filter(pk=pk, first_response_at__isnull=True).update(
            first_response_at=at
        )
    return count
