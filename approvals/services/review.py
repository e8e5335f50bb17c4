"""Review: sending a post to review, the reviewers' decisions at each stage, and withdrawing it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from approvals import guidance, notifications, permissions
from approvals.models import Decision, Post, PostState, ReviewReason, Stage, Verdict
from approvals.services.checks import (
    _clean_note,
    _lock,
    _require_active_account,
    _require_author,
    _require_draft_permission,
    _require_state,
)
from approvals.services.coaching import clean_reason, coaching_check
from approvals.services.images import _by_order, current_images
from approvals.state_machine import Action, perform_transition, refusal_message
from core.dates import datetime_text
from core.errors import Conflict, InvalidInput, NotAllowed
from training import requirements as training_requirements

if TYPE_CHECKING:
    from accounts.models import User


def post_submit(*, post: Post, actor: User) -> Post:
    """Send the draft (or the revised post) to review: comms always, legal when flagged."""
    _require_author(actor, post, "submit")
    with transaction.atomic():
        locked = _lock(post)
        _require_state(locked, Action.SUBMIT)
        account = locked.brand_account
        _require_draft_permission(actor, account)
        _require_active_account(account)
        if locked.requested_at is not None and locked.requested_at <= timezone.now():
            raise InvalidInput(
                f"The time you asked for, {datetime_text(locked.requested_at)}, has passed: "
                "pick another or clear it, then submit.",
                field="requested_at",
            )
        missing = training_requirements.missing_requirements(actor, account)
        if missing:
            raise NotAllowed(
                "Before you can submit: " + " ".join(item.message for item in missing),
                code="requirements_missing",
            )
        result = guidance.check_for_account(
            body=locked.body,
            account=account,
            alt_texts=[row.alt_text for row in sorted(current_images(locked), key=_by_order)],
        )
        if result.blocks_submit:
            raise NotAllowed(
                "Fix this before submitting: " + " ".join(f.message for f in result.hard),
                field="body",
                code="guidance",
            )
        now = timezone.now()
        perform_transition(
            post=locked,
            action=Action.SUBMIT,
            actor=actor,
            data={
                "legal_required": result.requires_legal,
                "advice": [finding.rule for finding in result.soft],
            },
            fields={
                "submitted_at": now,
                "first_submitted_at": locked.first_submitted_at or now,
                "legal_required": result.requires_legal,
                "notice": "",
            },
        )
        notifications.post_submitted(locked, actor=actor)
    return locked


def _pick_stage(
    *,
    actor_stages: list[str],
    required: tuple[str, ...],
    approved: dict[str, Decision],
    verdict: str,
    requested: str | None,
) -> str:
    if requested:
        if requested not in Stage.values:
            raise InvalidInput("Choose the comms or the legal stage.", field="stage")
        if requested not in actor_stages:
            raise NotAllowed(
                f"You are not a {Stage(requested).label.lower()} reviewer.", code="wrong_stage"
            )
        if requested not in required:
            raise NotAllowed(
                f"This post needs no {Stage(requested).label.lower()} review.", code="wrong_stage"
            )
        return requested
    candidates = [stage for stage in actor_stages if stage in required]
    if not candidates:
        raise NotAllowed(
            "This post needs no legal review; comms decides on it.", code="wrong_stage"
        )
    if verdict == Verdict.APPROVE:
        open_stages = [stage for stage in candidates if stage not in approved]
        return open_stages[0] if open_stages else candidates[0]
    return candidates[0]


def _decide(
    *,
    post: Post,
    actor: User,
    verdict: str,
    note: str,
    revision: int | None,
    stage: str | None,
    reason: ReviewReason | str | None = None,
) -> Decision:
    account = post.brand_account
    if not permissions.can_review(actor, account):
        raise NotAllowed(
            f"You do not review posts on {account.display_name}.", code="no_review_permission"
        )
    actor_stages = permissions.reviewer_stages(actor)
    if not actor_stages:
        raise NotAllowed("Only comms and legal reviewers decide on posts.", code="not_reviewer")
    if permissions.is_author(actor, post):
        raise NotAllowed(
            "You wrote this post, so another reviewer must decide on it (separation of duties).",
            code="separation_of_duties",
        )
    why = {
        Verdict.CHANGES: "tell the author what to change.",
        Verdict.REJECT: "tell the author why the post is rejected.",
        Verdict.APPROVE: "",
    }[Verdict(verdict)]
    note = _clean_note(note, required=verdict != Verdict.APPROVE, what=why)
    chosen_reason = clean_reason(reason, verdict=verdict)
    action = {
        Verdict.APPROVE: Action.APPROVE,
        Verdict.CHANGES: Action.REQUEST_CHANGES,
        Verdict.REJECT: Action.REJECT,
    }[Verdict(verdict)]
    with transaction.atomic():
        locked = _lock(post)
        if locked.state != PostState.IN_REVIEW:
            raise Conflict(refusal_message(locked.state, action), code="transition_not_allowed")
        current = locked.current_revision
        if current is None:  # every post has its first revision from creation on
            raise Conflict("This post has no text yet.")
        if revision is not None and revision != current.number:
            raise Conflict(
                f"The author changed the post since you opened it: revision {current.number} is "
                "current. Review it again before deciding.",
                code="stale_revision",
            )
        required = locked.required_stages()
        approved = {
            d.stage: d for d in Decision.objects.filter(revision=current, verdict=Verdict.APPROVE)
        }
        chosen = _pick_stage(
            actor_stages=actor_stages,
            required=required,
            approved=approved,
            verdict=verdict,
            requested=stage,
        )
        if verdict == Verdict.APPROVE:
            if chosen in approved:
                raise Conflict(
                    f"The {Stage(chosen).label.lower()} stage already approved revision "
                    f"{current.number}.",
                    code="already_approved",
                )
            if any(d.reviewer_id == actor.pk for d in approved.values()):
                raise NotAllowed(
                    "You approved another stage of this revision; a different person must "
                    "approve this one.",
                    code="separation_of_duties",
                )
        decision = Decision.objects.create(
            post=locked,
            revision=current,
            stage=chosen,
            verdict=verdict,
            reviewer=actor,
            note=note,
            reason=chosen_reason,
        )
        fields: dict[str, Any] = {}
        complete = False
        if verdict == Verdict.APPROVE:
            remaining = [s for s in required if s not in approved and s != chosen]
            complete = not remaining
            action = Action.APPROVE if complete else Action.APPROVE_STAGE
            if complete:
                fields["approved_at"] = timezone.now()
        perform_transition(
            post=locked,
            action=action,
            actor=actor,
            note=note,
            data={
                "stage": chosen,
                "verdict": verdict,
                "decision": decision.pk,
                **({"reason": chosen_reason.slug} if chosen_reason else {}),
            },
            fields=fields,
        )
        notifications.decision_made(locked, decision, complete=complete)
        coaching_check(decision=decision, post=locked)
    return decision


def post_approve(
    *,
    post: Post,
    actor: User,
    note: str = "",
    revision: int | None = None,
    stage: str | None = None,
    reason: ReviewReason | str | None = None,
) -> Decision:
    """Approve the current revision for the reviewer's stage; the post is approved once every
    required stage approved that revision. `revision`: the number the reviewer looked at. An
    approval carries no reason (naming one is refused), the parameter keeps the three
    decisions' signatures alike."""
    return _decide(
        post=post,
        actor=actor,
        verdict=Verdict.APPROVE,
        note=note,
        revision=revision,
        stage=stage,
        reason=reason,
    )


def post_request_changes(
    *,
    post: Post,
    actor: User,
    note: str,
    revision: int | None = None,
    stage: str | None = None,
    reason: ReviewReason | str | None = None,
) -> Decision:
    """Send the post back to its author with a note and a review reason (slug; 'other' when
    none is given), which coaching counts."""
    return _decide(
        post=post,
        actor=actor,
        verdict=Verdict.CHANGES,
        note=note,
        revision=revision,
        stage=stage,
        reason=reason,
    )


def post_reject(
    *,
    post: Post,
    actor: User,
    note: str,
    revision: int | None = None,
    stage: str | None = None,
    reason: ReviewReason | str | None = None,
) -> Decision:
    return _decide(
        post=post,
        actor=actor,
        verdict=Verdict.REJECT,
        note=note,
        revision=revision,
        stage=stage,
        reason=reason,
    )


def post_withdraw(*, post: Post, actor: User, reason: str = "") -> Post:
    """Take the post out of the workflow for good, before it is published. Anyone but the author
    (comms) must say why: the author is told, with the reason, and can copy the post into a new
    draft (post_copy_to_draft)."""
    if not permissions.can_withdraw(actor, post):
        raise NotAllowed("Only the author or comms can withdraw a post.", code="not_allowed")
    by_author = permissions.is_author(actor, post)
    reason = _clean_note(
        reason,
        required=not by_author,
        what="tell the author why you withdraw their post.",
        field="reason",
    )
    with transaction.atomic():
        locked = _lock(post)
        perform_transition(post=locked, action=Action.WITHDRAW, actor=actor, note=reason)
        if not by_author:
            notifications.post_withdrawn(locked, actor=actor, reason=reason)
    return locked
