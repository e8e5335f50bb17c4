"""The whole journey in a real browser: an SME drafts with live guidance and submits, comms
comments on a passage and requests changes, the SME revises and resubmits, comms approves and
schedules; then an org admin pauses publishing and scheduling is refused."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import OrgRole
from accounts.tests.factories import (
    PASSWORD,
    DepartmentFactory,
    UserFactory,
    add_member,
    give_org_role,
)
from approvals.models import Post, PostState, ReviewComment
from approvals.tests.factories import make_account

pytestmark = pytest.mark.browser

SELECT_PASSAGE = """
(quote) => {
  const source = document.querySelector("[data-quote-source]");
  const text = source.textContent;
  const first = text.indexOf(quote);
  const last = first + quote.length;
  const walker = document.createTreeWalker(source, NodeFilter.SHOW_TEXT);
  let offset = 0, start = null, end = null, node;
  while ((node = walker.nextNode())) {
    const length = node.textContent.length;
    if (start === null && first < offset + length) start = [node, first - offset];
    if (end === null && last <= offset + length) { end = [node, last - offset]; break; }
    offset += length;
  }
  const range = document.createRange();
  range.setStart(start[0], start[1]);
  range.setEnd(end[0], end[1]);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  source.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}
"""


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_draft_review_revise_approve_schedule_then_crisis(
    page: Page, live_server: Any, transactional_db: None
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
    admin = give_org_role(
        UserFactory.create(email="admin@example.test", full_name="Ada Admin"), OrgRole.ORG_ADMIN
    )
    account = make_account(
        sales,
        display_name="Sales news",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )

    # 1. The SME drafts; the guidance flags press-release language while they type.
    _log_in(page, base, sme.email)
    page.goto(f"{base}/posts/new/")
    page.select_option("#id_brand_account", str(account.pk))
    page.fill("#id_body", "We are pleased to announce that our support desk opens at 8. Come by!")
    guidance = page.locator("#guidance")
    expect(guidance).to_contain_text("sounds like a press release")
    expect(guidance).to_contain_text("/ 10000")
    expect(page.locator("[data-preview]")).to_contain_text("our support desk opens at 8")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messages")).to_contain_text("Submitted for review")
    post = Post.objects.get()
    assert post.state == PostState.IN_REVIEW
    _log_out(page)

    # 2. Comms finds it in the queue, comments on the exact passage, requests changes.
    _log_in(page, base, comms.email)
    page.goto(f"{base}/review/")
    expect(page.locator("table")).to_contain_text("Sales")
    page.get_by_role("link", name=re.compile(rf"#{post.pk} · revision 1")).click()
    page.evaluate(SELECT_PASSAGE, "We are pleased to announce")
    expect(page.locator("[data-quote-preview]")).to_have_text("We are pleased to announce")
    page.fill("#id_comment_body", "Lead with the news itself.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".thread blockquote")).to_have_text("We are pleased to announce")
    comment = ReviewComment.objects.get()
    assert (comment.quote, comment.quote_start) == ("We are pleased to announce", 0)
    page.select_option("#changes-reason", "tone")
    page.fill("#changes-note", "Please drop the press-release opening.")
    page.get_by_role("button", name="Request changes").click()
    expect(page.locator(".messages")).to_contain_text("changes requested")
    _log_out(page)

    # 3. The SME sees the comment, revises and submits again.
    _log_in(page, base, sme.email)
    page.goto(f"{base}/posts/{post.pk}/")
    expect(page.locator("[data-state]")).to_have_text("Changes requested")
    expect(page.locator(".thread")).to_contain_text("Lead with the news itself.")
    page.get_by_role("link", name="Edit").first.click()
    page.fill("#id_body", "Our support desk opens at 8. Come by!")
    expect(page.locator("#guidance")).to_contain_text("No findings")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messages")).to_contain_text("Submitted for review")
    _log_out(page)

    # 4. Comms sees what changed, approves, and schedules it.
    _log_in(page, base, comms.email)
    page.goto(f"{base}/posts/{post.pk}/review/")
    expect(page.locator("pre.diff del")).to_contain_text("We are pleased to announce that our")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Comms: approved")
    page.goto(f"{base}/posts/{post.pk}/")
    expect(page.locator("[data-state]")).to_have_text("Approved")
    when = timezone.localtime(timezone.now() + timedelta(days=2))
    page.fill("#id_scheduled_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Scheduled for")
    expect(page.locator("[data-state]")).to_have_text("Scheduled")
    page.get_by_role("button", name="Unschedule").click()
    expect(page.locator("[data-state]")).to_have_text("Approved")
    _log_out(page)

    # 5. An org admin pauses publishing; the banner shows on every page.
    _log_in(page, base, admin.email)
    page.goto(f"{base}/crisis/")
    page.fill("#id_reason", "Incident at the plant")
    page.get_by_role("button", name="Pause publishing").click()
    expect(page.locator(".banner.crisis")).to_contain_text("Incident at the plant")
    _log_out(page)

    # 6. Scheduling is refused while the pause holds.
    _log_in(page, base, comms.email)
    expect(page.locator(".banner.crisis")).to_contain_text("Publishing is paused")
    page.goto(f"{base}/posts/{post.pk}/")
    page.fill("#id_scheduled_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        "Publishing is paused across the organisation (Incident at the plant)"
    )
    expect(page.locator("[data-state]")).to_have_text("Approved")
    post.refresh_from_db()
    assert (post.state, post.revision_number) == (PostState.APPROVED, 2)
