"""Conversations for tests, stored the way ingestion stores them (inbox.ingestion.store_items)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from channels_app.connectors import IncomingItem, IncomingKind
from channels_app.models import BrandAccount
from inbox.ingestion import store_items
from inbox.models import Case, Conversation
from inbox.services import cases

_numbers = itertools.count(1)


def incoming(
    text: str = "@acme does it run on ARM?",
    *,
    thread_key: str = "",
    kind: str = IncomingKind.MENTION,
    at: datetime | None = None,
    author: str = "fan",
    private: bool = False,
    in_reply_to: str = "",
) -> IncomingItem:
    number = next(_numbers)
    return IncomingItem(
        platform_item_id=f"item-{number}",
        kind=kind,
        thread_key=thread_key or f"thread-{number}",
        text=text,
        created_at=at or timezone.now() - timedelta(minutes=5),
        in_reply_to_platform_id=in_reply_to,
        author_id=f"id-{author}",
        author_handle=f"@{author}@mastodon.example",
        author_name=author.title(),
        author_url=f"https://mastodon.example/@{author}",
        url=f"https://mastodon.example/@{author}/{number}",
        is_private=private,
    )


def make_conversation(account: BrandAccount, text: str = "", **fields: object) -> Conversation:
    item = incoming(text or f"@acme question {next(_numbers)}", **fields)  # type: ignore[arg-type]
    store_items(account, [item])
    return Conversation.objects.get(brand_account=account, thread_key=item.thread_key)


def customer_writes(account: BrandAccount, conversation: Conversation, *texts: str) -> None:
    """The customer writes again in the conversation: one item a text, a second apart, oldest
    first (three minutes ago on)."""
    start = timezone.now() - timedelta(minutes=3)
    store_items(
        account,
        [
            incoming(text, thread_key=conversation.thread_key, at=start + timedelta(seconds=n))
            for n, text in enumerate(texts)
        ],
    )


def created_case(agent: User, conversation: Conversation) -> Case:
    """A case handed over by the agent and created in the connected helpdesk."""
    case = cases.case_create(actor=agent, conversation=conversation)
    assert cases.case_deliver(case.pk) == "created"
    case.refresh_from_db()
    return case
