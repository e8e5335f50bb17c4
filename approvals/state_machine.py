"""The post workflow of docs/design.md §3: one table of allowed transitions, one function that
performs a transition.

perform_transition refuses what the table does not allow, moves the state with a
compare-and-swap UPDATE (… WHERE pk = ? AND state = <expected>), so two racing requests cannot
both win, writes the audit event in the same transaction, and queues follow-up work on commit.
Public services (approvals.services) check people's permissions and business rules, then call
it; nothing else writes Post.state — except the publishing engine's claim and outcome
(approvals.services.publication), which fold the same compare-and-swap into a statement that
does more, and write the same audit event with transition_recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from activity.audit import audit_record
from approvals.models import Post, PostState
from core.errors import Conflict

if TYPE_CHECKING:
    from accounts.models import User


class Action(models.TextChoices):
    SUBMIT = "submit", "submit"
    APPROVE_STAGE = "approve_stage", "approve one stage of"
    APPROVE = "approve", "approve"
    REQUEST_CHANGES = "request_changes", "request changes to"
    REJECT = "reject", "reject"
    REVISE = "revise", "edit"
    SCHEDULE = "schedule", "schedule"
    UNSCHEDULE = "unschedule", "unschedule"
    RESCHEDULE = "reschedule", "reschedule"
    PUBLISH_NOW = "publish_now", "publish"
    # A saved reply comms approved once, on an account whose customer-service replies org
    # admins pre-approved (approvals.replies): no review stage, straight to the engine.
    PUBLISH_PREAPPROVED = "publish_preapproved", "publish as a pre-approved reply"
    # The publishing engine's actions.
    RELEASE = "release", "release for publishing"
    HOLD_FOR_CRISIS = "hold_for_crisis", "hold back"
    # A due post whose time falls in a quiet period it has no exception for: back to approved.
    HOLD_FOR_QUIET_PERIOD = "hold_for_quiet_period", "hold back for a quiet period"
    # A due post whose account is not connected (or needs connecting again): back to approved.
    HOLD_FOR_CONNECTION = "hold_for_connection", "hold back for a connection"
    MARK_PUBLISHED = "mark_published", "mark as published"
    MARK_FAILED = "mark_failed", "mark as failed"
    MARK_UNCONFIRMED = "mark_unconfirmed", "mark as unconfirmed"
    RESEND = "resend", "send again"
    RETRY = "retry", "retry"
    WITHDRAW = "withdraw", "withdraw"
    # Approval expiry (approvals.services.expiry): an approval left unused for too long, or a
    # requested time that passed in review, sends the post back to its author.
    EXPIRE = "expire", "send back to the author"


S = PostState
A = Action

# (from state, action) -> to state. Everything absent is refused.
TRANSITIONS: Mapping[tuple[str, str], str] = {
    (S.DRAFT, A.SUBMIT): S.IN_REVIEW,
    (S.CHANGES_REQUESTED, A.SUBMIT): S.IN_REVIEW,
    # A stage approves while another required stage is still open: the post stays in review.
    (S.IN_REVIEW, A.APPROVE_STAGE): S.IN_REVIEW,
    (S.IN_REVIEW, A.APPROVE): S.APPROVED,
    (S.IN_REVIEW, A.REQUEST_CHANGES): S.CHANGES_REQUESTED,
    (S.IN_REVIEW, A.REJECT): S.REJECTED,
    # Every edit is a new revision; after approval it voids the approvals and returns to review.
    (S.DRAFT, A.REVISE): S.DRAFT,
    (S.CHANGES_REQUESTED, A.REVISE): S.CHANGES_REQUESTED,
    (S.IN_REVIEW, A.REVISE): S.IN_REVIEW,
    (S.APPROVED, A.REVISE): S.IN_REVIEW,
    (S.APPROVED, A.SCHEDULE): S.SCHEDULED,
    (S.APPROVED, A.PUBLISH_NOW): S.PUBLISHING,
    (S.DRAFT, A.PUBLISH_PREAPPROVED): S.PUBLISHING,
    (S.SCHEDULED, A.UNSCHEDULE): S.APPROVED,
    # Another time for a scheduled post (the calendar's drag and drop, its Move form, Undo).
    (S.SCHEDULED, A.RESCHEDULE): S.SCHEDULED,
    (S.SCHEDULED, A.RELEASE): S.PUBLISHING,
    (S.SCHEDULED, A.HOLD_FOR_CRISIS): S.APPROVED,
    (S.SCHEDULED, A.HOLD_FOR_QUIET_PERIOD): S.APPROVED,
    (S.SCHEDULED, A.HOLD_FOR_CONNECTION): S.APPROVED,
    (S.PUBLISHING, A.MARK_PUBLISHED): S.PUBLISHED,
    (S.PUBLISHING, A.MARK_FAILED): S.FAILED,
    (S.PUBLISHING, A.MARK_UNCONFIRMED): S.UNCONFIRMED,
    # The engine checks the platform before any resend: found → published, absent → publishing.
    (S.UNCONFIRMED, A.MARK_PUBLISHED): S.PUBLISHED,
    (S.UNCONFIRMED, A.RESEND): S.PUBLISHING,
    (S.FAILED, A.RETRY): S.PUBLISHING,
    (S.DRAFT, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_REVIEW, A.WITHDRAW): S.WITHDRAWN,
    (S.CHANGES_REQUESTED, A.WITHDRAW): S.WITHDRAWN,
    (S.APPROVED, A.WITHDRAW): S.WITHDRAWN,
    (S.SCHEDULED, A.WITHDRAW): S.WITHDRAWN,
    (S.APPROVED, A.EXPIRE): S.CHANGES_REQUESTED,
    (S.IN_REVIEW, A.EXPIRE): S.CHANGES_REQUESTED,
}

# States a person can still edit (make a new revision in).
EDITABLE_STATES = frozenset(state for (state, action) in TRANSITIONS if action == A.REVISE)

# Refusals that deserve more than "not allowed": what to do instead.
_HINTS: Mapping[tuple[str, str], str] = {
    (S.SCHEDULED, A.REVISE): "Unschedule it first; the edit then goes back to review.",
    (S.PUBLISHING, A.REVISE): "It is being published; wait for the outcome.",
    (S.PUBLISHED, A.REVISE): "Published posts stay as they were; write a new post instead.",
    (S.REJECTED, A.REVISE): "Rejected posts are closed; write a new post instead.",
    (S.WITHDRAWN, A.REVISE): "Withdrawn posts are closed; write a new post instead.",
    (S.IN_REVIEW, A.SUBMIT): "It is already waiting for review.",
    (S.APPROVED, A.SUBMIT): "It is already approved: schedule or publish it.",
    (S.DRAFT, A.SCHEDULE): "Submit it for review first; only approved posts can be scheduled.",
    (S.IN_REVIEW, A.SCHEDULE): "Wait for every review stage to approve it.",
    (S.CHANGES_REQUESTED, A.SCHEDULE): "Revise it and submit it again first.",
    (S.SCHEDULED, A.SCHEDULE): "Reschedule it to pick another time.",
    (S.APPROVED, A.RESCHEDULE): "It is not scheduled: schedule it instead.",
    (S.DRAFT, A.PUBLISH_NOW): "Submit it for review first; only approved posts can be published.",
    (S.IN_REVIEW, A.PUBLISH_NOW): "Wait for every review stage to approve it.",
    (S.SCHEDULED, A.PUBLISH_NOW): "Unschedule it first, then publish it now.",
    (S.CHANGES_REQUESTED, A.APPROVE): "The author is revising it; decide once it is resubmitted.",
    (S.DRAFT, A.APPROVE): "It has not been submitted for review yet.",
}


def allowed_actions(state: str) -> list[str]:
    return [action for (source, action) in TRANSITIONS if source == state]


def refusal_message(state: str, action: str) -> str:
    label = PostState(state).label.lower() if state in PostState.values else state
    verb = Action(action).label if action in Action.values else action
    message = f"You cannot {verb} a post that is {label}."
    hint = _HINTS.get((state, action))
    return f"{message} {hint}" if hint else message


def target_state(state: str, action: str) -> str:
    """The state the action leads to from this state, or a Conflict that says why not."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise Conflict(refusal_message(state, action), code="transition_not_allowed") from None


def perform_transition(
    *,
    post: Post,
    action: str,
    actor: User | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
    on_commit: Iterable[Callable[[], None]] = (),
) -> Post:
    """Move post along the table, from the state it was read in.

    fields are written in the same UPDATE (e.g. scheduled_at). If another request moved the post
    first, no row matches and a Conflict is raised: nothing is written, the caller's transaction
    rolls back. Call it inside the caller's transaction.atomic() when other rows change too.
    """
    expected = post.state
    to_state = target_state(expected, action)
    now = timezone.now()
    values = {"state": to_state, "updated_at": now, **(fields or {})}
    with transaction.atomic():
        updated = Post.objects.filter(pk=post.pk, state=expected).update(**values)
        if updated != 1:
            current = Post.objects.filter(pk=post.pk).values_list("state", flat=True).first()
            now_label = PostState(current).label.lower() if current else "gone"
            raise Conflict(
                f"Someone else changed this post while you were working on it (it is now "
                f"{now_label}). Reload the page and try again.",
                code="concurrent_change",
            )
        audit_record(
            actor=actor,
            action=f"post.{action}",
            target=post,
            department=post.department,
            from_state=expected,
            to_state=to_state,
            note=note,
            data={"revision": post.revision_number, **(data or {})},
        )
        for callback in on_commit:
            transaction.on_commit(callback)
    for name, value in values.items():
        setattr(post, name, value)
    return post


def transition_recorded(
    *,
    post: Post,
    action: str,
    from_state: str,
    revision_number: int,
    actor: User | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> str:
    """The audit event of a transition the caller wrote in its own conditional UPDATE, one that
    also did other work (the publishing engine's claim and outcome: approvals.services.
    publication), in the caller's transaction. The same event perform_transition writes; reads
    nothing (the post's department and revision number come from the caller). Returns the state
    the transition led to."""
    to_state = target_state(from_state, action)
    audit_record(
        actor=actor,
        action=f"post.{action}",
        target=post,
        department_id=post.department_id,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data={"revision": revision_number, **(data or {})},
    )
    return to_state
