"""Activity report pages, CSV downloads and API endpoints: who may open what (404 / 403), bad
input (400 with a field message), the figures as shown, and constant query counts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import authz
from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from dashboards.tests.factories import (
    PARIS,
    Clock,
    KnownActivity,
    build_known_activity,
    known_period_query,
    more_posts,
    utc,
)

pytestmark = pytest.mark.django_db

PAGE = "/reports/departments/sales/"
CSV = "/reports/departments/sales/activity.csv"
API = "/api/v1/reports/department-activity/"
QUEUE = "/reports/review-queue/"
QUEUE_API = "/api/v1/reports/review-queue-health/"
OVERVIEW = "/reports/organisation/"
OVERVIEW_API = "/api/v1/reports/organisation-activity/"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, utc(3, 1, 8))


@pytest.fixture
def rnd_manager(rnd: Department) -> User:
    user = UserFactory.create(email="rnd.manager@example.test", full_name="Rhea Manager")
    add_member(user, rnd, "manager")
    return user


@pytest.fixture
def known(
    clock: Clock,
    sales: Department,
    rnd: Department,
    comms_department: Department,
    sme: User,
    manager: User,
    outsider: User,
    comms_reviewer: User,
) -> KnownActivity:
    manager.timezone = PARIS
    manager.save(update_fields=["timezone"])
    return build_known_activity(
        clock,
        sales=sales,
        rnd=rnd,
        comms_department=comms_department,
        sme=sme,
        manager=manager,
        outsider=outsider,
        comms_reviewer=comms_reviewer,
    )


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- Who may open what --------------------------------------------------------------------------

CAST = ["sme", "rnd_manager", "manager", "comms_reviewer", "legal_reviewer", "hr_user", "org_admin"]

# (person, department page and API, queue health, organisation overview)
EXPECTED = {
    "sme": (403, 403, 403),  # a plain member of sales: sees the department, not its activity
    "rnd_manager": (404, 403, 403),  # another department's manager may not know sales exists
    "manager": (200, 403, 403),
    "comms_reviewer": (200, 200, 403),
    "legal_reviewer": (404, 403, 403),  # in communications, not a sales insider
    "hr_user": (403, 403, 403),  # HR sees every department and its training, not posting
    "org_admin": (200, 200, 200),
}


@pytest.mark.parametrize("who", CAST)
def test_permission_matrix(request: pytest.FixtureRequest, who: str, known: KnownActivity) -> None:
    user: User = request.getfixturevalue(who)
    department, queue, overview = EXPECTED[who]
    client = _client(user)
    query = known_period_query()
    assert client.get(f"{PAGE}?{query}").status_code == department
    assert client.get(f"{CSV}?{query}").status_code == department
    assert client.get(f"{API}?department=sales&{query}").status_code == department
    assert client.get(f"{API}?department=sales&{query}&format=csv").status_code == department
    assert client.get(QUEUE).status_code == queue
    assert client.get(f"{QUEUE}health.csv").status_code == queue
    assert client.get(QUEUE_API).status_code == queue
    assert client.get(OVERVIEW).status_code == overview
    assert client.get(f"{OVERVIEW}activity.csv").status_code == overview
    assert client.get(OVERVIEW_API).status_code == overview


def test_a_missing_department_is_404_for_everyone(org_admin: User) -> None:
    client = _client(org_admin)
    assert client.get("/reports/departments/nope/").status_code == 404
    assert client.get(f"{API}?department=nope").status_code == 404


def test_anonymous_callers_are_sent_to_log_in_or_refused(sales: Department) -> None:
    client = Client()
    for url in (PAGE, CSV, QUEUE, OVERVIEW, "/reports/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    for url in (f"{API}?department=sales", QUEUE_API, OVERVIEW_API):
        assert client.get(url).status_code == 401  # WWW-Authenticate: Token


def test_reports_home(manager: User, comms_reviewer: User, sme: User, hr_user: User) -> None:
    # A manager of one department goes straight to its page.
    response = _client(manager).get("/reports/")
    assert response.status_code == 302
    assert response["Location"] == PAGE
    body = _client(comms_reviewer).get("/reports/").content.decode()
    assert 'href="/reports/departments/sales/"' in body
    assert 'href="/reports/review-queue/"' in body
    assert 'href="/reports/organisation/"' not in body
    assert _client(sme).get("/reports/").status_code == 403
    assert _client(hr_user).get("/reports/").status_code == 403


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("sme", False),
        ("hr_user", False),
        ("legal_reviewer", False),
        ("manager", True),
        ("comms_reviewer", True),
        ("org_admin", True),
    ],
)
def test_navigation_entry_only_for_people_entitled(
    request: pytest.FixtureRequest, who: str, shown: bool
) -> None:
    user: User = request.getfixturevalue(who)
    body = _client(user).get("/").content.decode()
    assert ('href="/reports/"' in body) is shown


def test_the_navigation_check_costs_no_query_of_its_own(manager: User, sme: User) -> None:
    """The roles query every page makes already says whether the person manages a department."""
    for user, expected in ((manager, True), (sme, False)):
        fresh = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as queries:
            authz.org_roles(fresh)
            assert authz.may_open_activity_reports(fresh) is expected
        assert len(queries.captured_queries) == 1


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2025-13-01", "from", "YYYY-MM-DD"),
        ("from=yesterday", "from", "YYYY-MM-DD"),
        ("to=2025-02-30", "to", "YYYY-MM-DD"),
        ("from=2025-04-02&to=2025-04-01", "from", "on or before"),
        ("from=2023-01-01&to=2025-01-01", "to", "at most 366 days"),
    ],
)
def test_bad_dates_are_400_with_a_message(
    manager: User, query: str, field: str, message: str
) -> None:
    client = _client(manager)
    page = client.get(f"{PAGE}?{query}")
    assert page.status_code == 400
    html = page.content.decode()
    assert f'id="period-{field}-error"' in html
    assert message in html
    api = client.get(f"{API}?department=sales&{query}")
    assert api.status_code == 400
    assert message in api.json()[field][0]
    assert client.get(f"{CSV}?{query}").status_code == 400


def test_api_needs_a_department(manager: User) -> None:
    response = _client(manager).get(API)
    assert response.status_code == 400
    assert response.json()["department"] == ["Choose a department by its slug."]


def test_unknown_sort_column_is_400(org_admin: User) -> None:
    client = _client(org_admin)
    assert client.get(f"{OVERVIEW}?sort=shoe_size").status_code == 400
    response = client.get(f"{OVERVIEW_API}?sort=shoe_size")
    assert response.status_code == 400
    assert "Sort by one of" in response.json()["sort"][0]


def test_default_range_is_the_last_30_days_in_the_viewers_zone(manager: User, clock: Clock) -> None:
    manager.timezone = "Pacific/Auckland"
    manager.save(update_fields=["timezone"])
    clock.set(utc(4, 10, 20))  # already 11 April in Auckland (UTC+12)
    data = _client(manager).get(f"{API}?department=sales").json()
    assert data["period"]["first_day"] == "2025-03-13"
    assert data["period"]["last_day"] == "2025-04-11"
    assert data["period"]["time_zone"] == "Pacific/Auckland"


# --- What the page, the CSV and the API show -----------------------------------------------------


def test_page_shows_the_figures(manager: User, known: KnownActivity) -> None:
    response = _client(manager).get(f"{PAGE}?{known_period_query()}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="drafted"><span class="value">5<' in html
    assert 'data-figure="approved"><span class="value">3<' in html
    assert 'data-figure="waiting"><span class="value">1<' in html
    assert 'data-figure="median"><span class="value">10 h<' in html
    assert 'data-figure="p90"><span class="value">4 d 7 h<' in html  # 373,320 s
    assert 'data-figure="rejection_rate"><span class="value">20 %<' in html
    assert 'data-figure="revisions"><span class="value">1.25<' in html
    # The charts are accessible SVG, with the numbers in tables as well.
    assert 'role="img" aria-labelledby="weekly-activity-title weekly-activity-desc"' in html
    assert "<title>24 Mar: Sent to review 2</title>" in html
    assert 'id="coverage-table"' in html
    assert "66.7 % (2 of 3)" in html
    assert "Sue Second" in html


def test_csv_has_every_figure(manager: User, known: KnownActivity) -> None:
    response = _client(manager).get(f"{CSV}?{known_period_query()}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    rows = _rows(response)
    assert rows[0] == ["section", "subject", "metric", "value"]
    assert ["report", "", "time_zone", PARIS] in rows
    assert ["totals", "", "drafted", "5"] in rows
    assert ["totals", "", "rejection_rate", "0.2"] in rows
    assert ["turnaround", "", "median_seconds", "36000.0"] in rows
    assert ["turnaround", "", "p90_seconds", "373320.0"] in rows
    assert ["now", "", "waiting_for_review", "1"] in rows
    assert ["totals", "", "revisions_per_post", "1.25"] in rows
    assert ["week", "2025-03-24", "submitted", "2"] in rows
    assert ["account", "Sales news", "drafted", "4"] in rows
    assert ["person", "sme@example.test", "rejection_rate", "0.25"] in rows
    assert ["coverage", "Sales on Mastodon", "certified", "1"] in rows
    # Every figure of every section: 5 header rows, 11 totals, 3 turnaround, 3 now and
    # revisions, 3 weeks x 7 states, 2 accounts and 3 people x 11, 2 coverage rows x 4; the
    # inbox's 8 figures for the department and for each of the 3 people; its 5 helpdesk case
    # figures; the engagement's 10 figures in all and for each of the 3 weeks (no post was
    # watched here: no account or person lines).
    assert len(rows) == 1 + 5 + 11 + 3 + 3 + 21 + 5 * 11 + 2 * 4 + 8 + 3 * 8 + 5 + 4 * 10


def test_api_json_and_csv(manager: User, known: KnownActivity) -> None:
    client = _client(manager)
    data = client.get(f"{API}?department=sales&{known_period_query()}").json()
    assert data["department"] == {"slug": "sales", "name": "Sales"}
    assert data["period"]["start"] == "2025-03-17T00:00:00+01:00"
    assert data["period"]["end"] == "2025-04-07T00:00:00+02:00"
    assert data["totals"]["drafted"] == 5
    assert data["totals"]["submitted"] == 4
    assert data["turnaround"] == {"reviews": 5, "median_seconds": 36000.0, "p90_seconds": 373320.0}
    assert data["now"]["waiting"] == 1
    assert [w["start"] for w in data["weeks"]] == ["2025-03-17", "2025-03-24", "2025-03-31"]
    assert {a["name"] for a in data["accounts"]} == {"Sales news", "Sales on Mastodon"}
    assert len(data["people"]) == 3
    assert data["coverage"][0]["certified"] == 2
    csv_response = client.get(f"{API}?department=sales&{known_period_query()}&format=csv")
    assert csv_response.status_code == 200
    assert ["totals", "", "failed", "1"] in _rows(csv_response)


def test_queue_health(comms_reviewer: User, known: KnownActivity) -> None:
    data = _client(comms_reviewer).get(QUEUE_API).json()
    waiting = {row["department"]["slug"]: row for row in data["departments"]}
    assert waiting["sales"]["waiting"] == 1  # P4
    assert waiting["sales"]["oldest_since"] == "2025-04-01T09:00:00Z"
    assert waiting["rnd"]["waiting"] == 1  # P7
    assert data["waiting"] == 2
    # "This week" starts on Monday 7 April: no decision since.
    assert data["reviewers"] == []
    html = _client(comms_reviewer).get(QUEUE).content.decode()
    assert 'data-figure="waiting"><span class="value">2<' in html


def test_queue_health_decisions_this_week_and_missed_times(
    comms_reviewer: User, known: KnownActivity, clock: Clock
) -> None:
    from approvals import services
    from approvals.models import Post

    clock.set(utc(3, 30, 12))  # Sunday 30 March: this week began Monday 24 March (UTC)
    data = _client(comms_reviewer).get(QUEUE_API).json()
    assert data["reviewers"] == [
        {
            "reviewer_id": comms_reviewer.pk,
            "name": "Colin Comms",
            "email": "comms@example.test",
            "decisions": 3,  # P2 changes, P2 reject, P3 approve
            "approvals": 1,
            "changes": 1,
            "rejections": 1,
        }
    ]
    # A post scheduled for 10 April 13:00 that is still scheduled at 14:00.
    clock.set(utc(4, 10, 12))
    p4 = Post.objects.get(pk=known.posts["P4"].pk)
    services.post_approve(post=p4, actor=comms_reviewer)
    services.post_schedule(
        post=Post.objects.get(pk=p4.pk), actor=comms_reviewer, scheduled_at=utc(4, 10, 13)
    )
    clock.set(utc(4, 10, 14))
    data = _client(comms_reviewer).get(QUEUE_API).json()
    assert data["overdue_count"] == 1
    assert [post["id"] for post in data["missed"]] == [p4.pk]


def test_organisation_overview_sorts(org_admin: User, known: KnownActivity) -> None:
    org_admin.timezone = PARIS
    org_admin.save(update_fields=["timezone"])
    client = _client(org_admin)
    query = known_period_query()
    rows = client.get(f"{OVERVIEW_API}?{query}&sort=-drafted").json()
    assert [r["department"]["slug"] for r in rows] == ["sales", "rnd", "communications"]
    assert rows[0]["figures"]["drafted"] == 5
    rows = client.get(f"{OVERVIEW_API}?{query}&sort=drafted").json()
    assert [r["department"]["slug"] for r in rows] == ["communications", "rnd", "sales"]
    # Departments without reviews have no turnaround: last in either direction.
    rows = client.get(f"{OVERVIEW_API}?{query}&sort=-median_turnaround_seconds").json()
    assert rows[0]["department"]["slug"] == "sales"
    html = client.get(f"{OVERVIEW}?{query}&sort=-drafted").content.decode()
    assert html.index('data-department="sales"') < html.index('data-department="rnd"')
    assert 'aria-sort="descending"' in html
    lines = _rows(client.get(f"{OVERVIEW}activity.csv?{query}&sort=name"))
    assert lines[0][:3] == ["department", "name", "drafted"]
    assert [line[0] for line in lines[1:]] == ["communications", "rnd", "sales"]


# --- Query counts -------------------------------------------------------------------------------


def _count(fetch: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200, response
    return len(queries.captured_queries)


# The department's API and CSV: session, user, roles, memberships, the department (5), then the
# report (7): the watermark, the summary rows with the transitions past it (totals, weeks, per
# account and per person at once), turnaround percentiles, revisions of decided posts, posts
# waiting now, the people, coverage; then the inbox (5):
# totals, their median first response, per person (figures, medians, then the people); then
# the helpdesk cases (3): totals, their median time to solve, per person; then the engagement of
# the published posts (4): totals, weeks, per account, per person.
DEPARTMENT_API = 5 + 7 + 5 + 3 + 4
# The page also lists the other departments and shows the crisis banner and unread count.
DEPARTMENT_PAGE = DEPARTMENT_API + 3
# Session, user, roles; departments (with their members), the watermark, figures (summary rows
# and the transitions past it), turnaround, revisions, waiting,
# coverage; the inbox per department (figures, medians) and in all (figures, median); the
# helpdesk cases likewise (counts, medians; per department and in all); the engagement per
# department; the crisis banner and the unread notifications.
OVERVIEW_PAGE = 2 + 1 + 7 + 4 + 4 + 1 + 2
# Session, user, roles; waiting posts, departments, decisions per reviewer, missed (count,
# list); the crisis banner and the unread notifications.
QUEUE_PAGE = 2 + 1 + 5 + 2


def _watch_all(account: Any) -> None:
    """Every post of the account as if published in the range with a reading (the engagement
    section reads their latest figures)."""
    from approvals.models import Post
    from publishing.models import LatestEngagement

    LatestEngagement.objects.bulk_create(
        [
            LatestEngagement(
                post_id=post.pk,
                department_id=post.department_id,
                brand_account_id=post.brand_account_id,
                author_id=post.author_id,
                published_at=post.created_at,
                step=0,
                taken_at=post.created_at,
                likes=index,
                replies=1,
            )
            for index, post in enumerate(Post.objects.filter(brand_account=account))
        ],
        ignore_conflicts=True,
    )


@pytest.mark.parametrize(
    ("who", "url", "expected"),
    [
        ("manager", f"{PAGE}?from=2025-03-17&to=2025-04-06", DEPARTMENT_PAGE),
        ("manager", f"{CSV}?from=2025-03-17&to=2025-04-06", DEPARTMENT_API),
        ("manager", f"{API}?department=sales&from=2025-03-17&to=2025-04-06", DEPARTMENT_API),
        ("org_admin", f"{OVERVIEW}?from=2025-03-17&to=2025-04-06", OVERVIEW_PAGE),
        ("comms_reviewer", QUEUE, QUEUE_PAGE),
    ],
)
def test_query_count_is_the_same_for_1_and_200_posts(
    request: pytest.FixtureRequest,
    who: str,
    url: str,
    expected: int,
    clock: Clock,
    sales: Department,
    comms_department: Department,
    sme: User,
    comms_reviewer: User,
    django_assert_num_queries: Any,
) -> None:
    from approvals.tests.factories import make_account
    from training.tests.factories import certify, make_course, make_policy

    user: User = request.getfixturevalue(who)
    account = make_account(sales, reviewers=[comms_department], publishers=[comms_department])
    course = make_course("Basics", everywhere=True)
    certify(sme, course, issued_at=utc(2, 1, 0), expires_at=utc(12, 1, 0))
    from training.services import policy_acknowledge

    policy_acknowledge(actor=sme, policy=make_policy(effective_at=utc(2, 1, 0)))
    more_posts(clock, sme, account, comms_reviewer, 1)
    _watch_all(account)
    clock.set(utc(4, 10, 12))
    client = _client(user)
    client.get(url)  # warm-up: per-process caches (content types, templates)
    assert _count(lambda: client.get(url)) == expected
    more_posts(clock, sme, account, comms_reviewer, 199)
    _watch_all(account)
    with django_assert_num_queries(expected):
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response.status_code == 200
