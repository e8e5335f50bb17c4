"""Publishing in a real browser: comms publishes an approved post, the worker sends it to the
internal feed, the post page lists the attempt and links to the entry, and the author's
department reads it on its feed (an outsider may not)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals.models import Post, PostState
from approvals.tests.factories import approved_post, make_account
from approvals.tests.test_browser_journey import _log_in, _log_out
from publishing import tasks

pytestmark = pytest.mark.browser


def test_publish_now_reaches_the_department_feed(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    base = live_server.url
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    comms_department = DepartmentFactory.create(name="Communications", slug="communications")
    rnd = DepartmentFactory.create(name="R&D", slug="rnd")
    sme = UserFactory.create(email="sme@example.test", full_name="Sam Sales")
    add_member(sme, sales)
    outsider = UserFactory.create(email="rita@example.test", full_name="Rita Research")
    add_member(outsider, rnd)
    comms = give_org_role(
        UserFactory.create(email="comms@example.test", full_name="Colin Comms"),
        OrgRole.COMMS_REVIEWER,
    )
    add_member(comms, comms_department)
    account = make_account(
        sales,
        display_name="Sales news",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    post = approved_post(sme, account, comms, "Sales kick-off slides are on the intranet.")

    _log_in(page, base, "comms@example.test")
    page.goto(f"{base}/posts/{post.pk}/")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("Handed over for publishing.")).to_be_visible()
    expect(page.locator("h1 [data-state]")).to_have_text("Publishing")

    # The worker's turn (what `celery worker` runs for the queued message).
    assert tasks.publish_post(post.pk) == "published"

    page.reload()
    expect(page.locator("h1 [data-state]")).to_have_text("Published")
    attempts = page.get_by_role("region", name="Publishing attempts")
    expect(attempts.locator('tr[data-outcome="published"]')).to_have_count(1)
    attempts.get_by_role("link", name="view on the platform").click()
    expect(page.get_by_text("Sales kick-off slides are on the intranet.")).to_be_visible()
    _log_out(page)

    _log_in(page, base, "sme@example.test")
    # Less used entries sit under the navigation's "More" menu.
    page.get_by_role("navigation", name="Main").get_by_role("button", name="More").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Internal feed").click()
    page.get_by_role("navigation", name="Feeds").get_by_role("link", name="Sales").click()
    expect(page.get_by_text("Sales kick-off slides are on the intranet.")).to_be_visible()
    _log_out(page)

    _log_in(page, base, "rita@example.test")
    response = page.goto(f"{base}/feed/sales/")
    assert response is not None
    assert response.status == 404
    assert Post.objects.get(pk=post.pk).state == PostState.PUBLISHED
