"""Browser journey (Playwright driving Chromium): an org admin opens the people page from the
navigation, gives a person the triage role with the row's Save button (htmx swaps the row), and
is told in the row, without leaving the page, that the last org admin keeps the role."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_org_admin_sets_roles_row_by_row(
    page: Page, live_server: Any, org_admin: User, sme: User
) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(org_admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Less used entries sit under the navigation's "More" menu.
    page.get_by_role("navigation", name="Main").get_by_role("button", name="More").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People and roles")).to_be_visible()

    row = page.locator(f"#person-{sme.pk}")
    roles = row.get_by_role("group", name="Organisation roles of Sam Sales")
    roles.get_by_label("Triage").check()
    row.get_by_role("button", name="Save the roles of Sam Sales").click()
    expect(page.locator(f"#person-{sme.pk}").get_by_role("status")).to_have_text("Saved.")
    assert page.url == f"{base}/people/"  # the row was swapped in place, no page load
    expect(page.locator(f"#person-{sme.pk}").get_by_label("Triage")).to_be_checked()
    assert set(sme.groups.values_list("name", flat=True)) == {"department:sales", "Triage"}

    mine = page.locator(f"#person-{org_admin.pk}")
    mine.get_by_label("Org admin").uncheck()
    mine.get_by_role("button", name="Save the roles of Ada Admin").click()
    alert = page.locator(f"#person-{org_admin.pk}").get_by_role("alert")
    expect(alert).to_contain_text(re.compile("last active org admin"))
    expect(page.locator(f"#person-{org_admin.pk}").get_by_label("Org admin")).to_be_checked()
    assert not [text for text in console if "Content Security Policy" in text]
