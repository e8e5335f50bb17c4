"""Approval rules: which posts a rule matches, the stages it adds (any one or all of their
reviewers, in sequence or in parallel), separation of duties at every stage, versions (a post
keeps the stages it was submitted with) and retired rules."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from activity.models import AuditEvent, Notification
from approvals import permissions, review_stages, selectors, services
from approvals.models import ApprovalRule, ApprovalRuleSet, Post, PostState, StageReviewer
from approvals.services import approval_rules
from approvals.services.approval_rules import PostFacts, why_matched
from approvals.tests.factories import make_account, make_post
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput, NotAllowed

RECRUITING = "We're hiring a sales lead in Lyon: apply on our careers page."
PLAIN = "Our desk opens at 8."


def _tomorrow_at_ten() -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone())


def _rule(admin: User, **fields: Any) -> ApprovalRule:
    defaults: dict[str, Any] = {
        "name": "Recruiting posts need HR",
        "stage_name": "HR",
        "content_rules": ["recruiting"],
    }
    return approval_rules.approval_rule_create(actor=admin, **{**defaults, **fields})


def _submit(author: User, account: BrandAccount, body: str) -> Post:
    post = make_post(author, account, body)
    services.post_submit(post=post, actor=author)
    return Post.objects.select_related("current_revision", "brand_account").get(pk=post.pk)


def _fresh(post: Post) -> Post:
    return Post.objects.select_related("current_revision", "brand_account").get(pk=post.pk)


def _keys(post: Post) -> list[str]:
    return [stage["key"] for stage in review_stages.post_stages(_fresh(post))]


def _fresh_user(user: User) -> User:
    """The person as the next request loads them (roles not cached yet)."""
    return User.objects.get(pk=user.pk)


# --- Matching each condition -------------------------------------------------------------------


FACTS = PostFacts(
    brand_account=7,
    department=3,
    platform="mastodon",
    content_rules=frozenset({"recruiting"}),
    kind="post",
    with_image=True,
)


def _snapshot(**when: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "brand_accounts": [],
        "departments": [],
        "platforms": [],
        "content_rules": [],
        "post_kind": "",
        "with_image": None,
    }
    return {"id": 1, "name": "R", "version": 1, "when": {**base, **when}}


@pytest.mark.parametrize(
    ("when", "matches"),
    [
        ({}, True),
        ({"brand_accounts": [7, 8]}, True),
        ({"brand_accounts": [8]}, False),
        ({"departments": [3]}, True),
        ({"departments": [4]}, False),
        ({"platforms": ["mastodon", "x"]}, True),
        ({"platforms": ["linkedin"]}, False),
        ({"content_rules": ["sensitive", "recruiting"]}, True),
        ({"content_rules": ["sensitive"]}, False),
        ({"post_kind": "post"}, True),
        ({"post_kind": "reply"}, False),
        ({"with_image": True}, True),
        ({"with_image": False}, False),
        ({"departments": [3], "platforms": ["mastodon"], "with_image": True}, True),
        # Every condition set must hold.
        ({"departments": [3], "platforms": ["x"]}, False),
    ],
)
def test_a_rule_matches_when_every_condition_it_sets_holds(
    when: dict[str, Any], matches: bool
) -> None:
    assert (why_matched(_snapshot(**when), FACTS) is not None) is matches


def test_the_reason_names_what_matched() -> None:
    why = why_matched(_snapshot(content_rules=["recruiting"], with_image=True), FACTS)
    assert why == (
        "Rule “R” (version 1): content guidance found recruiting language; with an image."
    )


def test_a_recruiting_post_waits_for_hr_after_comms(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    rule = _rule(org_admin, reviewers=[hr_user])
    post = _submit(sme, account, RECRUITING)
    assert _keys(post) == ["comms", rule.stage_key]
    statuses = selectors.stage_statuses(post)
    assert [(s.label, s.state) for s in statuses] == [("Comms", "pending"), ("HR", "waiting")]
    assert "recruiting language" in statuses[1].reason
    # Not HR's turn yet: the queue leaves it out, and approving is refused.
    assert list(selectors.review_queue(user=_fresh_user(hr_user))) == []
    with pytest.raises(Conflict) as refused:
        services.post_approve(post=post, actor=hr_user)
    assert refused.value.code == "stage_not_open"

    told = Notification.objects.for_target(post).filter(recipient=hr_user)
    assert not told.exists()

    services.post_approve(post=post, actor=comms_reviewer)
    post = _fresh(post)
    assert post.state == PostState.IN_REVIEW
    assert ["waits for the HR stage" in n.message for n in told] == [True]  # told once, now
    assert [p.pk for p in selectors.review_queue(user=_fresh_user(hr_user))] == [post.pk]
    assert permissions.access_post(hr_user, post.pk) == post  # HR sees the post now

    decision = services.post_approve(post=post, actor=hr_user)
    assert (decision.stage, decision.stage_label) == (rule.stage_key, "HR")
    post = _fresh(post)
    assert post.state == PostState.APPROVED
    assert [s.state for s in selectors.stage_statuses(post)] == ["approved", "approved"]
    scheduled = services.post_schedule(
        post=post, actor=comms_reviewer, scheduled_at=_tomorrow_at_ten()
    )
    assert scheduled.state == PostState.SCHEDULED


def test_a_post_the_rule_does_not_match_needs_comms_only(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    _rule(org_admin, reviewers=[hr_user])
    post = _submit(sme, account, PLAIN)
    assert _keys(post) == ["comms"]
    services.post_approve(post=post, actor=comms_reviewer)
    assert _fresh(post).state == PostState.APPROVED


def test_a_department_rule_with_the_departments_managers(
    org_admin: User,
    sme: User,
    manager: User,
    sales: Department,
    account: BrandAccount,
    comms_reviewer: User,
) -> None:
    rule = _rule(
        org_admin,
        name="Sales posts need their manager",
        stage_name="Sales manager",
        content_rules=[],
        departments=[sales],
        department_managers=True,
    )
    post = _submit(sme, account, PLAIN)
    stages = review_stages.post_stages(post)
    assert stages[1]["key"] == rule.stage_key
    assert [p["id"] for p in stages[1]["reviewers"]] == [manager.pk]
    services.post_approve(post=post, actor=comms_reviewer)
    services.post_approve(post=post, actor=manager)
    assert _fresh(post).state == PostState.APPROVED


def test_all_members_must_approve_an_all_stage(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    second = UserFactory.create(email="hr2@example.test", full_name="Hugo HR")
    _rule(org_admin, reviewers=[hr_user, second], approval="all")
    post = _submit(sme, account, RECRUITING)
    services.post_approve(post=post, actor=comms_reviewer)
    services.post_approve(post=post, actor=hr_user)
    post = _fresh(post)
    assert post.state == PostState.IN_REVIEW
    hr_stage = selectors.stage_statuses(post)[1]
    assert (hr_stage.state, [d.reviewer for d in hr_stage.approvals]) == ("pending", [hr_user])
    with pytest.raises(Conflict):  # once each
        services.post_approve(post=post, actor=hr_user)
    services.post_approve(post=post, actor=second)
    assert _fresh(post).state == PostState.APPROVED


def test_any_one_member_is_enough_for_an_any_stage(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    second = UserFactory.create(email="hr2@example.test", full_name="Hugo HR")
    _rule(org_admin, reviewers=[hr_user, second])
    post = _submit(sme, account, RECRUITING)
    services.post_approve(post=post, actor=comms_reviewer)
    services.post_approve(post=post, actor=second)
    assert _fresh(post).state == PostState.APPROVED
    assert StageReviewer.objects.filter(post=post, satisfied_at__isnull=True).count() == 0


def test_a_parallel_stage_is_open_from_submission(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    _rule(org_admin, reviewers=[hr_user], order="parallel")
    post = _submit(sme, account, RECRUITING)
    assert [s.state for s in selectors.stage_statuses(post)] == ["pending", "pending"]
    # HR is told at once, as comms is.
    told = Notification.objects.for_target(post).filter(recipient=hr_user)
    assert ["waits for the HR stage" in n.message for n in told] == [True]
    services.post_approve(post=post, actor=hr_user)  # before comms
    assert _fresh(post).state == PostState.IN_REVIEW
    services.post_approve(post=post, actor=comms_reviewer)
    assert _fresh(post).state == PostState.APPROVED


def test_stages_in_sequence_open_one_after_the_other(
    org_admin: User,
    sme: User,
    manager: User,
    sales: Department,
    account: BrandAccount,
    comms_reviewer: User,
    hr_user: User,
) -> None:
    _rule(org_admin, reviewers=[hr_user])
    _rule(
        org_admin,
        name="Then the manager",
        stage_name="Manager",
        content_rules=[],
        department_managers=True,
    )
    post = _submit(sme, account, RECRUITING)
    assert [s.step for s in selectors.stage_statuses(post)] == [0, 1, 2]
    services.post_approve(post=post, actor=comms_reviewer)
    with pytest.raises(Conflict):
        services.post_approve(post=post, actor=manager)
    services.post_approve(post=post, actor=hr_user)
    services.post_approve(post=post, actor=manager)
    assert _fresh(post).state == PostState.APPROVED


def test_a_stage_reviewer_requests_changes_like_any_reviewer(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    _rule(org_admin, reviewers=[hr_user])
    post = _submit(sme, account, RECRUITING)
    services.post_approve(post=post, actor=comms_reviewer)
    decision = services.post_request_changes(
        post=post, actor=hr_user, note="Name the salary band.", reason="accuracy"
    )
    assert decision.stage_name == "HR"
    assert _fresh(post).state == PostState.CHANGES_REQUESTED


def test_people_outside_the_stage_cannot_decide(
    org_admin: User,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    hr_user: User,
    outsider: User,
) -> None:
    rule = _rule(org_admin, reviewers=[hr_user])
    post = _submit(sme, account, RECRUITING)
    with pytest.raises(NotAllowed):
        services.post_approve(post=post, actor=outsider)
    with pytest.raises(NotAllowed):  # a comms reviewer does not decide the HR stage
        services.post_approve(post=post, actor=comms_reviewer, stage=rule.stage_key)
    with pytest.raises(InvalidInput):  # a stage the post does not have
        services.post_approve(post=post, actor=comms_reviewer, stage="rule-0")


# --- Separation of duties ----------------------------------------------------------------------


def test_the_author_is_never_a_reviewer_of_their_own_post(
    org_admin: User, sme: User, account: BrandAccount, hr_user: User
) -> None:
    _rule(org_admin, reviewers=[sme, hr_user])
    post = _submit(sme, account, RECRUITING)
    assert [p["id"] for p in review_stages.post_stages(post)[1]["reviewers"]] == [hr_user.pk]


def test_a_stage_with_nobody_but_the_author_refuses_the_submission(
    org_admin: User, sme: User, account: BrandAccount
) -> None:
    _rule(org_admin, reviewers=[sme])
    post = make_post(sme, account, RECRUITING)
    with pytest.raises(NotAllowed) as refused:
        services.post_submit(post=post, actor=sme)
    assert refused.value.code == "stage_without_reviewers"
    assert _fresh(post).state == PostState.DRAFT


def test_one_person_approves_one_stage_of_a_revision(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    _rule(org_admin, reviewers=[comms_reviewer, hr_user])
    post = _submit(sme, account, RECRUITING)
    services.post_approve(post=post, actor=comms_reviewer)
    with pytest.raises(NotAllowed) as refused:
        services.post_approve(post=post, actor=comms_reviewer)
    assert refused.value.code == "separation_of_duties"
    services.post_approve(post=post, actor=hr_user)
    assert _fresh(post).state == PostState.APPROVED


# --- Versions and retired rules ----------------------------------------------------------------


def test_editing_a_rule_keeps_the_stages_of_posts_already_submitted(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    rule = _rule(org_admin, reviewers=[hr_user])
    before = _submit(sme, account, RECRUITING)
    other = UserFactory.create(email="hr2@example.test", full_name="Hugo HR")
    approval_rules.approval_rule_update(
        rule=rule,
        actor=org_admin,
        name=rule.name,
        stage_name="People team",
        content_rules=["recruiting"],
        reviewers=[other],
    )
    after = _submit(sme, account, RECRUITING)

    old_stage = review_stages.post_stages(_fresh(before))[1]
    new_stage = review_stages.post_stages(after)[1]
    assert (old_stage["name"], [p["id"] for p in old_stage["reviewers"]]) == ("HR", [hr_user.pk])
    assert (new_stage["name"], [p["id"] for p in new_stage["reviewers"]]) == (
        "People team",
        [other.pk],
    )
    assert _fresh(before).current_revision.rule_set.number == 1  # type: ignore[union-attr]
    assert after.current_revision.rule_set.number == 2  # type: ignore[union-attr]
    # The post submitted under version 1 is still decided by HR as it was.
    services.post_approve(post=before, actor=comms_reviewer)
    services.post_approve(post=before, actor=hr_user)
    assert _fresh(before).state == PostState.APPROVED


def test_an_edit_under_review_stays_under_the_version_it_was_submitted_with(
    org_admin: User, sme: User, account: BrandAccount, hr_user: User
) -> None:
    rule = _rule(org_admin, reviewers=[hr_user])
    post = _submit(sme, account, RECRUITING)
    approval_rules.approval_rule_retire(rule=rule, actor=org_admin)
    services.post_revise(post=post, actor=sme, body=RECRUITING + " Full time.")
    post = _fresh(post)
    assert post.revision_number == 2
    assert _keys(post) == ["comms", rule.stage_key]
    assert post.current_revision.rule_set.number == 1  # type: ignore[union-attr]


def test_a_retired_rule_no_longer_applies_and_decisions_stay(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    rule = _rule(org_admin, reviewers=[hr_user])
    earlier = _submit(sme, account, RECRUITING)
    services.post_approve(post=earlier, actor=comms_reviewer)
    retired = approval_rules.approval_rule_retire(rule=rule, actor=org_admin)
    assert retired.is_retired
    later = _submit(sme, account, RECRUITING)
    assert _keys(later) == ["comms"]
    assert _keys(earlier) == ["comms", rule.stage_key]
    assert [s.state for s in selectors.stage_statuses(_fresh(earlier))] == [
        "approved",
        "pending",
    ]
    assert list(ApprovalRuleSet.objects.values_list("number", flat=True)) == [2, 1]
    assert ApprovalRuleSet.objects.get(number=2).rules == []


# --- Publishing ------------------------------------------------------------------------------


def test_a_post_with_a_pending_stage_is_never_scheduled(
    org_admin: User, sme: User, account: BrandAccount, comms_reviewer: User, hr_user: User
) -> None:
    _rule(org_admin, reviewers=[hr_user])
    post = _submit(sme, account, RECRUITING)
    services.post_approve(post=post, actor=comms_reviewer)
    # Whatever put it there, an approved state alone does not let it out.
    Post.objects.filter(pk=post.pk).update(state=PostState.APPROVED)
    with pytest.raises(Conflict) as refused:
        services.post_schedule(
            post=_fresh(post), actor=comms_reviewer, scheduled_at=_tomorrow_at_ten()
        )
    assert refused.value.code == "stages_pending"
    assert "HR" in refused.value.message
    with pytest.raises(Conflict):
        services.post_publish_now(post=_fresh(post), actor=comms_reviewer)


# --- Changing the rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": 5}, "name"),
        ({"stage_name": "Comms"}, "stage_name"),
        ({"stage_name": "legal"}, "stage_name"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"platforms": "x"}, "platforms"),
        ({"content_rules": ["length"]}, "content_rules"),
        ({"post_kind": "story"}, "post_kind"),
        ({"with_image": "yes"}, "with_image"),
        ({"approval": "most"}, "approval"),
        ({"order": "later"}, "order"),
        ({"reviewers": []}, "reviewers"),
        ({"reviewers": [1]}, "reviewers"),
        ({"department_managers": "yes"}, "department_managers"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    org_admin: User, hr_user: User, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _rule(org_admin, **{"reviewers": [hr_user], **fields})
    assert refused.value.field == field
    assert not ApprovalRule.objects.exists()
    assert not ApprovalRuleSet.objects.exists()


def test_only_org_admins_change_rules(comms_reviewer: User, hr_user: User, org_admin: User) -> None:
    with pytest.raises(NotAllowed):
        _rule(comms_reviewer, reviewers=[hr_user])
    rule = _rule(org_admin, reviewers=[hr_user])
    with pytest.raises(NotAllowed):
        approval_rules.approval_rule_retire(rule=rule, actor=hr_user)


def test_every_change_is_audited_with_its_version(org_admin: User, hr_user: User) -> None:
    rule = _rule(org_admin, reviewers=[hr_user])
    approval_rules.approval_rule_update(
        rule=rule, actor=org_admin, name="Renamed", stage_name="HR", reviewers=[hr_user]
    )
    approval_rules.approval_rule_retire(rule=rule, actor=org_admin)
    events = list(
        AuditEvent.objects.filter(action__startswith="approval_rule.").order_by("created_at", "id")
    )
    assert [(e.action, e.data["rule_set"], e.data["version"]) for e in events] == [
        ("approval_rule.created", 1, 1),
        ("approval_rule.updated", 2, 2),
        ("approval_rule.retired", 3, 2),
    ]
    assert events[1].data["rule"]["name"] == "Renamed"


def test_a_rule_may_match_replies_and_images(
    org_admin: User, sme: User, sales: Department, hr_user: User
) -> None:
    """A rule on posts without images on one platform (the account's)."""
    account = make_account(sales, platform="mastodon")
    _rule(
        org_admin,
        content_rules=[],
        platforms=["mastodon"],
        post_kind="post",
        with_image=False,
        reviewers=[hr_user],
    )
    other = make_account(sales, platform="internal")
    add_member(hr_user, sales)
    matched = _submit(sme, account, PLAIN)
    unmatched = _submit(sme, other, PLAIN)
    assert len(_keys(matched)) == 2
    assert _keys(unmatched) == ["comms"]


def test_a_stage_reviewer_approves_in_bulk_from_their_queue(
    org_admin: User,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    hr_user: User,
    outsider: User,
    api_as: Any,
) -> None:
    """The queue offers its bulk form to everyone with posts in it, HR included: each post goes
    through the single decision, which finds HR's stage."""
    _rule(org_admin, reviewers=[hr_user])
    first, second = _submit(sme, account, RECRUITING), _submit(sme, account, RECRUITING)
    for post in (first, second):
        services.post_approve(post=post, actor=comms_reviewer)

    response = api_as(hr_user).post(
        "/api/v1/posts/bulk/", {"action": "approve", "ids": [first.pk, second.pk]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert [(r["id"], r["ok"], r["state"]) for r in response.json()["results"]] == [
        (first.pk, True, "approved"),
        (second.pk, True, "approved"),
    ]
    assert [s.state for s in selectors.stage_statuses(_fresh(first))] == ["approved", "approved"]
    # Someone no rule names, without a reviewer's role, is still refused as a whole.
    refused = api_as(outsider).post(
        "/api/v1/posts/bulk/", {"action": "approve", "ids": [first.pk]}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_reviewer"
