"""Bulk review: one action on many posts, each through its own single-post service (so in its own
transaction, with its own audit event and notices), with one result per post.

The whole request is checked first (the action, the ids, the note, the time, and that the person
holds the role the action needs at all): bad input (400) or the wrong role (403) is refused
before anything is written. Then each post either goes through or is refused for its own
reason; one refusal does not undo the others. A post the person may not see is reported as not
found, exactly like a missing id, so a bulk request reveals nothing a single request would not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from approvals import permissions
from approvals.models import Post, PostState
from approvals.services.checks import _clean_note
from approvals.services.review import post_approve, post_reject, post_request_changes
from approvals.services.scheduling import clean_schedule_time, post_schedule
from core.errors import DomainError, InvalidInput, NotAllowed

if TYPE_CHECKING:
    from accounts.models import User


MAX_BULK_IDS = 100


class BulkAction:
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    SCHEDULE = "schedule"

    choices = (
        (APPROVE, "Approve"),
        (REQUEST_CHANGES, "Request changes"),
        (REJECT, "Reject"),
        (SCHEDULE, "Schedule"),
    )
    values = tuple(value for value, _ in choices)


@dataclass(frozen=True)
class BulkResult:
    id: int
    ok: bool
    code: str  # "done", "not_found", or the refusing service's code
    message: str
    state: str  # the post's state afterwards; "" when not found
    post: Post | None = None


def _clean_ids(ids: Any) -> list[int]:
    if not isinstance(ids, list | tuple) or not ids:
        raise InvalidInput("Choose at least one post.", field="ids")
    if len(ids) > MAX_BULK_IDS:
        raise InvalidInput(
            f"Choose at most {MAX_BULK_IDS} posts at once ({len(ids)} chosen).", field="ids"
        )
    cleaned: list[int] = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidInput("Post ids are whole numbers.", field="ids")
        try:
            number = int(value)
        except ValueError:
            raise InvalidInput("Post ids are whole numbers.", field="ids") from None
        if not 0 < number < 2**63:
            raise InvalidInput("Post ids are positive whole numbers.", field="ids")
        if number not in cleaned:
            cleaned.append(number)
    return cleaned


def _clean_revisions(revisions: Any) -> dict[int, int]:
    if not revisions:
        return {}
    if not isinstance(revisions, dict):
        raise InvalidInput("Give revisions as {post id: revision number}.", field="revisions")
    cleaned: dict[int, int] = {}
    for key, value in revisions.items():
        try:
            post_id, number = int(key), int(value)
        except (TypeError, ValueError):
            raise InvalidInput(
                "Give revisions as {post id: revision number}.", field="revisions"
            ) from None
        if isinstance(value, bool) or not (0 < post_id < 2**63 and 0 < number < 2**31):
            raise InvalidInput("Revision numbers are positive whole numbers.", field="revisions")
        cleaned[post_id] = number
    return cleaned


def posts_bulk_apply(
    *,
    actor: User,
    action: str,
    ids: Any,
    note: str = "",
    scheduled_at: datetime | None = None,
    revisions: dict[Any, Any] | None = None,
    reason: str = "",
) -> list[BulkResult]:
    """Approve, request changes (one note for all), reject (one reason for all) or schedule (one
    time for all) each of the posts, in the order given (duplicates once).

    revisions: {post id: the revision number the reviewer saw}, for decisions; a post whose
    author changed it since is refused (stale_revision) like a single decision would be."""
    if action not in BulkAction.values:
        raise InvalidInput(
            f"Choose an action: {', '.join(BulkAction.values)}.", field="action", code="invalid"
        )
    post_ids = _clean_ids(ids)
    # Each run answers the post as its service left it (locked, moved, state set).
    run: Callable[[Post], Post]
    if action == BulkAction.SCHEDULE:
        when = clean_schedule_time(scheduled_at)
        # The wrong role is refused as a whole (each post would be refused for it anyway).
        if not permissions.accounts_with(actor, [permissions.PUBLISH_ON]).exists():
            raise NotAllowed(
                "You may not publish on any account. Ask comms to schedule these posts.",
                code="no_publish_permission",
            )

        def run(post: Post) -> Post:
            return post_schedule(post=post, actor=actor, scheduled_at=when)

    else:
        # Comms and legal by role, and anyone an approval rule named a stage's reviewer (each
        # post's own service then decides which stage, if any, is theirs to approve now).
        if not permissions.has_review_queue(actor):
            raise NotAllowed(
                "Only reviewers decide on posts: comms, legal, and the reviewers approval "
                "rules name.",
                code="not_reviewer",
            )
        why = {
            BulkAction.APPROVE: "",
            BulkAction.REQUEST_CHANGES: "tell the authors what to change.",
            BulkAction.REJECT: "tell the authors why the posts are rejected.",
        }[action]
        note = _clean_note(note, required=action != BulkAction.APPROVE, what=why)
        decide = {
            BulkAction.APPROVE: post_approve,
            BulkAction.REQUEST_CHANGES: post_request_changes,
            BulkAction.REJECT: post_reject,
        }[action]

        seen = _clean_revisions(revisions)

        chosen_reason = None if action == BulkAction.APPROVE else reason

        def run(post: Post) -> Post:
            return decide(
                post=post, actor=actor, note=note, revision=seen.get(post.pk), reason=chosen_reason
            ).post

    # One query for every post the person may see among the ids; the rest are "not found".
    visible = {
        post.pk: post
        for post in Post.objects.visible_to(actor)
        .filter(pk__in=post_ids)
        .select_related("brand_account", "department", "author", "current_revision")
    }
    results: list[BulkResult] = []
    for pk in post_ids:
        post = visible.get(pk)
        if post is None:
            results.append(BulkResult(pk, False, "not_found", "No such post.", ""))
            continue
        try:
            state = run(post).state
        except DomainError as exc:
            # Read again: the refusal may come from a state changed since the lookup above.
            state = Post.objects.filter(pk=pk).values_list("state", flat=True).first() or ""
            results.append(BulkResult(pk, False, exc.code, exc.message, state, post))
            continue
        label = PostState(state).label.lower() if state in PostState.values else state
        results.append(BulkResult(pk, True, "done", f"Done: the post is {label}.", state, post))
    return results
