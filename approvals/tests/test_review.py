"""Review decisions: stages, separation of duties, notes, revisions, and who may decide."""

from __future__ import annotations

import pytest

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from activity.models import AuditEvent, Notification
from approvals import services
from approvals.models import Decision, Post, PostState, Stage, Verdict
from approvals.tests.factories import force_state, make_account, submitted_post
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput, NotAllowed

SENSITIVE = "Our quarterly earnings beat the forecast."


def _unchanged(post: Post, state: str = PostState.IN_REVIEW) -> None:
    post.refresh_from_db()
    assert post.state == state
    assert not Decision.objects.filter(post=post).exists()


@pytest.fixture
def in_review(sme: User, account: BrandAccount) -> Post:
    return submitted_post(sme, account)


@pytest.fixture
def sensitive(sme: User, account: BrandAccount) -> Post:
    return submitted_post(sme, account, SENSITIVE)


# --- Comms alone -----------------------------------------------------------------------------


def test_comms_approval_approves_a_post_that_needs_no_legal_review(
    in_review: Post, comms_reviewer: User
) -> None:
    decision = services.post_approve(post=in_review, actor=comms_reviewer, note="Nice.")

    in_review.refresh_from_db()
    assert in_review.state == PostState.APPROVED
    assert in_review.approved_at is not None
    assert (decision.stage, decision.verdict, decision.revision.number) == ("comms", "approve", 1)
    event = AuditEvent.objects.for_target(in_review).get(action="post.approve")
    assert (event.actor, event.note, event.from_state, event.to_state) == (
        comms_reviewer,
        "Nice.",
        "in_review",
        "approved",
    )
    assert event.data == {
        "revision": 1,
        "stage": "comms",
        "verdict": "approve",
        "decision": decision.pk,
    }


def test_request_changes_needs_a_note_and_writes_nothing_without_one(
    in_review: Post, comms_reviewer: User
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.post_request_changes(post=in_review, actor=comms_reviewer, note="   ")
    assert refused.value.field == "note"
    _unchanged(in_review)


def test_reject_needs_a_note(in_review: Post, comms_reviewer: User) -> None:
    with pytest.raises(InvalidInput, match="why the post is rejected"):
        services.post_reject(post=in_review, actor=comms_reviewer, note="")
    _unchanged(in_review)


def test_request_changes_and_reject_move_the_post(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    first = submitted_post(sme, account)
    second = submitted_post(sme, account)
    services.post_request_changes(post=first, actor=comms_reviewer, note="Shorter, please.")
    services.post_reject(post=second, actor=comms_reviewer, note="Off-brand.")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (PostState.CHANGES_REQUESTED, PostState.REJECTED)


@pytest.mark.parametrize("state", [s for s in PostState.values if s != PostState.IN_REVIEW])
@pytest.mark.parametrize("verdict", Verdict.values)
def test_decisions_outside_review_are_conflicts(
    draft: Post, comms_reviewer: User, state: str, verdict: str
) -> None:
    force_state(draft, state)
    decide = {
        "approve": services.post_approve,
        "changes": services.post_request_changes,
        "reject": services.post_reject,
    }[verdict]
    with pytest.raises(Conflict):
        decide(post=draft, actor=comms_reviewer, note="A note")
    _unchanged(draft, state)


def test_a_decision_on_a_stale_revision_is_a_conflict(
    in_review: Post, sme: User, comms_reviewer: User
) -> None:
    """The reviewer looked at revision 1; the author saved revision 2 meanwhile."""
    services.post_revise(post=in_review, actor=sme, body="A reworded post")
    with pytest.raises(Conflict, match="revision 2 is current"):
        services.post_approve(post=in_review, actor=comms_reviewer, revision=1)
    _unchanged(in_review)


def test_the_same_stage_cannot_approve_one_revision_twice(
    sensitive: Post, comms_reviewer: User, comms_department: Department
) -> None:
    services.post_approve(post=sensitive, actor=comms_reviewer)
    colleague = give_org_role(UserFactory.create(), OrgRole.COMMS_REVIEWER)
    add_member(colleague, comms_department)
    with pytest.raises(Conflict, match="comms stage already approved revision 1"):
        services.post_approve(post=sensitive, actor=colleague)
    assert Decision.objects.filter(post=sensitive).count() == 1


# --- Who may decide --------------------------------------------------------------------------


def test_the_author_never_decides_on_their_own_post(
    comms_reviewer: User, comms_department: Department
) -> None:
    """Separation of duties: a comms reviewer drafting on their department's account."""
    own = make_account(comms_department, drafters=[comms_department], reviewers=[comms_department])
    post = submitted_post(comms_reviewer, own)
    for decide in (services.post_approve, services.post_request_changes, services.post_reject):
        with pytest.raises(NotAllowed, match="separation of duties"):
            decide(post=post, actor=comms_reviewer, note="Looks fine to me")
    _unchanged(post)


def test_one_person_cannot_approve_both_stages_of_a_revision(
    sensitive: Post, comms_reviewer: User
) -> None:
    give_org_role(comms_reviewer, OrgRole.LEGAL_REVIEWER)
    services.post_approve(post=sensitive, actor=comms_reviewer)
    with pytest.raises(NotAllowed, match="different person"):
        services.post_approve(post=sensitive, actor=comms_reviewer, stage=Stage.LEGAL)
    sensitive.refresh_from_db()
    assert sensitive.state == PostState.IN_REVIEW
    assert Decision.objects.filter(post=sensitive).count() == 1


def test_reviewers_need_review_permission_on_the_account(
    in_review: Post, comms_department: Department
) -> None:
    """A comms reviewer outside the department that holds review_on on this account."""
    stranger = give_org_role(UserFactory.create(), OrgRole.COMMS_REVIEWER)
    with pytest.raises(NotAllowed, match="You do not review posts on Sales news"):
        services.post_approve(post=in_review, actor=stranger)
    _unchanged(in_review)


def test_review_permission_without_a_reviewer_role_is_not_enough(
    in_review: Post, comms_department: Department
) -> None:
    colleague = UserFactory.create()
    add_member(colleague, comms_department)  # holds review_on through the group, no role
    with pytest.raises(NotAllowed, match="Only comms and legal reviewers"):
        services.post_approve(post=in_review, actor=colleague)
    _unchanged(in_review)


def test_managers_and_smes_do_not_decide(in_review: Post, manager: User) -> None:
    with pytest.raises(NotAllowed):
        services.post_approve(post=in_review, actor=manager)
    _unchanged(in_review)


# --- The legal stage -------------------------------------------------------------------------


def test_a_sensitive_term_switches_on_the_legal_stage(
    sensitive: Post, comms_reviewer: User, legal_reviewer: User
) -> None:
    assert sensitive.legal_required is True
    assert sensitive.required_stages() == ("comms", "legal")

    services.post_approve(post=sensitive, actor=comms_reviewer)
    sensitive.refresh_from_db()
    assert sensitive.state == PostState.IN_REVIEW  # legal still open
    assert AuditEvent.objects.for_target(sensitive).filter(action="post.approve_stage").exists()

    services.post_approve(post=sensitive, actor=legal_reviewer)
    sensitive.refresh_from_db()
    assert sensitive.state == PostState.APPROVED


def test_legal_may_approve_first(
    sensitive: Post, comms_reviewer: User, legal_reviewer: User
) -> None:
    services.post_approve(post=sensitive, actor=legal_reviewer)
    sensitive.refresh_from_db()
    assert sensitive.state == PostState.IN_REVIEW
    services.post_approve(post=sensitive, actor=comms_reviewer)
    sensitive.refresh_from_db()
    assert sensitive.state == PostState.APPROVED


def test_legal_has_no_say_on_a_post_without_sensitive_content(
    in_review: Post, legal_reviewer: User
) -> None:
    assert in_review.legal_required is False
    with pytest.raises(NotAllowed, match="needs no legal review"):
        services.post_approve(post=in_review, actor=legal_reviewer)
    _unchanged(in_review)


def test_removing_the_sensitive_term_switches_legal_off_again(
    sensitive: Post, sme: User, comms_reviewer: User
) -> None:
    services.post_revise(post=sensitive, actor=sme, body="Our desk opens at 8.")
    sensitive.refresh_from_db()
    assert sensitive.legal_required is False
    services.post_approve(post=sensitive, actor=comms_reviewer)
    sensitive.refresh_from_db()
    assert sensitive.state == PostState.APPROVED


def test_adding_a_sensitive_term_during_review_switches_legal_on(
    in_review: Post, sme: User, comms_reviewer: User
) -> None:
    services.post_revise(post=in_review, actor=sme, body="We plan an acquisition.")
    in_review.refresh_from_db()
    assert in_review.legal_required is True
    services.post_approve(post=in_review, actor=comms_reviewer)
    in_review.refresh_from_db()
    assert in_review.state == PostState.IN_REVIEW


def test_an_edit_voids_a_partial_approval(
    sensitive: Post, sme: User, comms_reviewer: User, legal_reviewer: User
) -> None:
    """Comms approved revision 1; the author edits; legal's approval of revision 2 alone does
    not approve the post — comms must approve revision 2 too."""
    services.post_approve(post=sensitive, actor=comms_reviewer)
    services.post_revise(post=sensitive, actor=sme, body=SENSITIVE + " Details soon.")
    services.post_approve(post=sensitive, actor=legal_reviewer)
    sensitive.refresh_from_db()
    assert sensitive.state == PostState.IN_REVIEW
    services.post_approve(post=sensitive, actor=comms_reviewer)
    sensitive.refresh_from_db()
    assert sensitive.state == PostState.APPROVED


# --- Withdraw -------------------------------------------------------------------------------


def test_the_author_withdraws(in_review: Post, sme: User) -> None:
    services.post_withdraw(post=in_review, actor=sme, reason="Not needed any more.")
    in_review.refresh_from_db()
    assert in_review.state == PostState.WITHDRAWN


def test_the_author_withdraws_without_a_reason(in_review: Post, sme: User) -> None:
    services.post_withdraw(post=in_review, actor=sme)
    in_review.refresh_from_db()
    assert in_review.state == PostState.WITHDRAWN
    assert not Notification.objects.filter(recipient=sme).exists()


def test_comms_withdraws_and_the_author_is_told_why(
    in_review: Post, sme: User, comms_reviewer: User
) -> None:
    services.post_withdraw(post=in_review, actor=comms_reviewer, reason="Off-message this week.")
    in_review.refresh_from_db()
    assert in_review.state == PostState.WITHDRAWN
    notice = Notification.objects.get(recipient=sme, message__contains="withdrew your post")
    assert "Off-message this week." in notice.message
    event = AuditEvent.objects.for_target(in_review).get(action="post.withdraw")
    assert event.note == "Off-message this week."


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_comms_must_give_a_reason_to_withdraw(
    in_review: Post, comms_reviewer: User, reason: str | None
) -> None:
    with pytest.raises(InvalidInput, match="Add a reason") as refused:
        services.post_withdraw(post=in_review, actor=comms_reviewer, reason=reason)  # type: ignore[arg-type]
    assert refused.value.field == "reason"
    in_review.refresh_from_db()
    assert in_review.state == PostState.IN_REVIEW
    assert not AuditEvent.objects.for_target(in_review).filter(action="post.withdraw").exists()
    assert not Notification.objects.filter(message__contains="withdrew").exists()


def test_a_manager_cannot_withdraw_someone_elses_post(in_review: Post, manager: User) -> None:
    with pytest.raises(NotAllowed, match="Only the author or comms"):
        services.post_withdraw(post=in_review, actor=manager)
    in_review.refresh_from_db()
    assert in_review.state == PostState.IN_REVIEW


@pytest.mark.parametrize(
    "state",
    [
        PostState.PUBLISHING,
        PostState.PUBLISHED,
        PostState.FAILED,
        PostState.UNCONFIRMED,
        PostState.REJECTED,
        PostState.WITHDRAWN,
    ],
)
def test_withdraw_is_refused_from_publishing_on(draft: Post, sme: User, state: str) -> None:
    force_state(draft, state)
    with pytest.raises(Conflict):
        services.post_withdraw(post=draft, actor=sme)
    draft.refresh_from_db()
    assert draft.state == state
