"""The reviewer's tools in a real browser: bulk approve from the queue, moving a scheduled post
on the calendar with the keyboard's Move form and with drag and drop, Undo, and the @mention
autocomplete of the comment form."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from approvals.models import Post, PostState
from approvals.tests.factories import sales_desk, scheduled_post, submitted_post
from approvals.tests.test_browser_journey import _log_in

pytestmark = pytest.mark.browser


def _local(day: Any, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _scheduled_at(post: Post) -> datetime | None:
    return Post.objects.get(pk=post.pk).scheduled_at


def test_bulk_approve_move_undo_drag_and_mention(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    base = live_server.url
    sme, comms, account = sales_desk()
    waiting = [submitted_post(sme, account, f"Desk news number {n}.") for n in range(3)]
    today = timezone.localdate()
    tuesday = today + timedelta(days=7 - today.weekday() + 1)  # next week's Tuesday
    planned = scheduled_post(sme, account, comms, at=_local(tuesday, 10), body="Planned post.")

    _log_in(page, base, comms.email)

    # 1. Bulk approve: select all in the queue, approve, one result per post.
    page.goto(f"{base}/review/?sort=newest")
    page.get_by_label("Select all on this page").check()
    expect(page.locator("[data-selected-count]")).to_have_text("3 posts selected")
    page.get_by_label("Action").select_option("approve")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve: 3 done, 0 not done")
    expect(page.locator("[data-bulk-result]")).to_have_count(3)
    assert {Post.objects.get(pk=p.pk).state for p in waiting} == {PostState.APPROVED}
    page.get_by_role("link", name="Back to the list").click()
    expect(page).to_have_url(f"{base}/review/?sort=newest")

    # 2. The keyboard's Move form: open it, type the new time, press Enter; then Undo.
    page.goto(f"{base}/calendar/?date={tuesday:%Y-%m-%d}")
    summary = page.locator("summary", has_text=f"Move post #{planned.pk}")
    summary.focus()
    page.keyboard.press("Enter")
    field = page.get_by_label(f"New time for post #{planned.pk}")
    thursday = tuesday + timedelta(days=2)
    field.fill(f"{thursday:%Y-%m-%d}T11:30")
    field.press("Enter")
    expect(page.locator(".messages")).to_contain_text(f"Post #{planned.pk} moved to")
    assert _scheduled_at(planned) == _local(thursday, 11) + timedelta(minutes=30)
    thursday_cell = page.locator(f'td[data-date="{thursday:%Y-%m-%d}"]')
    expect(thursday_cell.locator(f'[data-move-post="{planned.pk}"]')).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    expect(page.locator(".messages")).to_contain_text("moved back")
    assert _scheduled_at(planned) == _local(tuesday, 10)

    # 3. Drag and drop onto Wednesday: same time of day, through the same page and service.
    wednesday = tuesday + timedelta(days=1)
    page.wait_for_load_state("load")  # the drag handlers come from a deferred script
    page.drag_and_drop(f'[data-move-post="{planned.pk}"]', f'td[data-date="{wednesday:%Y-%m-%d}"]')
    expect(page.locator(".messages")).to_contain_text(f"Post #{planned.pk} moved to")
    assert _scheduled_at(planned) == _local(wednesday, 10)
    expect(page.get_by_role("button", name="Undo")).to_be_visible()

    # 4. @mention autocomplete on a post in review: people who may see it, picked with Enter.
    in_review = submitted_post(sme, account, "One more for review.")
    page.goto(f"{base}/posts/{in_review.pk}/review/")
    box = page.locator("#id_comment_body")
    box.click()
    box.press_sequentially("Please check, @sa")
    option = page.get_by_role("option", name="Sam Sales (@sme)")
    expect(option).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value("Please check, @sme ")
    box.press_sequentially("thanks")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".thread").last).to_contain_text("@sme thanks")
    assert sme.notifications.filter(kind="mention").count() == 1
