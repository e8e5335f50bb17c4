"""Review: sending a post to review, the reviewers' decisions at each stage, and withdrawing it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from approvals import guidance, notifications, permissions, review_stages
from approvals.models import Decision, Post, PostState, ReviewReason, Stage, Verdict
from approvals.review_stages import StageProgress
from approvals.services import approval_rules
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
        images = sorted(current_images(locked), key=_by_order)
        result = guidance.check_for_account(
            body=locked.body, account=account, alt_texts=[row.alt_text for row in images]
        )
        if result.blocks_submit:
            raise NotAllowed(
                "Fix this before submitting: " + " ".join(f.message for f in result.hard),
                field="body",
                code="guidance",
            )
        revision = locked.current_revision
        stages: list[dict[str, Any]] = []
        if revision is not None:
            stages = approval_rules.plan_review(
                post=locked, revision=revision, result=result, images=len(images)
            )
        now = timezone.now()
        perform_transition(
            post=locked,
            action=Action.SUBMIT,
            actor=actor,
            data={
                "legal_required": result.requires_legal,
                "advice": [finding.rule for finding in result.soft],
                "rule_set": revision.rule_set.number if revision and revision.rule_set else None,
                "stages": [stage["key"] for stage in stages],
            },
            fields={
                "submitted_at": now,
                "first_submitted_at": locked.first_submitted_at or now,
                "legal_required": result.requires_legal,
                "notice": "",
            },
        )
        notifications.post_submitted(locked, actor=actor)
        if revision is not None:
            progress = review_stages.stage_progress(
                stages, review_stages.revision_approvals(revision)
            )
            opened = approval_rules.record_progress(
                post=locked, progress=progress, revision=revision
            )
            notifications.stages_opened(locked, opened, actor=actor)
    return locked


def _may_decide(stage: StageProgress, *, actor: User, role_stages: list[str]) -> bool:
    if stage.is_role_stage:
        return stage.key in role_stages
    return actor.pk in stage.reviewer_ids


def _pick_stage(
    *,
    actor: User,
    role_stages: list[str],
    progress: list[StageProgress],
    verdict: str,
    requested: str | None,
) -> StageProgress:
    by_key = {stage.key: stage for stage in progress}
    if requested:
        if requested not in Stage.values and requested not in by_key:
            raise InvalidInput(
                "Choose the comms or the legal stage, or another stage of this post.",
                field="stage",
            )
        if requested in Stage.values:
            label = Stage(requested).label.lower()
            if requested not in role_stages:
                raise NotAllowed(f"You are not a {label} reviewer.", code="wrong_stage")
            if requested not in by_key:
                raise NotAllowed(f"This post needs no {label} review.", code="wrong_stage")
        elif not _may_decide(by_key[requested], actor=actor, role_stages=role_stages):
            raise NotAllowed(
                f"You are not a reviewer of the {by_key[requested].name} stage.",
                code="wrong_stage",
            )
        return by_key[requested]
    candidates = [s for s in progress if _may_decide(s, actor=actor, role_stages=role_stages)]
    if not candidates:
        raise NotAllowed(
            "This post needs no legal review; comms decides on it.", code="wrong_stage"
        )
    if verdict == Verdict.APPROVE:
        mine = {d.stage for s in candidates for d in s.approvals if d.reviewer_id == actor.pk}
        waiting = [s for s in candidates if s.open and not s.satisfied and s.key not in mine]
        unsatisfied = [s for s in candidates if not s.satisfied]
        return (waiting or unsatisfied or candidates)[0]
    return candidates[0]


def _require_approvable(
    stage: StageProgress, *, actor: User, progress: list[StageProgress], number: int
) -> None:
    """Approving: the stage is open and still needs this person's approval, and separation of
    duties holds (one person approves one stage of a revision)."""
    if stage.satisfied or any(d.reviewer_id == actor.pk for d in stage.approvals):
        raise Conflict(
            f"The {stage.name.lower()} stage already approved revision {number}.",
            code="already_approved",
        )
    if not stage.open:
        before = [s.name for s in progress if s.step < stage.step and not s.satisfied]
        raise Conflict(
            f"The {stage.name} stage comes after {', '.join(before)}: approve it once "
            f"{'they have' if len(before) > 1 else 'that stage has'}.",
            code="stage_not_open",
        )
    others = [s for s in progress if s.key != stage.key]
    if any(d.reviewer_id == actor.pk for s in others for d in s.approvals):
        raise NotAllowed(
            "You approved another stage of this revision; a different person must "
            "approve this one.",
            code="separation_of_duties",
        )
    # A stage that needs every one of its reviewers needs this person too: approving another
    # stage now would leave that one without them for good.
    for other in others:
        if other.approval == "all" and not other.satisfied and actor.pk in other.reviewer_ids:
            raise NotAllowed(
                f"The {other.name} stage needs every one of its reviewers, you included: "
                "approve that stage, and let another reviewer approve this one.",
                code="separation_of_duties",
            )


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
    seated = review_stages.has_seat(actor, post)
    reviews_account = permissions.can_review(actor, account)
    if not seated and not reviews_account:
        raise NotAllowed(
            f"You do not review posts on {account.display_name}.", code="no_review_permission"
        )
    # Comms and legal decide through their role on the account; an approval rule's reviewers
    # through the stage they were named in.
    role_stages = permissions.reviewer_stages(actor) if reviews_account else []
    if not role_stages and not seated:
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
        approvals = review_stages.revision_approvals(current)
        progress = review_stages.stage_progress(review_stages.post_stages(locked), approvals)
        chosen = _pick_stage(
            actor=actor,
            role_stages=role_stages,
            progress=progress,
            verdict=verdict,
            requested=stage,
        )
        if verdict == Verdict.APPROVE:
            _require_approvable(chosen, actor=actor, progress=progress, number=current.number)
        decision = Decision.objects.create(
            post=locked,
            revision=current,
            stage=chosen.key,
            stage_name="" if chosen.is_role_stage else chosen.name,
            verdict=verdict,
            reviewer=actor,
            note=note,
            reason=chosen_reason,
        )
        fields: dict[str, Any] = {}
        complete = False
        opened: list[StageProgress] = []
        if verdict == Verdict.APPROVE:
            progress = review_stages.stage_progress(
                review_stages.post_stages(locked), [*approvals, decision]
            )
            complete = all(s.satisfied for s in progress)
            action = Action.APPROVE if complete else Action.APPROVE_STAGE
            if complete:
                fields["approved_at"] = timezone.now()
            opened = approval_rules.record_progress(
                post=locked, progress=progress, revision=current
            )
        perform_transition(
            post=locked,
            action=action,
            actor=actor,
            note=note,
            data={
                "stage": chosen.key,
                "verdict": verdict,
                "decision": decision.pk,
                **({"reason": chosen_reason.slug} if chosen_reason else {}),
                **({"stages_opened": [s.key for s in opened]} if opened else {}),
            },
            fields=fields,
        )
        notifications.decision_made(locked, decision, complete=complete)
        notifications.stages_opened(locked, opened, actor=actor)
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
