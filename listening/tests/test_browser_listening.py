"""Listening in a real browser: a product manager finds the organisation's stream in the
navigation, makes Product follow it, and sends a customer's post that needs an answer to
triage; the triager then finds it in the inbox."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals.tests.factories import make_account
from approvals.tests.test_browser_journey import _log_in, _log_out
from inbox.models import Conversation
from listening.models import StreamMatch
from listening.tests.factories import make_matches, make_stream

pytestmark = pytest.mark.browser


def test_a_manager_follows_a_stream_and_sends_a_match_to_triage(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    base = live_server.url
    comms_department = DepartmentFactory.create(name="Communications", slug="communications")
    product = DepartmentFactory.create(name="Product", slug="product")
    manager = UserFactory.create(email="pm@example.test", full_name="Pat Product")
    add_member(manager, product, "manager")
    triager = give_org_role(
        UserFactory.create(email="triage@example.test", full_name="Tess Triage"), OrgRole.TRIAGE
    )
    add_member(triager, comms_department)
    account = make_account(comms_department, platform="mastodon", display_name="Acme social")
    stream = make_stream(account, name="Widget talk", terms=(("hashtag", "widgets"),))
    customer, _other = make_matches(stream, 2)
    StreamMatch.objects.filter(pk=customer.pk).update(
        text="My #widgets order never arrived, can anyone help?"
    )

    _log_in(page, base, "pm@example.test")
    page.goto(f"{base}/listening/")
    page.get_by_role("link", name="Widget talk").click()
    expect(page.get_by_role("heading", name="Widget talk", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Matches a day, last 30 days")).to_be_visible()
    page.get_by_role("button", name="Follow for Product").click()
    expect(page.get_by_text("Product follows this stream.").first).to_be_visible()
    row = page.locator("tr", has_text="order never arrived")
    row.get_by_role("button", name="Send to triage").click()
    expect(row.get_by_text("sent to triage")).to_be_visible()
    conversation = Conversation.objects.get()
    expect(page.locator(f'a[href="/inbox/{conversation.pk}/"]')).to_be_visible()
    _log_out(page)

    _log_in(page, base, "triage@example.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    page.get_by_text("My #widgets order never arrived").first.wait_for()
    page.locator(f'a[href="/inbox/{conversation.pk}/"]').click()
    expect(page.get_by_text("Sent from the listening stream Widget talk.")).to_be_visible()
