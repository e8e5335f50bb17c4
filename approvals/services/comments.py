"""Review comments: on a quoted passage or the whole revision, threads one level deep, resolving
them, and applying a suggested replacement as a new revision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from activity.audit import audit_record
from approvals import notifications, permissions, selectors
from approvals.models import Post, ReviewComment
from approvals.services.checks import (
    MAX_BODY_LENGTH,
    _lock,
    _require_author,
    _require_draft_permission,
    _require_state,
)
from approvals.services.drafting import _save_revision
from approvals.state_machine import Action
from core.errors import Conflict, InvalidInput, NotAllowed

if TYPE_CHECKING:
    from accounts.models import User


MAX_COMMENT_LENGTH = 5_000


def _nth_occurrence(text: str, part: str, n: int) -> int:
    position = -1
    for _ in range(max(n, 0) + 1):
        position = text.find(part, position + 1)
        if position < 0:
            return -1
    return position


def comment_add(
    *,
    post: Post,
    actor: User,
    body: str,
    quote: str = "",
    quote_occurrence: int = 0,
    parent: ReviewComment | None = None,
    suggestion: str = "",
) -> ReviewComment:
    """Comment on the post's current revision, optionally on a quoted passage of it (the n-th
    occurrence of the quote, counting from 0), optionally proposing replacement text.

    @mentions (selectors.MENTION) of people who may see the post notify each of them once (a
    mention notice instead of the usual comment notice); other @words stay plain text."""
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body:
        raise InvalidInput("Write a comment first.", field="body")
    if len(body) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"Keep a comment under {MAX_COMMENT_LENGTH} characters.", field="body")
    quote = (quote or "").replace("\r\n", "\n") if isinstance(quote, str) else ""
    suggestion = (suggestion or "").replace("\r\n", "\n") if isinstance(suggestion, str) else ""
    if parent is not None:
        if parent.post_id != post.pk:
            raise InvalidInput("Reply to a comment of this post.", field="parent")
        # One level of threads: a reply to a reply joins its thread.
        if parent.parent_id is not None:
            parent = parent.parent
        quote, suggestion = "", ""
    revision = post.current_revision
    if revision is None:
        raise Conflict("This post has no text yet.")
    quote_start: int | None = None
    if quote.strip():
        quote_start = _nth_occurrence(revision.body, quote, quote_occurrence)
        if quote_start < 0:
            raise InvalidInput(
                f"That passage is not in revision {revision.number}. Select text of the current "
                "version.",
                field="quote",
            )
    else:
        quote = ""
    if suggestion and not quote:
        raise InvalidInput("Select the passage your suggestion replaces.", field="suggestion")
    if len(suggestion) > MAX_BODY_LENGTH:
        raise InvalidInput("The suggestion is too long.", field="suggestion")
    # Mentions of people who may not see the post stay plain text: nobody learns of the post
    # through a comment they cannot open.
    mentioned = [
        person
        for person in selectors.mentioned_people(post=post, body=body)
        if person.pk != actor.pk
    ]
    with transaction.atomic():
        comment = ReviewComment.objects.create(
            post=post,
            revision=revision,
            parent=parent,
            author=actor,
            body=body,
            quote=quote,
            quote_start=quote_start,
            suggestion=suggestion,
        )
        audit_record(
            actor=actor,
            action="post.commented",
            target=post,
            department=post.department,
            data={
                "revision": revision.number,
                "comment": comment.pk,
                "mentions": [person.pk for person in mentioned],
            },
        )
        notifications.comment_added(comment, mentioned=mentioned)
    return comment


def _may_resolve(actor: Any, comment: ReviewComment) -> bool:
    post = comment.post
    return (
        comment.author_id == actor.pk
        or permissions.is_author(actor, post)
        or permissions.can_review(actor, post.brand_account)
    )


def comment_resolve(*, comment: ReviewComment, actor: User, resolved: bool = True) -> ReviewComment:
    if not _may_resolve(actor, comment):
        raise NotAllowed(
            "Only the post's author, the comment's author or a reviewer can resolve comments.",
            code="not_allowed",
        )
    if comment.resolved == resolved:
        return comment
    with transaction.atomic():
        updated = ReviewComment.objects.filter(pk=comment.pk, resolved=not resolved).update(
            resolved=resolved,
            resolved_by=actor if resolved else None,
            resolved_at=timezone.now() if resolved else None,
        )
        if updated != 1:
            raise Conflict("Someone else changed this comment. Reload the page.")
        audit_record(
            actor=actor,
            action="post.comment_resolved" if resolved else "post.comment_reopened",
            target=comment.post,
            department=comment.post.department,
            data={"comment": comment.pk, "revision": comment.revision.number},
        )
    comment.refresh_from_db()
    return comment


def comment_apply_suggestion(*, comment: ReviewComment, actor: User) -> Post:
    """The author takes a reviewer's suggested wording: a new revision with the passage replaced,
    and the comment resolved."""
    post = comment.post
    if not comment.suggestion:
        raise InvalidInput("This comment suggests no replacement text.", field="suggestion")
    _require_author(actor, post, "apply suggestions to")
    _require_draft_permission(actor, post.brand_account)
    with transaction.atomic():
        locked = _lock(post)
        _require_state(locked, Action.REVISE)
        body = locked.body
        start = comment.quote_start
        if start is None or body[start : start + len(comment.quote)] != comment.quote:
            start = body.find(comment.quote)
        if start < 0 or not comment.quote:
            raise Conflict(
                "The passage this suggestion replaces is no longer in the post. Edit it by hand.",
                code="passage_gone",
            )
        new_body = body[:start] + comment.suggestion + body[start + len(comment.quote) :]
        result = _save_revision(
            locked, actor=actor, body=new_body, data={"applied_suggestion": comment.pk}
        )
        comment_resolve(comment=comment, actor=actor)
    return result
