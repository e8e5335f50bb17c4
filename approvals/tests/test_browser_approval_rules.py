"""Approval rules in a real browser: an org admin adds "Recruiting posts need HR" on the page; an
SME drafts a recruiting post and submits it; comms approves and the post now waits for HR; the
HR reviewer finds it in their queue, sees why, approves; the post is approved and comms
schedules it. axe-core finds no serious violation on the rules page or the review screen."""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, give_org_role
from approvals.models import ApprovalRule, Post, PostState
from approvals.tests.factories import sales_desk
from approvals.tests.test_browser_journey import _log_in, _log_out

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[2] / "dashboards" / "tests" / "axe" / "node_modules" / "axe-core"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}"""


def _axe(page: Page) -> list[str]:
    source = AXE / "axe.min.js"
    if not source.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is not installed: bash dashboards/tests/axe/install.sh")
        return []
    page.evaluate(source.read_text())
    return list(page.evaluate(RUN_AXE))


def test_a_recruiting_post_waits_for_hr_after_comms(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    base = live_server.url
    sme, comms, account = sales_desk()
    hr = give_org_role(
        UserFactory.create(email="hr@example.test", full_name="Harriet HR"), OrgRole.HR
    )
    admin = give_org_role(
        UserFactory.create(email="admin@example.test", full_name="Ada Admin"), OrgRole.ORG_ADMIN
    )

    # 1. The org admin adds the rule on the page.
    _log_in(page, base, admin.email)
    page.goto(f"{base}/approval-rules/")
    page.get_by_label("Rule name").fill("Recruiting posts need HR")
    page.get_by_label("When content guidance found").select_option(["recruiting"])
    page.get_by_label("Then add the stage").fill("HR")
    page.get_by_label("Its reviewers").select_option([str(hr.pk)])
    page.get_by_role("button", name="Add the rule").click()
    expect(page.locator(".messages")).to_contain_text("Rule “Recruiting posts need HR” added")
    expect(page.locator("table").first).to_contain_text("Harriet HR")
    assert _axe(page) == []
    rule = ApprovalRule.objects.get()
    _log_out(page)

    # 2. The SME drafts a recruiting post: guidance says so while they type; they submit.
    _log_in(page, base, sme.email)
    page.goto(f"{base}/posts/new/")
    page.select_option("#id_brand_account", str(account.pk))
    page.fill("#id_body", "We're hiring a field engineer in Lyon: apply on our careers page.")
    expect(page.locator("#guidance")).to_contain_text("makes this a recruiting post")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messages")).to_contain_text("Submitted for review")
    post = Post.objects.get()
    _log_out(page)

    # 3. Comms approves: the post now waits for HR.
    _log_in(page, base, comms.email)
    page.goto(f"{base}/posts/{post.pk}/review/")
    stages = page.get_by_role("list", name="Review stages")
    expect(stages).to_contain_text("Why: Rule “Recruiting posts need HR” (version 1)")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Comms: approved")
    page.goto(f"{base}/posts/{post.pk}/")
    expect(page.locator("[data-state]")).to_have_text("In review")
    expect(page.locator(f'[data-stage="{rule.stage_key}"]')).to_contain_text("waiting")
    expect(page.locator('[data-stage="comms"]')).to_contain_text("approved by Colin Comms")
    _log_out(page)

    # 4. HR finds it in their queue, sees why, and approves.
    _log_in(page, base, hr.email)
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=re.compile(rf"#{post.pk} · revision 1")).click()
    expect(page.get_by_role("list", name="Review stages")).to_contain_text(
        "content guidance found recruiting language"
    )
    assert _axe(page) == []
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("HR: approved")
    assert Post.objects.get(pk=post.pk).state == PostState.APPROVED
    _log_out(page)

    # 5. The post is approved, and comms schedules it.
    _log_in(page, base, comms.email)
    page.goto(f"{base}/posts/{post.pk}/")
    expect(page.locator("[data-state]")).to_have_text("Approved")
    day = timezone.localdate() + timedelta(days=1)
    when = datetime.combine(day, time(10, 0))
    page.fill("#id_scheduled_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Scheduled for")
    assert Post.objects.get(pk=post.pk).state == PostState.SCHEDULED
