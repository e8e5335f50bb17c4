"""Helpdesk cases on the activity reports, against cases at known instants: handed over,
created, failed and solved in the range and the median time to solve, per department and per
person; the same numbers on the department page, the organisation overview, both CSVs and the
report API (`cases`, with the inbox's earlier copies), at a constant query count."""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from approvals.tests.factories import make_account
from channels_app.models import BrandAccount
from dashboards.reports import case_figures
from dashboards.reports.case_figures import CaseFigures
from dashboards.reports.periods import Period
from inbox.models import Case, CaseDelivery, Conversation, ConversationState, Outcome

pytestmark = pytest.mark.django_db

PERIOD = Period(
    first_day=date(2025, 3, 1), last_day=date(2025, 3, 31), zone=zoneinfo.ZoneInfo("UTC")
)
QUERY = "from=2025-03-01&to=2025-03-31"
NOW = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
BEFORE = datetime(2025, 2, 20, 9, 0, tzinfo=UTC)  # outside the range
HOUR = timedelta(hours=1)


def _conversation(
    account: BrandAccount, department: Department | None, owner: User | None = None
) -> Conversation:
    return Conversation.objects.create(
        brand_account=account,
        platform=account.platform,
        thread_key=f"thread-{Conversation.objects.count()}",
        first_item_at=T0,
        last_item_at=T0,
        state=ConversationState.TRIAGED,
        outcome=Outcome.CUSTOMER_SERVICE,
        department=department,
        owner=owner,
        triaged_at=T0,
    )


def _case(
    conversation: Conversation,
    *,
    state: str,
    at: datetime = T0,
    solved_after: timedelta | None = None,
) -> Case:
    case = Case.objects.create(
        conversation=conversation, external_id=f"socialhub-conversation-{conversation.pk}"
    )
    # The stamps are set on insert and save: put them where the case's story puts them.
    Case.objects.filter(pk=case.pk).update(
        state=state,
        created_at=at,
        updated_at=at + HOUR,
        delivered_at=at + HOUR if state == CaseDelivery.CREATED else None,
        solved_at=at + solved_after if solved_after is not None else None,
    )
    return case


@pytest.fixture
def known(sales: Department, rnd: Department, sme: User) -> dict[str, Any]:
    """Sales: five cases in March (two solved in 2 h and 4 h, one open, one failed, one still
    being handed over), one handed over in February and solved in March (after 19 days), one
    failed in February; R&D: one solved in 1 h; no department: one created."""
    account = make_account(sales, platform="mastodon")
    _case(_conversation(account, sales, sme), state=CaseDelivery.CREATED, solved_after=2 * HOUR)
    _case(_conversation(account, sales, sme), state=CaseDelivery.CREATED, solved_after=4 * HOUR)
    _case(_conversation(account, sales), state=CaseDelivery.CREATED)
    _case(_conversation(account, sales, sme), state=CaseDelivery.FAILED)
    _case(_conversation(account, sales), state=CaseDelivery.QUEUED)
    _case(
        _conversation(account, sales),
        state=CaseDelivery.CREATED,
        at=BEFORE,
        solved_after=timedelta(days=19),
    )
    _case(_conversation(account, sales), state=CaseDelivery.FAILED, at=BEFORE)
    _case(_conversation(account, rnd), state=CaseDelivery.CREATED, solved_after=HOUR)
    _case(_conversation(account, None), state=CaseDelivery.CREATED)
    _conversation(account, sales)  # no case
    return {"account": account}


SALES = CaseFigures(handed_over=5, created=3, failed=1, solved=3, median_solve_seconds=4 * 3600.0)


def test_the_figures_per_department_and_in_all(
    known: dict[str, Any], sales: Department, rnd: Department, sme: User
) -> None:
    assert case_figures.case_totals(period=PERIOD, department=sales) == SALES
    by_department = case_figures.cases_by_department(period=PERIOD)
    assert by_department[sales.pk] == SALES
    assert by_department[rnd.pk] == CaseFigures(
        handed_over=1, created=1, solved=1, median_solve_seconds=3600.0
    )
    assert by_department[None] == CaseFigures(handed_over=1, created=1)
    assert case_figures.case_totals(period=PERIOD) == CaseFigures(
        handed_over=7, created=5, failed=1, solved=4, median_solve_seconds=3 * 3600.0
    )
    by_person = case_figures.cases_by_person(department=sales, period=PERIOD)
    assert by_person[sme.pk] == CaseFigures(handed_over=3, created=2, failed=1, solved=2)


def test_nothing_in_the_range_is_all_zero(known: dict[str, Any], sales: Department) -> None:
    april = Period(
        first_day=date(2025, 4, 1), last_day=date(2025, 4, 30), zone=zoneinfo.ZoneInfo("UTC")
    )
    assert case_figures.case_totals(period=april, department=sales) == CaseFigures()


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_department_page_csv_and_api_show_the_cases(
    known: dict[str, Any], api_as: Any, client: Any, manager: User, sme: User
) -> None:
    client.force_login(manager)
    page = client.get(f"/reports/departments/sales/?{QUERY}").content.decode()
    assert 'data-figure="cases-created"><span class="value">3<' in page
    assert 'data-figure="cases-solved"><span class="value">3<' in page
    assert 'data-figure="cases-failed"><span class="value">1<' in page
    assert 'data-figure="cases-median-solve"><span class="value">4 h<' in page

    lines = _csv(client.get(f"/reports/departments/sales/activity.csv?{QUERY}"))
    assert ["cases", "", "handed_over", "5"] in lines
    assert ["cases", "", "created", "3"] in lines
    assert ["cases", "", "failed", "1"] in lines
    assert ["cases", "", "median_solve_seconds", "14400.0"] in lines

    data = api_as(manager).get(f"/api/v1/reports/department-activity/?department=sales&{QUERY}")
    assert data.status_code == 200
    body = data.json()
    assert body["cases"] == {
        "handed_over": 5,
        "created": 3,
        "failed": 1,
        "solved": 3,
        "median_solve_seconds": 14400.0,
    }
    # The inbox's earlier fields carry the same figures.
    assert (body["inbox"]["cases_created"], body["inbox"]["median_solve_seconds"]) == (3, 14400.0)
    people = {row["email"]: row["figures"] for row in body["inbox_people"]}
    assert people[sme.email]["cases_created"] == 2


def test_the_overview_page_csv_and_api_show_the_cases(
    known: dict[str, Any], api_as: Any, client: Any, org_admin: User
) -> None:
    client.force_login(org_admin)
    page = client.get(f"/reports/organisation/?{QUERY}").content.decode()
    assert "7 handed over, 5 created, 4 solved, 1 failed" in page
    assert 'data-figure="cases-median-solve">4 h<' in page

    response = client.get(f"/reports/organisation/activity.csv?{QUERY}&sort=-cases_created")
    header, first, *_rest = _csv(response)
    assert first[header.index("department")] == "sales"
    assert first[header.index("cases_created")] == "3"
    assert first[header.index("cases_median_solve_seconds")] == "14400.0"

    rows = api_as(org_admin).get(f"/api/v1/reports/organisation-activity/?{QUERY}").json()
    sales_row = next(r for r in rows if r["department"]["slug"] == "sales")
    assert sales_row["cases"]["solved"] == 3
    assert sales_row["inbox"]["cases_created"] == 3


def test_more_cases_cost_no_more_queries(
    known: dict[str, Any],
    client: Any,
    manager: User,
    org_admin: User,
    sales: Department,
    sme: User,
    django_assert_num_queries: Any,
) -> None:
    pages = (
        (manager, f"/reports/departments/sales/?{QUERY}"),
        (manager, f"/reports/departments/sales/activity.csv?{QUERY}"),
        (org_admin, f"/reports/organisation/?{QUERY}"),
        (org_admin, f"/reports/organisation/activity.csv?{QUERY}"),
    )
    counts = []
    for user, url in pages:
        client.force_login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        counts.append(len(captured.captured_queries))
    for hours in range(1, 21):
        _case(
            _conversation(known["account"], sales, sme),
            state=CaseDelivery.CREATED,
            solved_after=hours * HOUR,
        )
    for (user, url), expected in zip(pages, counts, strict=True):
        client.force_login(user)
        with django_assert_num_queries(expected):
            response = client.get(url)
            assert response.status_code == 200
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
