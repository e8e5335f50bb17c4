"""A sales manager opens the department's activity in the real browser and reads the engagement
of a post published on the internal feed, collected by the real collection run; one account's
figures are unavailable and say so. axe-core finds no serious violation on the page."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import PASSWORD
from approvals.models import Post, PostState
from approvals.tests.factories import make_account, make_post
from channels_app.connectors import PostPayload
from publishing import engagement
from publishing.internal_feed import InternalConnector
from publishing.models import FeedComment, FeedEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}"""


@pytest.fixture
def role_groups(transactional_db: None) -> None:
    """The organisation-role groups a data migration makes (emptied after transactional tests)."""
    from django.contrib.auth.models import Group

    from accounts.roles import GROUP_NAMES

    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)


def _publish(author: User, account: Any, external_id: str, published_at: Any) -> Post:
    post = make_post(author, account, f"Team news {uuid.uuid4().hex[:6]}")
    Post.objects.filter(pk=post.pk).update(
        state=PostState.PUBLISHED, published_at=published_at, external_id=external_id
    )
    return post


def test_manager_reads_a_published_posts_engagement(
    role_groups: None,
    settings: Any,
    live_server: Any,
    page: Any,
    sales: Department,
    sme: User,
    manager: User,
) -> None:
    settings.SOCIALHUB_ENGAGEMENT_AFTER_HOURS = [1.0, 24.0, 168.0]
    feed = make_account(sales, platform="internal", display_name="Sales feed")
    result = InternalConnector().publish(
        {"brand_account": str(feed.pk)},
        PostPayload(text="Team news", idempotency_key=str(uuid.uuid4())),
    )
    entry = FeedEntry.objects.get(pk=int(result.external_id))
    FeedComment.objects.create(entry=entry, author=manager, text="Well done")
    FeedComment.objects.create(entry=entry, author=sme, text="Thanks")
    FeedComment.objects.create(entry=entry, author=manager, text="More please")
    # Two hours ago: today or yesterday, inside the default range (the last 30 days) either way.
    published_at = timezone.now() - timedelta(hours=2)
    _publish(sme, feed, result.external_id, published_at)
    loose = make_account(sales, platform="mastodon", display_name="Sales on Mastodon")
    _publish(sme, loose, "111", published_at)

    report = engagement.engagement_collect(now=timezone.now())
    assert (report.stored, report.unavailable) == (1, 1)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
    page.wait_for_url("**/reports/departments/sales/")

    section = page.get_by_role("region", name="Engagement of published posts")
    section.scroll_into_view_if_needed()
    assert page.locator('[data-figure="engagement-posts"] .value').inner_text() == "2"
    assert page.locator('[data-figure="engagement-replies"] .value').inner_text() == "3"
    # The internal feed counts no likes: shown as not reported, not as 0.
    assert page.locator('[data-figure="engagement-likes"] .value').inner_text() == "—"
    assert page.locator("svg#account-engagement").get_attribute("role") == "img"
    accounts = page.locator("#engagement-accounts-table")
    assert "Unavailable: Sales on Mastodon is not connected" in accounts.inner_text()
    feed_row = accounts.get_by_role("row", name="Sales feed (internal)")
    assert "3" in feed_row.inner_text()

    if AXE.exists():
        page.evaluate(AXE.read_text())
        assert page.evaluate(RUN_AXE) == []
