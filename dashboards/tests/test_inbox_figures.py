"""The inbox's figures on the activity reports, against conversations at known instants: by
outcome, median time to first response, SLA breaches, per department and per person; the
same numbers in the pages, the CSV and the API. Runs on SQLite and PostgreSQL alike."""

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
from dashboards.reports import activity, inbox_figures
from dashboards.reports.inbox_figures import InboxFigures
from dashboards.reports.periods import Period
from inbox.models import Conversation, ConversationState, Outcome

pytestmark = pytest.mark.django_db

PERIOD = Period(
    first_day=date(2025, 3, 1), last_day=date(2025, 3, 31), zone=zoneinfo.ZoneInfo("UTC")
)
NOW = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def service_levels(settings: Any) -> None:
    settings.SOCIALHUB_INBOX_SLA_TRIAGE_HOURS = 1.0
    settings.SOCIALHUB_INBOX_SLA_HOURS = {
        Outcome.CUSTOMER_SERVICE: (1.0, 24.0),
        Outcome.PUBLIC_RESPONSE: (4.0, 72.0),
    }


def _conversation(
    account: BrandAccount,
    *,
    start: datetime = T0,
    outcome: str = "",
    department: Department | None = None,
    owner: User | None = None,
    assignee: User | None = None,
    triaged: timedelta | None = None,
    responded: timedelta | None = None,
    closed: timedelta | None = None,
) -> Conversation:
    if closed is not None:
        state = ConversationState.CLOSED
    elif outcome:
        state = ConversationState.TRIAGED
    else:
        state = ConversationState.NEW
    return Conversation.objects.create(
        brand_account=account,
        platform=account.platform,
        thread_key=f"thread-{Conversation.objects.count()}",
        first_item_at=start,
        last_item_at=start,
        state=state,
        outcome=outcome,
        department=department,
        owner=owner,
        assignee=assignee,
        triaged_at=start + triaged if triaged is not None else None,
        first_response_at=start + responded if responded is not None else None,
        closed_at=start + closed if closed is not None else None,
    )


@pytest.fixture
def known(
    sales: Department, rnd: Department, sme: User, manager: User, outsider: User
) -> dict[str, Any]:
    """A: answered in time. B: triaged late. C: first response late. D: never answered.
    E: closed at triage. F: never triaged. G: R&D's, in time. H: before the range."""
    account = make_account(sales, platform="mastodon")
    public, service = Outcome.PUBLIC_RESPONSE, Outcome.CUSTOMER_SERVICE
    made = {
        "A": _conversation(account, outcome=public, department=sales, owner=sme,
                           triaged=30 * MIN, responded=2 * HOUR, closed=10 * HOUR),
        "B": _conversation(account, outcome=public, department=sales, assignee=manager,
                           triaged=2 * HOUR, responded=3 * HOUR, closed=5 * HOUR),
        "C": _conversation(account, outcome=service, department=sales, owner=sme,
                           triaged=10 * MIN, responded=90 * MIN, closed=20 * HOUR),
        "D": _conversation(account, outcome=service, department=sales, owner=sme,
                           triaged=10 * MIN),
        "E": _conversation(account, outcome=Outcome.NO_RESPONSE, triaged=20 * MIN,
                           closed=20 * MIN),
        "F": _conversation(account, start=datetime(2025, 3, 30, 8, 0, tzinfo=UTC)),
        "G": _conversation(account, outcome=public, department=rnd, owner=outsider,
                           triaged=10 * MIN, responded=HOUR, closed=2 * HOUR),
        "H": _conversation(account, start=datetime(2025, 2, 20, 8, 0, tzinfo=UTC),
                           outcome=public, department=sales, owner=sme, triaged=5 * HOUR),
    }  # fmt: skip
    return made


SALES = InboxFigures(
    conversations=4,
    no_response=0,
    customer_service=2,
    public_response=2,
    untriaged=0,
    responded=3,
    breaches=3,  # B, C, D
    median_first_response_seconds=7200.0,  # of 5400, 7200, 10800
)


def test_the_departments_figures_and_its_people(
    known: dict[str, Any], sales: Department, sme: User, manager: User
) -> None:
    totals, people = inbox_figures.department_inbox(department=sales, period=PERIOD, now=NOW)

    assert totals == SALES
    by_email = {row.email: row.figures for row in people}
    assert set(by_email) == {sme.email, manager.email}
    assert by_email[sme.email] == InboxFigures(
        conversations=3,
        customer_service=2,
        public_response=1,
        responded=2,
        breaches=2,
        median_first_response_seconds=6300.0,  # of 5400 and 7200
    )
    assert by_email[manager.email] == InboxFigures(
        conversations=1, public_response=1, responded=1, breaches=1,
        median_first_response_seconds=10800.0,
    )  # fmt: skip


def test_the_organisations_figures_by_department_and_in_all(
    known: dict[str, Any], sales: Department, rnd: Department
) -> None:
    by_department = inbox_figures.inbox_by_department(period=PERIOD, now=NOW)
    totals = inbox_figures.inbox_totals(period=PERIOD, now=NOW)

    assert by_department[sales.pk] == SALES
    assert by_department[rnd.pk] == InboxFigures(
        conversations=1, public_response=1, responded=1, median_first_response_seconds=3600.0
    )
    assert by_department[None] == InboxFigures(
        conversations=2, no_response=1, untriaged=1, breaches=1
    )
    assert totals == InboxFigures(
        conversations=7,
        no_response=1,
        customer_service=2,
        public_response=3,
        untriaged=1,
        responded=4,
        breaches=4,
        median_first_response_seconds=6300.0,  # of 3600, 5400, 7200, 10800
    )
    rows = {
        row.department.pk: row for row in activity.organisation_activity(period=PERIOD, now=NOW)
    }
    assert rows[sales.pk].inbox == SALES


def test_a_conversation_still_waiting_breaches_once_its_time_passed(
    sales: Department,
) -> None:
    account = make_account(sales, platform="mastodon")
    waiting = _conversation(
        account, outcome=Outcome.CUSTOMER_SERVICE, department=sales, triaged=10 * MIN
    )
    before = waiting.first_item_at + 59 * MIN
    after = waiting.first_item_at + 61 * MIN

    assert (
        inbox_figures.department_inbox(department=sales, period=PERIOD, now=before)[0].breaches == 0
    )
    assert (
        inbox_figures.department_inbox(department=sales, period=PERIOD, now=after)[0].breaches == 1
    )


def _csv(response: Any) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(content)))


def test_the_department_page_csv_and_api_show_the_figures(
    known: dict[str, Any], api_as: Any, client: Any, manager: User, sales: Department, sme: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    query = "from=2025-03-01&to=2025-03-31"
    client.force_login(manager)

    page = client.get(f"/reports/departments/sales/?{query}").content.decode()
    assert 'data-figure="inbox-conversations"><span class="value">4<' in page
    assert 'data-figure="inbox-breaches"><span class="value">3<' in page
    assert 'data-figure="inbox-median"><span class="value">2 h<' in page

    lines = _csv(client.get(f"/reports/departments/sales/activity.csv?{query}"))
    assert ["inbox", "", "conversations", "4"] in lines
    assert ["inbox", "", "median_first_response_seconds", "7200.0"] in lines
    assert ["inbox_person", sme.email, "breaches", "2"] in lines

    data = api_as(manager).get(f"/api/v1/reports/department-activity/?department=sales&{query}")
    assert data.status_code == 200
    assert data.json()["inbox"] == {
        "conversations": 4,
        "no_response": 0,
        "customer_service": 2,
        "public_response": 2,
        "untriaged": 0,
        "responded": 3,
        "median_first_response_seconds": 7200.0,
        "breaches": 3,
        "cases_created": 0,
        "median_solve_seconds": None,
    }
    people = {row["email"]: row["figures"] for row in data.json()["inbox_people"]}
    assert people[sme.email]["median_first_response_seconds"] == 6300.0


def test_the_overview_page_csv_and_api_show_the_figures(
    known: dict[str, Any], api_as: Any, client: Any, org_admin: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    query = "from=2025-03-01&to=2025-03-31"
    client.force_login(org_admin)

    page = client.get(f"/reports/organisation/?{query}").content.decode()
    assert "7 conversations began in the range" in page
    assert "4 SLA breaches" in page

    response = client.get(f"/reports/organisation/activity.csv?{query}&sort=-inbox_breaches")
    header, first, *_rest = _csv(response)
    assert first[header.index("department")] == "sales"
    assert first[header.index("inbox_conversations")] == "4"
    assert first[header.index("inbox_breaches")] == "3"

    rows = api_as(org_admin).get(f"/api/v1/reports/organisation-activity/?{query}").json()
    sales_row = next(r for r in rows if r["department"]["slug"] == "sales")
    assert sales_row["inbox"]["public_response"] == 2
    assert sales_row["inbox"]["median_first_response_seconds"] == 7200.0


def test_more_conversations_cost_no_more_queries(
    known: dict[str, Any], client: Any, manager: User, org_admin: User, sales: Department,
    sme: User, django_assert_num_queries: Any,
) -> None:  # fmt: skip
    query = "from=2025-03-01&to=2025-03-31"
    pages = (
        (manager, f"/reports/departments/sales/?{query}"),
        (org_admin, f"/reports/organisation/?{query}"),
    )
    counts = []
    for user, url in pages:
        client.force_login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    account = known["A"].brand_account
    for hours in range(20):
        _conversation(account, outcome=Outcome.PUBLIC_RESPONSE, department=sales, owner=sme,
                      triaged=10 * MIN, responded=hours * HOUR)  # fmt: skip
    for (user, url), expected in zip(pages, counts, strict=True):
        client.force_login(user)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200
