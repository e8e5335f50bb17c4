"""Comments and questions employees leave under internal-feed entries (the feed is two-way).

An employee who reads an entry may comment under it or ask a question; the comments reach the
inbox through the internal platform's connector (publishing.internal_feed.fetch_incoming), and
the brand's answer comes back as a reply post that the engine publishes as a comment under the
one it answers. Everyone who reads the entry reads its comments, and no one else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from accounts import authz
from activity.audit import audit_record
from core.errors import InvalidInput, whole_number
from publishing.models import FeedComment, FeedEntry

if TYPE_CHECKING:
    from accounts.models import User

MAX_COMMENT_LENGTH = 2_000


def feed_comments_of(entries: QuerySet[FeedEntry]) -> QuerySet[FeedEntry]:
    """The entries with their comments, oldest first, and who wrote each: one more query for a
    whole page of entries (``entry.comments.all`` then runs none)."""
    return entries.prefetch_related(
        Prefetch(
            "comments",
            queryset=FeedComment.objects.select_related("author", "brand_account").order_by("id"),
        )
    )


def _clean_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("Write a comment or a question.", field="text")
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput(
            f"Keep a comment under {MAX_COMMENT_LENGTH} characters ({len(text)} now).",
            field="text",
        )
    return text


def feed_comment_add(
    *, actor: User, entry: FeedEntry, text: str, parent: Any = None
) -> FeedComment:
    """A comment by ``actor`` under ``entry`` (found by the caller through
    ``permissions.access_feed_entry``, so the actor reads it), or under one of its comments
    (``parent``: the comment's id)."""
    text = _clean_text(text)
    parent_comment = None
    if parent not in (None, ""):
        parent_comment = authz.get_visible_or_404(
            FeedComment.objects.filter(entry=entry), pk=whole_number(parent, field="parent")
        )
    with transaction.atomic():
        comment = FeedComment.objects.create(
            entry=entry, parent=parent_comment, author=actor, text=text
        )
        audit_record(
            actor=actor,
            action="feed.comment_added",
            target=comment,
            department=entry.department,
            data={"entry": entry.pk, "parent": parent_comment.pk if parent_comment else None},
        )
    return comment
