"""The inbox in a real browser: an employee asks a question under a feed entry; the poll brings
it into the inbox; the triager assigns it to sales as a public response with the keyboard; an
SME claims it and drafts the reply; comms approves and publishes it; the answer appears under
the question once, and the SME closes the conversation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals import services as post_services
from approvals.models import Post
from approvals.tests.factories import approved_post, make_account
from approvals.tests.test_browser_journey import _log_in, _log_out
from inbox import ingestion
from inbox.models import Conversation
from publishing import tasks
from publishing.feed_comments import feed_comment_add
from publishing.models import FeedComment, FeedEntry

pytestmark = pytest.mark.browser


def test_a_feed_question_is_triaged_claimed_answered_and_closed(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    base = live_server.url
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    comms_department = DepartmentFactory.create(name="Communications", slug="communications")
    sme = UserFactory.create(email="sme@example.test", full_name="Sam Sales")
    add_member(sme, sales)
    colleague = UserFactory.create(email="cole@example.test", full_name="Cole League")
    add_member(colleague, sales)
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
        display_name="Sales news",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    entry_post = approved_post(sme, account, comms, "The new price list is out.")
    post_services.post_publish_now(post=entry_post, actor=comms)
    assert tasks.publish_post(entry_post.pk) == "published"
    entry = FeedEntry.objects.get()
    ingestion.account_poll(account=account)  # the first poll marks where to start
    feed_comment_add(actor=colleague, entry=entry, text="Does it include the export prices?")
    assert ingestion.account_poll(account=account).stored == 1  # the worker's poll
    conversation = Conversation.objects.get()

    _log_in(page, base, "triage@example.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name="Cole League").click()
    expect(page.get_by_text("Does it include the export prices?")).to_be_visible()
    page.wait_for_load_state("load")  # the shortcuts' script is deferred
    page.keyboard.press("p")
    expect(page.get_by_label("Public response")).to_be_checked()
    page.get_by_label("Department").select_option("sales")
    page.locator("body").click()
    page.keyboard.press("t")
    expect(page.get_by_text("Triaged.")).to_be_visible()
    _log_out(page)

    _log_in(page, base, "sme@example.test")
    page.goto(f"{base}/inbox/?tab=department")
    page.get_by_role("link", name="Cole League").click()
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_text("It is yours to answer.")).to_be_visible()
    page.locator("#id_body").fill("Yes: the export prices are on page 2.")
    page.get_by_role("button", name="Save the reply").click()
    expect(page.get_by_text("Reply saved as post")).to_be_visible()
    reply = Post.objects.get(reply_to_item_id__startswith="comment-")
    assert reply.state == "in_review"

    post_services.post_approve(post=reply, actor=comms)
    post_services.post_publish_now(post=Post.objects.get(pk=reply.pk), actor=comms)
    assert tasks.publish_post(reply.pk) == "published"
    answers = FeedComment.objects.filter(entry=entry, brand_account=account)
    assert answers.count() == 1

    page.reload()
    expect(page.locator(".replies").get_by_text("Published")).to_be_visible()
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_text("Closed.")).to_be_visible()
    conversation.refresh_from_db()
    assert (conversation.state, conversation.owner) == ("closed", sme)
