"""Images in a real browser: the SME attaches two images, orders them and writes their alt
text, submits; comms sees them with their alt text on the review screen and approves, then
schedules. (Publishing itself is the engine's.)"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from approvals.models import MediaAttachment, Post, PostState
from approvals.tests.factories import sales_desk
from approvals.tests.media_factories import gps_photo, picture
from approvals.tests.test_browser_journey import _log_in, _log_out
from publishing import tasks

pytestmark = pytest.mark.browser


def test_attach_describe_submit_review_approve_publish(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    base = live_server.url
    sme, comms, account = sales_desk()

    # 1. The SME attaches two images; previews appear, guidance asks for alt text.
    _log_in(page, base, sme.email)
    page.goto(f"{base}/posts/new/")
    page.select_option("#id_brand_account", str(account.pk))
    page.fill("#id_body", "Our stand at the trade fair, and the view from it.")
    page.set_input_files(
        "#id_images",
        [
            FilePayload(name="stand.jpg", mimeType="image/jpeg", buffer=gps_photo()),
            FilePayload(name="view.png", mimeType="image/png", buffer=picture(seed=4)),
        ],
    )
    items = page.locator("[data-media-items] .media-item")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator("img.media-preview")).to_be_visible()
    expect(page.locator("#guidance")).to_contain_text("Image 1 has no alt text")

    # 2. The view goes first; each gets its alt text.
    page.get_by_role("button", name="Move up image 2").click()
    expect(items.nth(0)).to_contain_text("view.png")
    items.nth(0).locator("textarea").fill("The hall seen from our stand, full of visitors")
    items.nth(1).locator("textarea").fill("Our stand with the new scanner on a table")
    expect(page.locator("#guidance")).not_to_contain_text("has no alt text")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messages")).to_contain_text("Submitted for review")

    post = Post.objects.get()
    assert post.state == PostState.IN_REVIEW
    rows = list(MediaAttachment.objects.filter(revision=post.current_revision).order_by("order"))
    assert [r.alt_text for r in rows] == [
        "The hall seen from our stand, full of visitors",
        "Our stand with the new scanner on a table",
    ]
    assert [r.content_type for r in rows] == ["image/png", "image/jpeg"]
    _log_out(page)

    # 3. Comms sees both images with their alt text on the review screen, and approves.
    _log_in(page, base, comms.email)
    page.goto(f"{base}/posts/{post.pk}/review/")
    shown = page.locator(".post-images .post-image")
    expect(shown).to_have_count(2)
    expect(shown.nth(0)).to_contain_text("The hall seen from our stand")
    expect(shown.nth(1).locator("img")).to_have_attribute(
        "alt", "Our stand with the new scanner on a table"
    )
    loaded = page.evaluate(
        "Array.from(document.querySelectorAll('.post-images img')).map(i => i.naturalWidth)"
    )
    assert all(width > 0 for width in loaded)  # the files really are served to comms
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Comms: approved")

    # 4. ...and publishes it: the worker delivers the post with both images to the feed.
    page.goto(f"{base}/posts/{post.pk}/")
    expect(page.locator("[data-state]")).to_have_text("Approved")
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("Handed over for publishing.")).to_be_visible()
    assert tasks.publish_post(post.pk) == "published"  # what `celery worker` runs
    page.reload()
    expect(page.locator("h1 [data-state]")).to_have_text("Published")
    attempts = page.get_by_role("region", name="Publishing attempts")
    attempts.get_by_role("link", name="view on the platform").click()
    feed_images = page.locator(".feed-images img")
    expect(feed_images).to_have_count(2)
    expect(feed_images.nth(0)).to_have_attribute(
        "alt", "The hall seen from our stand, full of visitors"
    )
    # The files really are served to the feed's readers (fails on a broken image).
    # Polled from here: `wait_for_function` re-evaluates its predicate with eval() inside the
    # page, which our Content-Security-Policy (rightly) refuses once the first check fails.
    deadline = time.monotonic() + 10
    while not page.evaluate(
        "Array.from(document.querySelectorAll('.feed-images img'))"
        ".every(i => i.complete && i.naturalWidth > 0)"
    ):
        assert time.monotonic() < deadline, "the feed's images did not load"
        page.wait_for_timeout(100)
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED
