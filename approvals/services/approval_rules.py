"""Approval rules: org admins' rules that add review stages, their versions, and the review plan
each revision gets when it enters review.

A rule says *when* (brand accounts, departments, platforms, content rules that fired, post or
reply, with or without an image: every condition set must hold, any listed value within one)
and *then* (a stage: a named group of reviewers, explicit people and/or the managers of the
post's department, any one or all of whom approve, after the stages before it or alongside
them). Comms is always the first stage; legal joins it when content guidance finds a sensitive
term, as before approval rules existed.

Every change (create, update, retire) writes a new ApprovalRuleSet: the rules in force, as they
then read. When a revision first enters review, plan_review resolves the stages under the
version in force (a revision made while the post is under review keeps the version the post
was submitted under) and records the version and the stages on the revision, with one
StageReviewer row per reviewer of each rule's stage. Nothing later changes them: editing a rule
never touches a submitted revision or a decision.

Stages run in steps: comms and legal form step 0; a rule's stage in sequence takes the next
step, one in parallel joins the last. A stage is open once every stage of an earlier step is
satisfied; a reviewer approves an open stage only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import Department, Membership, User
from activity.audit import audit_record
from approvals import guidance
from approvals.models import (
    ApprovalRule,
    ApprovalRuleSet,
    Post,
    Revision,
    Stage,
    StageReviewer,
)
from approvals.review_stages import StageProgress, comms_stage, legal_stage, person_entry
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import Conflict, InvalidInput, NotAllowed

if TYPE_CHECKING:
    from approvals.guidance import GuidanceResult

MAX_NAME_LENGTH = 120
MAX_STAGE_NAME_LENGTH = 60
MAX_RULE_REVIEWERS = 50

# The content rules a condition may name: the soft findings, which let a post be submitted
# (a hard finding refuses the submission, so no rule could ever see it fire).
CONTENT_RULES: dict[str, str] = {
    guidance.Rule.RECRUITING: "Recruiting language",
    guidance.Rule.SENSITIVE: "Sensitive term",
    guidance.Rule.HYPERBOLE: "Hyperbole",
    guidance.Rule.PRESS_RELEASE: "Press-release language",
    guidance.Rule.HASHTAGS: "Too many hashtags",
    guidance.Rule.IMAGE_ALT_TEXT: "Image without alt text",
}
RESERVED_STAGE_NAMES = frozenset(label.lower() for label in Stage.labels) | frozenset(Stage.values)


# --- Matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostFacts:
    """What rules look at, read once per plan."""

    brand_account: int
    department: int
    platform: str
    content_rules: frozenset[str]
    kind: str
    with_image: bool


def facts_of(post: Post, result: GuidanceResult, *, images: int) -> PostFacts:
    return PostFacts(
        brand_account=post.brand_account_id,
        department=post.department_id,
        platform=post.brand_account.platform,
        content_rules=frozenset(finding.rule for finding in result.findings),
        kind=ApprovalRule.PostKind.REPLY if post.is_reply else ApprovalRule.PostKind.POST,
        with_image=images > 0,
    )


def why_matched(rule: dict[str, Any], facts: PostFacts) -> str | None:
    """None when the snapshot rule does not apply to the post; else the conditions it matched,
    in words (what the review screen and the API show as the stage's reason)."""
    when = rule["when"]
    said: list[str] = []
    if when["brand_accounts"]:
        if facts.brand_account not in when["brand_accounts"]:
            return None
        said.append("its brand account")
    if when["departments"]:
        if facts.department not in when["departments"]:
            return None
        said.append("its department")
    if when["platforms"]:
        if facts.platform not in when["platforms"]:
            return None
        said.append(f"platform {Platform(facts.platform).label}")
    if when["content_rules"]:
        fired = [name for name in when["content_rules"] if name in facts.content_rules]
        if not fired:
            return None
        said.append(
            "content guidance found "
            + ", ".join(CONTENT_RULES.get(name, name).lower() for name in fired)
        )
    if when["post_kind"]:
        if facts.kind != when["post_kind"]:
            return None
        said.append("a reply" if facts.kind == ApprovalRule.PostKind.REPLY else "a post")
    if when["with_image"] is not None:
        if facts.with_image != when["with_image"]:
            return None
        said.append("with an image" if facts.with_image else "without an image")
    what = "; ".join(said) if said else "every post"
    return f"Rule “{rule['name']}” (version {rule['version']}): {what}."


# --- Versions ---------------------------------------------------------------------------------


def _rules_in_force() -> QuerySet[ApprovalRule]:
    return ApprovalRule.objects.filter(retired_at__isnull=True).prefetch_related(
        "brand_accounts", "departments", "reviewers"
    )


def snapshot(rule: ApprovalRule) -> dict[str, Any]:
    """The rule as a version records it (reads the prefetched relations)."""
    return {
        "id": rule.pk,
        "name": rule.name,
        "version": rule.version,
        "when": {
            "brand_accounts": sorted(a.pk for a in rule.brand_accounts.all()),
            "departments": sorted(d.pk for d in rule.departments.all()),
            "platforms": list(rule.platforms),
            "content_rules": list(rule.content_rules),
            "post_kind": rule.post_kind,
            "with_image": rule.with_image,
        },
        "stage": {
            "key": rule.stage_key,
            "name": rule.stage_name,
            "reviewers": sorted(u.pk for u in rule.reviewers.all()),
            "department_managers": rule.department_managers,
            "approval": rule.approval,
            "order": rule.order,
        },
    }


def current_rule_set() -> ApprovalRuleSet | None:
    return ApprovalRuleSet.objects.order_by("-number").first()


def _new_rule_set(*, actor: User | None, change: str) -> ApprovalRuleSet:
    """Call under the lock _lock_rule_sets took: numbers follow one another."""
    latest = ApprovalRuleSet.objects.order_by("-number").values_list("number", flat=True).first()
    try:
        with transaction.atomic():
            return ApprovalRuleSet.objects.create(
                number=(latest or 0) + 1,
                rules=[snapshot(rule) for rule in _rules_in_force()],
                change=change[:200],
                created_by=actor,
            )
    except IntegrityError:
        # The very first rules, added by two admins at once (no rule row to lock yet).
        raise Conflict(
            "Another change to the approval rules was saved at the same moment: reload and try "
            "again.",
            code="concurrent_change",
        ) from None


def _lock_rule_sets() -> None:
    """Serialise rule changes (two admins saving at once still get two numbered versions): lock
    every rule row, the table's only writers being these services."""
    list(ApprovalRule.objects.select_for_update().values_list("pk", flat=True))


# --- Checking what org admins send ------------------------------------------------------------


def _text(value: Any, *, field: str, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be text.", field=field)
    value = value.strip()
    if not value:
        raise InvalidInput(f"Give the {what}.", field=field)
    if len(value) > limit:
        raise InvalidInput(f"Keep the {what} under {limit} characters.", field=field)
    return value


def _choices(values: Any, *, allowed: Iterable[str], field: str, what: str) -> list[str]:
    allowed = list(allowed)
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(f"Give the {what} as a list of names.", field=field)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidInput(
            f"Unknown {what}: {', '.join(unknown)}; use {', '.join(allowed)}.", field=field
        )
    return sorted(set(values), key=allowed.index)


def _objects(values: Any, *, model: type, field: str, what: str) -> list[Any]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, model) for v in values):
        raise InvalidInput(f"Choose the {what} from the list.", field=field)
    return list({v.pk: v for v in values}.values())


@dataclass(frozen=True)
class RuleInput:
    name: str
    brand_accounts: list[BrandAccount]
    departments: list[Department]
    platforms: list[str]
    content_rules: list[str]
    post_kind: str
    with_image: bool | None
    stage_name: str
    reviewers: list[User]
    department_managers: bool
    approval: str
    order: str


def clean_rule(
    *,
    name: Any,
    stage_name: Any,
    brand_accounts: Any = (),
    departments: Any = (),
    platforms: Any = (),
    content_rules: Any = (),
    post_kind: Any = "",
    with_image: Any = None,
    reviewers: Any = (),
    department_managers: Any = False,
    approval: Any = ApprovalRule.Approval.ANY,
    order: Any = ApprovalRule.Order.SEQUENCE,
) -> RuleInput:
    """The rule as sent, checked: InvalidInput (400) naming the first wrong field."""
    name = _text(name, field="name", what="rule's name", limit=MAX_NAME_LENGTH)
    stage = _text(stage_name, field="stage_name", what="stage's name", limit=MAX_STAGE_NAME_LENGTH)
    if stage.lower() in RESERVED_STAGE_NAMES:
        raise InvalidInput(
            "Comms and legal are the built-in stages; name the new stage differently.",
            field="stage_name",
        )
    if post_kind is None:
        post_kind = ""
    if not isinstance(post_kind, str) or post_kind not in ("", *ApprovalRule.PostKind.values):
        raise InvalidInput("Choose post, reply, or either.", field="post_kind")
    if with_image is not None and not isinstance(with_image, bool):
        raise InvalidInput("Choose with an image, without, or either.", field="with_image")
    if not isinstance(department_managers, bool):
        raise InvalidInput("Say yes or no.", field="department_managers")
    if not isinstance(approval, str) or approval not in ApprovalRule.Approval.values:
        raise InvalidInput("Choose any one or all of the reviewers.", field="approval")
    if not isinstance(order, str) or order not in ApprovalRule.Order.values:
        raise InvalidInput("Choose in sequence or in parallel.", field="order")
    people = _objects(reviewers, model=User, field="reviewers", what="reviewers")
    if len(people) > MAX_RULE_REVIEWERS:
        raise InvalidInput(
            f"Name at most {MAX_RULE_REVIEWERS} reviewers; a group of more is a department.",
            field="reviewers",
        )
    inactive = [p for p in people if not p.is_active]
    if inactive:
        raise InvalidInput(
            f"{inactive[0]} can no longer sign in; choose someone else.", field="reviewers"
        )
    if not people and not department_managers:
        raise InvalidInput(
            "Name the stage's reviewers, or let the department's managers review.",
            field="reviewers",
        )
    return RuleInput(
        name=name,
        brand_accounts=_objects(
            brand_accounts, model=BrandAccount, field="brand_accounts", what="brand accounts"
        ),
        departments=_objects(
            departments, model=Department, field="departments", what="departments"
        ),
        platforms=_choices(platforms, allowed=Platform.values, field="platforms", what="platforms"),
        content_rules=_choices(
            content_rules, allowed=CONTENT_RULES, field="content_rules", what="content rules"
        ),
        post_kind=post_kind,
        with_image=with_image,
        stage_name=stage,
        reviewers=people,
        department_managers=department_managers,
        approval=approval,
        order=order,
    )


def _require_admin(actor: Any) -> None:
    from accounts import authz

    if not authz.is_org_admin(actor):
        raise NotAllowed("Only org admins change approval rules.", code="not_org_admin")


def _write(rule: ApprovalRule, data: RuleInput) -> None:
    for name in (
        "name",
        "platforms",
        "content_rules",
        "post_kind",
        "with_image",
        "stage_name",
        "department_managers",
        "approval",
        "order",
    ):
        setattr(rule, name, getattr(data, name))
    rule.save()
    rule.brand_accounts.set(data.brand_accounts)
    rule.departments.set(data.departments)
    rule.reviewers.set(data.reviewers)


def _audit(rule: ApprovalRule, *, actor: User, action: str, rule_set: ApprovalRuleSet) -> None:
    data: dict[str, Any] = {"rule_set": rule_set.number, "version": rule.version}
    # The rule as the new version just recorded it (a retired one is not in force: none).
    recorded = next((r for r in rule_set.rules if r["id"] == rule.pk), None)
    if recorded is not None:
        data["rule"] = recorded
    audit_record(actor=actor, action=f"approval_rule.{action}", target=rule, data=data)


def approval_rule_create(*, actor: User, **fields: Any) -> ApprovalRule:
    """A new rule, in force for posts submitted from now on (a new rule-set version)."""
    _require_admin(actor)
    data = clean_rule(**fields)
    with transaction.atomic():
        _lock_rule_sets()
        rule = ApprovalRule(created_by=actor)
        _write(rule, data)
        rule_set = _new_rule_set(actor=actor, change=f"Rule “{rule.name}” added.")
        _audit(rule, actor=actor, action="created", rule_set=rule_set)
    return rule


def approval_rule_update(*, rule: ApprovalRule, actor: User, **fields: Any) -> ApprovalRule:
    """The rule changed for posts submitted from now on: the revisions already submitted keep
    the stages they were planned with, the decisions taken stay."""
    _require_admin(actor)
    data = clean_rule(**fields)
    with transaction.atomic():
        _lock_rule_sets()
        locked = ApprovalRule.objects.select_for_update().get(pk=rule.pk)
        if locked.is_retired:
            raise InvalidInput("This rule is retired; add a new one instead.", field="name")
        locked.version += 1
        _write(locked, data)
        rule_set = _new_rule_set(actor=actor, change=f"Rule “{locked.name}” changed.")
        _audit(locked, actor=actor, action="updated", rule_set=rule_set)
    return locked


def approval_rule_retire(*, rule: ApprovalRule, actor: User) -> ApprovalRule:
    """The rule stops applying to posts submitted from now on (kept, with its history).
    Retiring a retired rule changes nothing."""
    _require_admin(actor)
    with transaction.atomic():
        _lock_rule_sets()
        locked = ApprovalRule.objects.select_for_update().get(pk=rule.pk)
        if locked.is_retired:
            return locked
        locked.retired_at = timezone.now()
        locked.retired_by = actor
        locked.save(update_fields=["retired_at", "retired_by", "updated_at"])
        rule_set = _new_rule_set(actor=actor, change=f"Rule “{locked.name}” retired.")
        _audit(locked, actor=actor, action="retired", rule_set=rule_set)
    return locked


# --- The plan of a revision -------------------------------------------------------------------


def _resolve_reviewers(
    rules: list[tuple[dict[str, Any], str]], *, post: Post
) -> dict[int, list[User]]:
    """{rule id: its active reviewers for this post}, the author left out (two queries)."""
    wanted = {pk for rule, _why in rules for pk in rule["stage"]["reviewers"]}
    people = {
        u.pk: u for u in User.objects.filter(pk__in=wanted, is_active=True).order_by("full_name")
    }
    managers: list[User] = []
    if any(rule["stage"]["department_managers"] for rule, _why in rules):
        managers = [
            m.user
            for m in Membership.objects.filter(
                department_id=post.department_id,
                role=Membership.Role.MANAGER,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("user__full_name", "user_id")
        ]
    resolved: dict[int, list[User]] = {}
    for rule, _why in rules:
        chosen = {pk: people[pk] for pk in rule["stage"]["reviewers"] if pk in people}
        if rule["stage"]["department_managers"]:
            chosen.update({m.pk: m for m in managers})
        chosen.pop(post.author_id, None)  # separation of duties: never the author
        resolved[rule["id"]] = sorted(chosen.values(), key=lambda u: (u.full_name, u.pk))
    return resolved


def plan_review(
    *,
    post: Post,
    revision: Revision,
    result: GuidanceResult,
    images: int,
    keep_version_of: Revision | None = None,
) -> list[dict[str, Any]]:
    """Record on the revision the stages it is reviewed in, once: the first time it enters
    review (submitted, or made while the post is under review). Under the rule-set version in
    force now, or, with keep_version_of, under the version that revision was planned with (an
    edit under review stays under the rules the post was submitted under). A revision planned
    already keeps its plan. Call inside the transaction that locks the post.

    NotAllowed (code stage_without_reviewers) when a matching rule's stage has nobody but the
    author to approve it."""
    if revision.planned_at is not None:
        return list(revision.stages)
    if keep_version_of is not None and keep_version_of.planned_at is not None:
        rule_set = keep_version_of.rule_set
    else:
        rule_set = current_rule_set()
    facts = facts_of(post, result, images=images)
    matched = []
    for rule in rule_set.rules if rule_set is not None else []:
        why = why_matched(rule, facts)
        if why is not None:
            matched.append((rule, why))
    reviewers = _resolve_reviewers(matched, post=post) if matched else {}
    stages = [comms_stage(), *([legal_stage()] if result.requires_legal else [])]
    step = 0
    for rule, why in matched:
        people = reviewers[rule["id"]]
        if not people:
            raise NotAllowed(
                f"Rule “{rule['name']}” adds the {rule['stage']['name']} stage, but nobody "
                "other than you can approve it. Ask an org admin to name its reviewers.",
                code="stage_without_reviewers",
            )
        if rule["stage"]["order"] == ApprovalRule.Order.SEQUENCE:
            step += 1
        stages.append(
            {
                "key": rule["stage"]["key"],
                "name": rule["stage"]["name"],
                "reason": why,
                "rule": rule["id"],
                "approval": rule["stage"]["approval"],
                "step": step,
                "reviewers": [person_entry(u) for u in people],
            }
        )
    now = timezone.now()
    Revision.objects.filter(pk=revision.pk, planned_at__isnull=True).update(
        rule_set=rule_set, stages=stages, planned_at=now
    )
    revision.rule_set, revision.stages, revision.planned_at = rule_set, stages, now
    StageReviewer.objects.bulk_create(
        StageReviewer(
            post=post,
            revision=revision,
            stage=stage["key"],
            reviewer_id=person["id"],
            # Opened by record_progress, which the caller runs next in the same transaction
            # and which tells the reviewers of every stage it opens (a parallel one included).
            opened_at=None,
        )
        for stage in stages
        for person in stage["reviewers"]
    )
    return stages


def record_progress(
    *, post: Post, progress: list[StageProgress], revision: Revision
) -> list[StageProgress]:
    """Bring the revision's StageReviewer rows in line with the progress (opened, satisfied);
    return the rule stages that opened just now (their reviewers are to be told)."""
    now = timezone.now()
    opened = []
    for stage in progress:
        if stage.is_role_stage:
            continue
        rows = StageReviewer.objects.filter(revision=revision, stage=stage.key)
        if stage.open and rows.filter(opened_at__isnull=True).update(opened_at=now):
            opened.append(stage)
        if stage.satisfied:
            rows.filter(satisfied_at__isnull=True).update(satisfied_at=now)
    return opened


def rule_list(*, include_retired: bool = False) -> QuerySet[ApprovalRule]:
    rules = ApprovalRule.objects.prefetch_related("brand_accounts", "departments", "reviewers")
    if not include_retired:
        rules = rules.filter(retired_at__isnull=True)
    return rules.select_related("created_by", "retired_by").order_by(
        F("retired_at").asc(nulls_first=True), "id"
    )
