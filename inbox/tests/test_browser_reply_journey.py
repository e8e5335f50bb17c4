"""A mention answered in public, in a real browser against mastodon-mock: the mention arrives,
the triager sends it to sales as a public response, the SME claims it and drafts the reply
with live guidance, comms approves and publishes it, it appears once on Mastodon threaded under
the mention, and the SME closes the conversation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals.models import Post, PostState
from approvals.tests.factories import make_account
from approvals.tests.test_browser_journey import _log_in, _log_out
from channels_app import services as channel_services
from channels_app.connectors.mastodon import html_to_text
from channels_app.tests.peers.fixtures import MastodonPeer
from inbox import ingestion
from inbox import tasks as inbox_tasks
from inbox.models import Conversation, ConversationState
from publishing import tasks

pytestmark = pytest.mark.browser


def test_a_mention_is_triaged_answered_under_review_published_as_a_reply_and_closed(
    page: Page, live_server: Any, transactional_db: None, mastodon_peer: MastodonPeer
) -> None:
    base = live_server.url
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    comms_department = DepartmentFactory.create(name="Communications", slug="communications")
    sme = UserFactory.create(email="sme@example.test", full_name="Sam Sales")
    add_member(sme, sales)
    comms = give_org_role(
        UserFactory.create(email="comms@example.test", full_name="Colin Comms"),
        OrgRole.COMMS_REVIEWER,
    )
    add_member(comms, comms_department)
    triager = give_org_role(
        UserFactory.create(email="triage@example.test", full_name="Tess Triage"), OrgRole.TRIAGE
    )
    add_member(triager, comms_department)
    account = make_account(
        sales,
        platform="mastodon",
        handle=mastodon_peer.handle(),
        display_name="Sales on Mastodon",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=mastodon_peer.credentials()
    )
    ingestion.account_poll(account=account)  # what other tests left on the shared instance
    tag = uuid.uuid4().hex[:8]
    mention = mastodon_peer.post_as("fan", f"@acme does the starter kit ship to Norway? {tag}")

    # The beat's poll: the mention arrives as a new conversation.
    ingestion.account_poll(account=account)
    conversation = Conversation.objects.get(brand_account=account, thread_key=mention["id"])
    url = f"{base}/inbox/{conversation.pk}/"

    _log_in(page, base, "triage@example.test")
    page.goto(url)
    expect(page.get_by_text(f"does the starter kit ship to Norway? {tag}")).to_be_visible()
    page.get_by_label("Public response").check()
    page.locator("select[name=department]").select_option("sales")
    page.get_by_role("button", name="Triage", exact=True).click()
    expect(page.get_by_text("Triaged.")).to_be_visible()
    _log_out(page)

    _log_in(page, base, "sme@example.test")
    page.goto(url)
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_text("Sam Sales answers it.")).to_be_visible()
    reply = f"It does: orders to Norway leave within two days. {tag}"
    page.locator("#reply-form textarea[name=body]").fill(reply)
    expect(page.locator("#guidance")).not_to_be_empty()  # live guidance answered
    page.get_by_role("button", name="Save the reply").click()
    expect(page.get_by_text("(In review)")).to_be_visible()
    post = Post.objects.get(reply_to_item_id=mention["id"])
    assert post.state == PostState.IN_REVIEW
    _log_out(page)

    _log_in(page, base, "comms@example.test")
    page.goto(f"{base}/posts/{post.pk}/review/")
    page.get_by_role("button", name="Approve").click()
    page.goto(f"{base}/posts/{post.pk}/")
    expect(page.locator("[data-state]")).to_have_text("Approved")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("Handed over for publishing.")).to_be_visible()
    _log_out(page)

    # The worker's turn (what `celery worker` runs for the queued message).
    assert tasks.publish_post(post.pk) == "published"
    assert tasks.publish_post(post.pk) == "skipped"
    context = mastodon_peer.api("GET", f"/api/v1/statuses/{mention['id']}/context")
    ours = [s for s in context["descendants"] if s["account"]["username"] == "acme"]
    assert len(ours) == 1
    assert ours[0]["in_reply_to_id"] == mention["id"]
    assert html_to_text(ours[0]["content"]) == f"@fan {reply}"
    inbox_tasks.sla_notices()  # the beat's service-level sweep notes the first response

    _log_in(page, base, "sme@example.test")
    page.goto(url)
    expect(page.locator("ul.replies")).to_contain_text("Published")
    page.get_by_role("button", name="Close").click()
    expect(page.locator("h1 + p .badge").first).to_have_text("Closed")
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.CLOSED
    assert conversation.first_response_at is not None
