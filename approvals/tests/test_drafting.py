"""Creating, revising and submitting posts: the author's side of the workflow."""

from __future__ import annotations

import pytest

import training.requirements
from accounts import authz
from accounts.models import Department, User
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from activity.models import AuditEvent
from approvals import services
from approvals.models import Decision, Post, PostState, Revision, Verdict
from approvals.tests.factories import approved_post, force_state, make_account, submitted_post
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput, NotAllowed
from training.requirements import MissingRequirement


def _nothing_written(post: Post, *, state: str, revisions: int, events: int) -> None:
    post.refresh_from_db()
    assert post.state == state
    assert post.revisions.count() == revisions
    assert AuditEvent.objects.for_target(post).count() == events


# --- create -----------------------------------------------------------------------------------


def test_create_makes_a_draft_with_revision_one(sme: User, account: BrandAccount) -> None:
    post = services.post_create(actor=sme, brand_account=account, body="Hello\r\nworld")

    post.refresh_from_db()
    assert (post.state, post.author, post.brand_account) == (PostState.DRAFT, sme, account)
    assert post.current_revision is not None
    assert (post.current_revision.number, post.current_revision.body) == (1, "Hello\nworld")
    event = AuditEvent.objects.for_target(post).get()
    assert (event.action, event.to_state, event.data["revision"]) == ("post.created", "draft", 1)


def test_the_post_belongs_to_the_department_through_which_the_author_drafts(
    sme: User, sales: Department, comms_department: Department
) -> None:
    """Sales drafts on an account communications owns: the post is sales' (their manager sees
    it)."""
    other = DepartmentFactory.create(name="Another", slug="another")
    add_member(sme, other)
    external = make_account(comms_department, platform="mastodon", drafters=[sales])

    post = services.post_create(actor=sme, brand_account=external, body="Hi")

    assert post.department == sales


def test_create_without_draft_permission_is_refused(outsider: User, account: BrandAccount) -> None:
    with pytest.raises(NotAllowed, match="You may not draft on Sales news"):
        services.post_create(actor=outsider, brand_account=account, body="Hi")
    assert not Post.objects.exists()


def test_create_on_a_switched_off_account_is_refused(sme: User, account: BrandAccount) -> None:
    BrandAccount.objects.filter(pk=account.pk).update(is_active=False)
    account.refresh_from_db()
    with pytest.raises(NotAllowed, match="switched off"):
        services.post_create(actor=sme, brand_account=account, body="Hi")
    assert not Post.objects.exists()


@pytest.mark.parametrize("body", [None, 42, "x" * (services.MAX_BODY_LENGTH + 1)])
def test_create_with_a_bad_body_is_bad_input(
    sme: User, account: BrandAccount, body: object
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.post_create(actor=sme, brand_account=account, body=body)  # type: ignore[arg-type]
    assert refused.value.field == "body"
    assert not Post.objects.exists()


# --- revise -----------------------------------------------------------------------------------


def test_revise_adds_the_next_revision_and_keeps_the_old_one(sme: User, draft: Post) -> None:
    services.post_revise(post=draft, actor=sme, body="Second wording")
    services.post_revise(post=draft, actor=sme, body="Third wording")

    draft.refresh_from_db()
    bodies = list(draft.revisions.order_by("number").values_list("number", "body"))
    assert bodies == [
        (1, "Our support desk opens at 8."),
        (2, "Second wording"),
        (3, "Third wording"),
    ]
    assert draft.current_revision is not None
    assert draft.current_revision.number == 3
    assert draft.state == PostState.DRAFT


def test_revise_with_an_unchanged_body_saves_nothing(sme: User, draft: Post) -> None:
    services.post_revise(post=draft, actor=sme, body=draft.body)
    _nothing_written(draft, state=PostState.DRAFT, revisions=1, events=1)


def test_revisions_are_never_overwritten(draft: Post) -> None:
    revision = Revision.objects.get(post=draft)
    revision.body = "tampered"
    with pytest.raises(TypeError, match="never changed"):
        revision.save()
    with pytest.raises(TypeError, match="never deleted"):
        revision.delete()


def test_only_the_author_may_revise(manager: User, draft: Post) -> None:
    with pytest.raises(NotAllowed, match="Only the author can edit"):
        services.post_revise(post=draft, actor=manager, body="Changed by someone else")
    _nothing_written(draft, state=PostState.DRAFT, revisions=1, events=1)


@pytest.mark.parametrize(
    "state",
    [
        PostState.SCHEDULED,
        PostState.PUBLISHING,
        PostState.PUBLISHED,
        PostState.FAILED,
        PostState.UNCONFIRMED,
        PostState.REJECTED,
        PostState.WITHDRAWN,
    ],
)
def test_revise_is_refused_where_the_table_forbids_it(sme: User, draft: Post, state: str) -> None:
    force_state(draft, state)
    with pytest.raises(Conflict):
        services.post_revise(post=draft, actor=sme, body="New")
    _nothing_written(draft, state=state, revisions=1, events=1)


def test_an_edit_after_approval_returns_to_review_and_voids_the_approval(
    sme: User, comms_reviewer: User, account: BrandAccount
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    approval = Decision.objects.get(post=post, verdict=Verdict.APPROVE)

    services.post_revise(post=post, actor=sme, body="A better wording")

    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW
    assert post.approved_at is None
    event = AuditEvent.objects.for_target(post).get(action="post.revise")
    assert event.data == {"revision": 2, "voided_approvals": [approval.pk]}
    # The old approval is history, not a vote for revision 2: comms must approve again.
    services.post_approve(post=post, actor=comms_reviewer)
    post.refresh_from_db()
    assert post.state == PostState.APPROVED
    assert Decision.objects.filter(post=post, verdict=Verdict.APPROVE).count() == 2


# --- submit -----------------------------------------------------------------------------------


def test_submit_sends_the_post_to_comms(sme: User, draft: Post) -> None:
    services.post_submit(post=draft, actor=sme)

    draft.refresh_from_db()
    assert draft.state == PostState.IN_REVIEW
    assert draft.legal_required is False
    assert draft.submitted_at is not None
    assert draft.first_submitted_at == draft.submitted_at
    assert draft.required_stages() == ("comms",)
    event = AuditEvent.objects.for_target(draft).get(action="post.submit")
    assert (event.from_state, event.to_state, event.data["revision"]) == ("draft", "in_review", 1)


def test_a_changes_requested_post_is_revised_then_submitted_again(
    sme: User, comms_reviewer: User, account: BrandAccount
) -> None:
    post = submitted_post(sme, account)
    services.post_request_changes(post=post, actor=comms_reviewer, note="Add the opening hours.")
    services.post_revise(post=post, actor=sme, body="Our desk opens at 8 and closes at 18.")
    post.refresh_from_db()
    assert post.state == PostState.CHANGES_REQUESTED

    services.post_submit(post=post, actor=sme)

    post.refresh_from_db()
    assert (post.state, post.revision_number) == (PostState.IN_REVIEW, 2)


def test_submit_with_a_hard_finding_is_refused_and_writes_nothing(
    sme: User, account: BrandAccount
) -> None:
    post = services.post_create(actor=sme, brand_account=account, body="   ")
    with pytest.raises(NotAllowed) as refused:
        services.post_submit(post=post, actor=sme)
    assert refused.value.field == "body"
    assert "The post is empty" in refused.value.message
    _nothing_written(post, state=PostState.DRAFT, revisions=1, events=1)


def test_only_the_author_may_submit(manager: User, draft: Post) -> None:
    with pytest.raises(NotAllowed, match="Only the author can submit"):
        services.post_submit(post=draft, actor=manager)
    _nothing_written(draft, state=PostState.DRAFT, revisions=1, events=1)


def test_submit_needs_draft_permission_still(sme: User, sales: Department, draft: Post) -> None:
    """A grant taken away after drafting: the draft stays, submitting is refused."""
    authz.revoke_from_group("draft_on", sales.group, draft.brand_account)
    with pytest.raises(NotAllowed, match="You may not draft on"):
        services.post_submit(post=draft, actor=sme)
    _nothing_written(draft, state=PostState.DRAFT, revisions=1, events=1)


def test_submit_turns_missing_training_into_a_refusal_naming_each_requirement(
    sme: User, draft: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one seam to the training part: whatever it reports missing refuses the submit with
    each of its messages. (The training part tests what it reports.)"""
    missing = [
        MissingRequirement(kind="certification", message="Pass the course 'Posting 101'."),
        MissingRequirement(kind="policy", message="Acknowledge the social media policy v3."),
    ]
    monkeypatch.setattr(training.requirements, "missing_requirements", lambda user, acc: missing)

    with pytest.raises(NotAllowed) as refused:
        services.post_submit(post=draft, actor=sme)

    assert refused.value.status_code == 403
    assert "Pass the course 'Posting 101'." in refused.value.message
    assert "Acknowledge the social media policy v3." in refused.value.message
    _nothing_written(draft, state=PostState.DRAFT, revisions=1, events=1)


@pytest.mark.parametrize(
    "state",
    [s for s in PostState.values if s not in (PostState.DRAFT, PostState.CHANGES_REQUESTED)],
)
def test_submit_is_refused_where_the_table_forbids_it(sme: User, draft: Post, state: str) -> None:
    force_state(draft, state)
    with pytest.raises(Conflict):
        services.post_submit(post=draft, actor=sme)
    _nothing_written(draft, state=state, revisions=1, events=1)


def test_a_person_without_any_department_can_still_author_through_a_personal_grant(
    account: BrandAccount,
) -> None:
    freelancer = UserFactory.create()
    authz.grant_to_user("draft_on", freelancer, account)
    post = services.post_create(actor=freelancer, brand_account=account, body="Hi")
    assert post.department == account.department
