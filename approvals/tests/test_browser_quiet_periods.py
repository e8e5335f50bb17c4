"""Quiet periods in a real browser: legal plans one on the page, the calendar shows it, and comms
scheduling a post inside it is refused with the window's reason; legal's exception then lets the
same time through."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Department
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from approvals.models import Post, PostState, QuietPeriod
from approvals.tests.factories import approved_post, sales_desk
from approvals.tests.test_browser_journey import _log_in, _log_out

pytestmark = pytest.mark.browser


def _local(day: Any, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def test_scheduling_into_a_quiet_period_is_refused_with_its_reason(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    base = live_server.url
    sme, comms, account = sales_desk()
    legal = give_org_role(
        UserFactory.create(email="legal@example.test", full_name="Lee Legal"),
        OrgRole.LEGAL_REVIEWER,
    )
    add_member(legal, Department.objects.get(slug="communications"))  # reviews Sales news
    post = approved_post(sme, account, comms, "Our new range is out on Tuesday.")
    today = timezone.localdate()
    tuesday = today + timedelta(days=7 - today.weekday() + 1)  # next week's Tuesday

    # 1. Legal plans the window on the page: the Sales news account, Tuesday 08:00 to 18:00.
    _log_in(page, base, legal.email)
    page.goto(f"{base}/quiet-periods/")
    page.get_by_label("Brand account", exact=True).select_option(str(account.pk))
    page.get_by_label("Starts at (included)").fill(f"{tuesday:%Y-%m-%d}T08:00")
    page.get_by_label("Ends at (excluded)").fill(f"{tuesday:%Y-%m-%d}T18:00")
    page.get_by_label("Reason").fill("Product launch blackout until the keynote ends.")
    page.get_by_role("button", name="Plan the quiet period").click()
    expect(page.locator(".messages")).to_contain_text("Quiet period planned on Sales news")
    period = QuietPeriod.objects.get()
    assert (period.starts_at, period.ends_at) == (_local(tuesday, 8), _local(tuesday, 18))
    _log_out(page)

    # 2. Comms sees it on the calendar, then tries to schedule the post inside it: refused.
    _log_in(page, base, comms.email)
    page.goto(f"{base}/calendar/?date={tuesday:%Y-%m-%d}")
    expect(page.locator(f'td[data-date="{tuesday:%Y-%m-%d}"] [data-quiet-day]')).to_contain_text(
        "Product launch blackout"
    )
    page.goto(f"{base}/posts/{post.pk}/")
    page.get_by_label("Publish at").fill(f"{tuesday:%Y-%m-%d}T10:00")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("falls in a quiet period on Sales news")
    expect(page.locator(".messages")).to_contain_text(
        "Product launch blackout until the keynote ends."
    )
    assert Post.objects.get(pk=post.pk).state == PostState.APPROVED
    # The end is excluded: 18:00 is allowed.
    page.get_by_label("Publish at").fill(f"{tuesday:%Y-%m-%d}T18:00")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Scheduled for")
    assert Post.objects.get(pk=post.pk).scheduled_at == _local(tuesday, 18)
    _log_out(page)

    # 3. Legal grants an exception from the review screen, with a note; the window no longer
    # refuses this post.
    _log_in(page, base, legal.email)
    page.goto(f"{base}/posts/{post.pk}/review/")
    page.get_by_label("Why this post may go out during the quiet period on Sales news").fill(
        "The launch post itself, cleared with the keynote team."
    )
    page.get_by_role("button", name="Grant an exception").click()
    expect(page.locator(".messages")).to_contain_text("may be published during the quiet period")
    expect(page.locator("[data-quiet-exception]")).to_contain_text("cleared with the keynote team")
