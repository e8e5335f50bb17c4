"""What a connector reads and answers: incoming items (comments, mentions, direct messages) in
pages, and the reply target a reply is sent to. docs/connectors.md, "Reading incoming items and
replying", describes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models


class IncomingKind(models.TextChoices):
    MENTION = "mention", "Mention"
    REPLY = "reply", "Reply"
    QUOTE = "quote", "Quote"
    DIRECT_MESSAGE = "direct_message", "Direct message"
    COMMENT = "comment", "Comment"
    # A public post found by listening (a search term), not addressed to the brand.
    POST = "post", "Post"


class SearchKind(models.TextChoices):
    """What a listening term looks for (Connector.searches says which a platform can)."""

    KEYWORD = "keyword", "Keyword"
    HASHTAG = "hashtag", "Hashtag"
    HANDLE = "handle", "Account"


@dataclass(frozen=True)
class SearchTerm:
    """One listening term: a keyword or phrase, a hashtag (without #), or an account's handle
    (without the leading @; on Mastodon user@domain)."""

    kind: str  # a SearchKind value
    value: str

    def __post_init__(self) -> None:
        if self.kind not in SearchKind.values:
            raise ValueError(f"Unknown search kind {self.kind!r}.")
        if not self.value.strip():
            raise ValueError("A search term needs a value.")


@dataclass(frozen=True, kw_only=True)
class IncomingItem:
    """One thing someone sent the brand account: a mention, a reply, a quote, a direct message
    or a comment, as the platform has it.

    - ``platform_item_id``: the platform's id for the item, unique per account (Mastodon status
      id, Bluesky ``at://`` URI, LinkedIn comment URN, X post or DM event id, Graph comment or
      message id). Store items unique per (account, platform_item_id).
    - ``thread_key``: items with the same key belong to one conversation on the platform (the
      thread's root, a comment thread, a DM conversation); stable across polls.
    - ``in_reply_to_platform_id``: the platform id of what the item answers directly (for a
      quote: the quoted post), "" when it answers nothing. It is in the same form as
      ``PublishResult.external_id``, so an item answering one of our posts (or one of our
      replies) is found by that post's external id.
    - ``raw_ref``: what the connector needs to reply to the item later (Bluesky's uri and cid
      of the item and of its thread root, the author's account for a private reply, …). Store
      it as it is (a JSON object of strings) and hand it back in ``ReplyTarget.raw_ref``.
    """

    platform_item_id: str
    kind: str  # an IncomingKind value
    thread_key: str
    text: str
    created_at: datetime
    in_reply_to_platform_id: str = ""
    author_id: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_url: str = ""
    url: str = ""
    is_private: bool = False
    raw_ref: Mapping[str, str] = field(default_factory=dict)

    def reply_target(self, *, private: bool = False, recipient: str = "") -> ReplyTarget:
        """Where a reply to this item goes (publicly under it, or privately to its author)."""
        return ReplyTarget(
            platform_item_id=self.platform_item_id,
            raw_ref=dict(self.raw_ref),
            private=private,
            recipient=recipient,
        )


@dataclass(frozen=True, kw_only=True)
class IncomingPage:
    """One read of an account's incoming items.

    ``cursor``: store it (after the items) and pass it to the next ``fetch_incoming`` of the
    same account; None only when nothing was ever seen. ``more``: items are still waiting,
    call again at once with this cursor. ``skipped``: items the platform sent malformed or
    truncated, logged and left out (the cursor moves past them)."""

    items: tuple[IncomingItem, ...]
    cursor: str | None
    more: bool = False
    skipped: int = 0


@dataclass(frozen=True, kw_only=True)
class ReplyTarget:
    """The incoming item a post answers (``PostPayload.reply_to``).

    ``platform_item_id`` and ``raw_ref`` come from the ``IncomingItem``. ``private`` sends the
    reply privately (Mastodon direct status, X direct message, a Facebook private reply or
    Page conversation message) where the connector's ``can_reply_privately`` says it can;
    ``recipient`` overrides who gets it (by default the item's author)."""

    platform_item_id: str
    raw_ref: Mapping[str, str] = field(default_factory=dict)
    private: bool = False
    recipient: str = ""

    def __post_init__(self) -> None:
        if not self.platform_item_id:
            raise ValueError("A reply target needs the platform id of the item it answers.")
