"""Pre-approved saved replies: on accounts where org admins allow it, a certified member of the
support department publishes a saved reply comms approved once without a review stage; guidance
hard checks and the audit still apply, and the same engine publishes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from activity.models import AuditEvent
from activity.selectors import audit_events_for
from approvals import replies, services
from approvals.models import CrisisPause, GuidanceTerm, Post, PostState
from approvals.tests.factories import make_account
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.tests.factories import grant_user
from core.errors import Conflict, InvalidInput, NotAllowed
from core.tests.celery_broker import QueuedTask
from training.models import PolicyAcknowledgement
from training.tests.factories import certify, make_course, make_policy

SAVED = "Thanks for telling us. We have sent you a private message to sort it out."


@pytest.fixture
def support(db: None) -> Department:
    return DepartmentFactory.create(name="Support", slug="support")


@pytest.fixture
def agent(support: Department) -> User:
    user = UserFactory.create(email="agent@example.test", full_name="Ana Agent")
    add_member(user, support)
    return user


@pytest.fixture
def care_account(support: Department, comms_department: Department) -> BrandAccount:
    """A Mastodon account support answers customers on, with replies pre-approved."""
    account = make_account(
        support,
        platform="mastodon",
        display_name="Acme care",
        handle="@care@mastodon.example",
        drafters=[support],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    BrandAccount.objects.filter(pk=account.pk).update(customer_service_replies_preapproved=True)
    account.refresh_from_db()
    return account


def _draft(actor: User, account: BrandAccount, text: str = SAVED) -> Post:
    return replies.reply_post_create(
        actor=actor,
        brand_account=account,
        text=text,
        reply_to_item_id="4242",
        raw_ref={"acct": "customer@example.social"},
        private=True,
    )


def test_a_saved_reply_skips_review_and_is_handed_to_the_engine_with_its_audit_event(
    agent: User,
    care_account: BrandAccount,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    post = _draft(agent, care_account)
    queued()

    with django_capture_on_commit_callbacks(execute=True):
        published = replies.reply_post_publish_preapproved(
            actor=agent, post=post, saved_reply_text=SAVED + "\r\n"
        )

    assert published.state == PostState.PUBLISHING
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING
    assert post.approved_at is not None
    assert post.submitted_at is None  # never in a review queue
    assert [t.args for t in queued()] == [(post.pk,)]
    event = audit_events_for(target=post).get(action="post.publish_preapproved")
    assert (event.actor, event.from_state, event.to_state) == (
        agent,
        PostState.DRAFT,
        PostState.PUBLISHING,
    )
    assert event.data["saved_reply"] is True
    assert event.data["reply_to_item_id"] == "4242"


def _refused(post: Post, actor: User, text: str = SAVED) -> NotAllowed:
    with pytest.raises(NotAllowed) as caught:
        replies.reply_post_publish_preapproved(actor=actor, post=post, saved_reply_text=text)
    post.refresh_from_db()
    assert post.state == PostState.DRAFT
    assert not AuditEvent.objects.filter(action="post.publish_preapproved").exists()
    return caught.value


def test_an_account_without_pre_approval_is_reviewed(
    agent: User, care_account: BrandAccount
) -> None:
    BrandAccount.objects.filter(pk=care_account.pk).update(
        customer_service_replies_preapproved=False
    )
    assert _refused(_draft(agent, care_account), agent).code == "not_preapproved"


def test_someone_outside_support_is_reviewed(sales: Department, care_account: BrandAccount) -> None:
    seller = UserFactory.create(email="seller@example.test")
    add_member(seller, sales)
    grant_user(care_account, seller, BrandAccountPerm.DRAFT_ON)
    assert _refused(_draft(seller, care_account), seller).code == "not_support"


def test_an_uncertified_agent_is_refused(agent: User, care_account: BrandAccount) -> None:
    course = make_course("Answering customers", platforms=("mastodon",))
    post = _draft(agent, care_account)
    error = _refused(post, agent)
    assert error.code == "requirements_missing"
    assert "Answering customers" in error.message
    certify(agent, course)
    replies.reply_post_publish_preapproved(actor=agent, post=post, saved_reply_text=SAVED)
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING


def test_the_current_policy_must_be_acknowledged(agent: User, care_account: BrandAccount) -> None:
    policy = make_policy()
    post = _draft(agent, care_account)
    assert _refused(post, agent).code == "requirements_missing"
    PolicyAcknowledgement.objects.create(policy=policy, user=agent, acknowledged_at=timezone.now())
    replies.reply_post_publish_preapproved(actor=agent, post=post, saved_reply_text=SAVED)


def test_an_edited_saved_reply_goes_to_review(agent: User, care_account: BrandAccount) -> None:
    post = _draft(agent, care_account, SAVED + " And here is a discount!")
    error = _refused(post, agent)
    assert (error.code, error.field) == ("not_the_saved_reply", "body")


def test_guidance_hard_checks_still_apply(agent: User, care_account: BrandAccount) -> None:
    too_long = "Sorry about that. " * 40  # beyond Mastodon's 500 characters
    error = _refused(_draft(agent, care_account, too_long), agent, too_long)
    assert error.code == "guidance"


def test_a_subject_legal_reviews_goes_to_review(agent: User, care_account: BrandAccount) -> None:
    GuidanceTerm.objects.create(
        kind=GuidanceTerm.Kind.SENSITIVE, phrase="refund*", advice="refunds"
    )
    text = "Your refund is on its way."
    assert _refused(_draft(agent, care_account, text), agent, text).code == "legal_required"


def test_only_the_author_and_only_replies(
    agent: User, support: Department, care_account: BrandAccount
) -> None:
    colleague = UserFactory.create(email="colleague@example.test")
    add_member(colleague, support)
    assert _refused(_draft(agent, care_account), colleague).code == "not_author"
    ordinary = services.post_create(actor=agent, brand_account=care_account, body=SAVED)
    assert _refused(ordinary, agent).code == "not_a_reply"


def test_a_crisis_pause_holds_it(
    agent: User, care_account: BrandAccount, comms_reviewer: User
) -> None:
    CrisisPause.objects.create(reason="Outage", set_by=comms_reviewer)
    assert _refused(_draft(agent, care_account), agent).code == "crisis_pause"


def test_a_quiet_period_holds_it(
    agent: User, care_account: BrandAccount, legal_reviewer: User
) -> None:
    services.quiet_period_create(
        actor=legal_reviewer,
        reason="Results embargo.",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=1),
        brand_account=care_account,
    )
    assert _refused(_draft(agent, care_account), agent).code == "quiet_period"


def test_a_reply_already_in_review_is_a_conflict(agent: User, care_account: BrandAccount) -> None:
    post = services.post_submit(post=_draft(agent, care_account), actor=agent)
    with pytest.raises(Conflict):
        replies.reply_post_publish_preapproved(actor=agent, post=post, saved_reply_text=SAVED)


def test_the_saved_replys_text_is_required(agent: User, care_account: BrandAccount) -> None:
    with pytest.raises(InvalidInput) as caught:
        replies.reply_post_publish_preapproved(
            actor=agent, post=_draft(agent, care_account), saved_reply_text="  "
        )
    assert caught.value.field == "saved_reply_text"


# --- The account's flag: org admins only --------------------------------------------------------


def test_org_admins_set_the_flag_through_the_api_and_others_may_not(
    api_as: Any, org_admin: User, manager: User, care_account: BrandAccount
) -> None:
    BrandAccount.objects.filter(pk=care_account.pk).update(
        customer_service_replies_preapproved=False
    )
    grant_user(care_account, manager, BrandAccountPerm.MANAGE)
    url = f"/api/v1/brand-accounts/{care_account.pk}/"

    refused = api_as(manager).patch(
        url, {"customer_service_replies_preapproved": True}, format="json"
    )
    assert refused.status_code == 403
    bad = api_as(org_admin).patch(
        url, {"customer_service_replies_preapproved": "perhaps"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["customer_service_replies_preapproved"] == ["Must be a valid boolean."]
    care_account.refresh_from_db()
    assert care_account.customer_service_replies_preapproved is False

    allowed = api_as(org_admin).patch(
        url, {"customer_service_replies_preapproved": True}, format="json"
    )
    assert allowed.status_code == 200
    assert allowed.json()["customer_service_replies_preapproved"] is True
    event = AuditEvent.objects.filter(action="brand_account.updated").latest("id")
    assert event.data["changes"] == {"customer_service_replies_preapproved": [False, True]}


def test_org_admins_set_the_flag_on_the_account_page(
    org_admin: User, manager: User, care_account: BrandAccount
) -> None:
    BrandAccount.objects.filter(pk=care_account.pk).update(
        customer_service_replies_preapproved=False
    )
    grant_user(care_account, manager, BrandAccountPerm.MANAGE)
    fields = {
        "display_name": care_account.display_name,
        "handle": care_account.handle,
        "department": care_account.department.slug,
        "customer_service_replies_preapproved": "on",
    }
    url = f"/brand-accounts/{care_account.pk}/edit/"

    def client(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    page = client(manager).get(url).content.decode()
    assert 'name="customer_service_replies_preapproved"' in page
    assert client(manager).post(url, fields).status_code == 302  # saved, the flag ignored
    care_account.refresh_from_db()
    assert care_account.customer_service_replies_preapproved is False

    assert client(org_admin).post(url, fields).status_code == 302
    care_account.refresh_from_db()
    assert care_account.customer_service_replies_preapproved is True
    detail = client(org_admin).get(f"/brand-accounts/{care_account.pk}/").content.decode()
    assert "Saved replies pre-approved for support" in detail
