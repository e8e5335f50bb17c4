"""A sales manager's journey through the real browser: log in, open the department's activity
from the menu, change the date range, download the CSV and read it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from accounts.models import Department, User
from accounts.tests.factories import PASSWORD
from dashboards.tests.factories import PARIS, Clock, build_known_activity, utc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def role_groups(transactional_db: None) -> None:
    """The organisation-role groups a data migration makes (emptied after transactional tests)."""
    from django.contrib.auth.models import Group

    from accounts.roles import GROUP_NAMES

    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)


def test_manager_changes_the_range_and_downloads_the_csv(
    role_groups: None,
    monkeypatch: pytest.MonkeyPatch,
    live_server: Any,
    page: Any,
    sales: Department,
    rnd: Department,
    comms_department: Department,
    sme: User,
    manager: User,
    outsider: User,
    comms_reviewer: User,
) -> None:
    manager.timezone = PARIS
    manager.save(update_fields=["timezone"])
    build_known_activity(
        Clock(monkeypatch, utc(3, 1, 8)),
        sales=sales,
        rnd=rnd,
        comms_department=comms_department,
        sme=sme,
        manager=manager,
        outsider=outsider,
        comms_reviewer=comms_reviewer,
    )
    monkeypatch.undo()  # the browser's session lives in real time

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
    page.wait_for_url("**/reports/departments/sales/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sales: activity"
    # The default range ends today, long after the known activity of March 2025.
    assert page.locator('[data-figure="drafted"] .value').inner_text() == "0"

    page.fill("#period-from", "2025-03-17")
    page.fill("#period-to", "2025-04-06")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/reports/departments/sales/?from=2025-03-17&to=2025-04-06")
    assert "From 17 Mar 2025 to 6 Apr 2025 (21 days, Europe/Paris)" in page.inner_text(
        "#period-summary"
    )
    assert page.locator('[data-figure="drafted"] .value').inner_text() == "5"
    assert page.locator('[data-figure="median"] .value').inner_text() == "10 h"
    assert page.locator("svg#weekly-activity").get_attribute("role") == "img"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "activity-sales-2025-03-17-2025-04-06.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0] == ["section", "subject", "metric", "value"]
    assert ["report", "", "from", "2025-03-17"] in rows
    assert ["totals", "", "drafted", "5"] in rows
    assert ["totals", "", "approved", "3"] in rows
    assert ["turnaround", "", "median_seconds", "36000.0"] in rows
    assert ["week", "2025-03-24", "submitted", "2"] in rows
