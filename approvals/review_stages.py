"""The stages a revision is reviewed in and how far each got: read from the plan recorded on the
revision (approvals.services.approval_rules.plan_review) and its approve decisions. Pages, the
API, the review services and the publishing checks all read them here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from approvals.models import ApprovalRule, Decision, Post, Revision, Stage, StageReviewer


def person_entry(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "full_name": user.full_name, "email": user.email}


def comms_stage() -> dict[str, Any]:
    return {
        "key": Stage.COMMS.value,
        "name": Stage.COMMS.label,
        "reason": "Comms reviews every post.",
        "rule": None,
        "approval": ApprovalRule.Approval.ANY.value,
        "step": 0,
        "reviewers": [],
    }


def legal_stage() -> dict[str, Any]:
    return {
        "key": Stage.LEGAL.value,
        "name": Stage.LEGAL.label,
        "reason": "Content guidance found a sensitive term.",
        "rule": None,
        "approval": ApprovalRule.Approval.ANY.value,
        "step": 0,
        "reviewers": [],
    }


def post_stages(post: Post) -> list[dict[str, Any]]:
    """The stages of the post's current revision: its recorded plan, or (a revision never
    planned, reviewed before approval rules existed) comms, and legal when required. No query:
    the current revision is read with the post."""
    revision = post.current_revision
    if revision is not None and revision.stages:
        return list(revision.stages)
    return [comms_stage(), *([legal_stage()] if post.legal_required else [])]


@dataclass
class StageProgress:
    key: str
    name: str
    reason: str
    approval: str
    step: int
    rule: int | None
    reviewers: list[dict[str, Any]]
    approvals: list[Decision] = field(default_factory=list)
    satisfied: bool = False
    open: bool = False

    @property
    def reviewer_ids(self) -> set[int]:
        return {person["id"] for person in self.reviewers}

    @property
    def is_role_stage(self) -> bool:
        return self.key in Stage.values

    @property
    def state(self) -> str:
        """approved, pending (open, waiting for approval) or waiting (for an earlier stage)."""
        if self.satisfied:
            return "approved"
        return "pending" if self.open else "waiting"

    @property
    def missing(self) -> list[dict[str, Any]]:
        """For an all-members stage: who still has to approve."""
        approvers = {d.reviewer_id for d in self.approvals}
        return [person for person in self.reviewers if person["id"] not in approvers]


def stage_progress(
    stages: Sequence[dict[str, Any]], approvals: Iterable[Decision]
) -> list[StageProgress]:
    """Each stage with the approvals of the revision it belongs to, satisfied or not, open or
    not. Pure: the caller reads the approvals (the current revision's only)."""
    by_stage: dict[str, list[Decision]] = {}
    for decision in approvals:
        by_stage.setdefault(decision.stage, []).append(decision)
    progress = []
    for stage in stages:
        item = StageProgress(
            key=stage["key"],
            name=stage["name"],
            reason=stage.get("reason", ""),
            approval=stage.get("approval", ApprovalRule.Approval.ANY),
            step=int(stage.get("step", 0)),
            rule=stage.get("rule"),
            reviewers=list(stage.get("reviewers", [])),
            approvals=sorted(by_stage.get(stage["key"], []), key=lambda d: (d.created_at, d.pk)),
        )
        if item.approval == ApprovalRule.Approval.ALL and item.reviewers:
            item.satisfied = item.reviewer_ids <= {d.reviewer_id for d in item.approvals}
        else:
            item.satisfied = bool(item.approvals)
        progress.append(item)
    for item in progress:
        item.open = all(other.satisfied for other in progress if other.step < item.step)
    return progress


def revision_approvals(revision: Revision | None) -> list[Decision]:
    if revision is None:
        return []
    return list(
        Decision.objects.filter(revision=revision, verdict="approve").select_related("reviewer")
    )


def post_progress(post: Post, approvals: list[Decision] | None = None) -> list[StageProgress]:
    """The stages of the post's current revision with their progress. approvals: the post's
    approve decisions already loaded (with_list_relations), else read (one query)."""
    if approvals is None:
        approvals = getattr(post, "approval_decisions", None)
    if approvals is None:
        approvals = revision_approvals(post.current_revision)
    current = [d for d in approvals if d.revision_id == post.current_revision_id]
    return stage_progress(post_stages(post), current)


def pending_rule_stages(post: Post) -> list[str]:
    """The names of the current revision's rule stages still without their approvals (one
    query): scheduling and publishing refuse while there is one."""
    if post.current_revision_id is None:
        return []
    return list(
        StageReviewer.objects.filter(
            revision_id=post.current_revision_id, satisfied_at__isnull=True
        )
        .order_by("stage")
        .values_list("stage", flat=True)
        .distinct()
    )


def is_stage_reviewer_of(user: Any, post: Post) -> bool:
    """Whether an approval rule named the person a reviewer of the post's current revision (no
    query: the plan is read with the revision)."""
    if not user.is_authenticated:
        return False
    return any(
        person["id"] == user.pk for stage in post_stages(post) for person in stage["reviewers"]
    )


def has_seat(user: Any, post: Post) -> bool:
    """Whether an approval rule named the person a reviewer of a stage of the post's current
    revision, as the database says now (one query): what the review services go by."""
    if not user.is_authenticated or post.current_revision_id is None:
        return False
    return StageReviewer.objects.filter(
        revision_id=post.current_revision_id, reviewer=user
    ).exists()
