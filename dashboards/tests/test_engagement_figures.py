"""Engagement on the activity reports (dashboards/reports/engagement_figures.py): the figures of
the posts published in the range, each with its latest reading, per department, account,
person and week of publishing in the organisation's zone; a figure nobody reports or an
account whose figures are unavailable is no 0; the page, CSV and API; who may see them;
constant query counts.

Times are fixed instants in 2025, so nothing depends on when the suite runs. The organisation's
zone is Europe/Paris (UTC+1 in March): Sunday 23 March 23:30 UTC is already Monday 24 March
local, the next week; 16 March 23:30 UTC is 17 March 00:30 local, inside a range that starts
on 17 March.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from approvals.models import Post, PostState
from approvals.tests.factories import make_account, make_post
from channels_app.models import BrandAccount
from dashboards.reports.engagement_figures import (
    department_engagement,
    engagement_by_department,
)
from dashboards.reports.periods import Period
from publishing.models import LatestEngagement

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
RANGE = "from=2025-03-17&to=2025-04-06"
PAGE = f"/reports/departments/sales/?{RANGE}"
CSV = f"/reports/departments/sales/activity.csv?{RANGE}"
API = f"/api/v1/reports/department-activity/?department=sales&{RANGE}"
OVERVIEW_API = f"/api/v1/reports/organisation-activity/?{RANGE}"
UNCONNECTED = "Sales on Mastodon is not connected (or its credentials cannot be read)."


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def organisation_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Paris"


def published(
    author: User, account: BrandAccount, at: datetime, *, read: bool = True, **figures: Any
) -> Post:
    """A published post with its latest figures as the collection leaves them."""
    post = make_post(author, account, f"Published at {at:%d %b %H:%M}.")
    Post.objects.filter(pk=post.pk).update(state=PostState.PUBLISHED, published_at=at)
    LatestEngagement.objects.create(
        post=post,
        department_id=post.department_id,
        brand_account=account,
        author=author,
        published_at=at,
        step=0 if read else None,
        taken_at=at if read else None,
        **figures,
    )
    return post


@pytest.fixture
def scene(sales: Department, rnd: Department, sme: User, manager: User, outsider: User) -> None:
    news = make_account(sales, display_name="Sales news")  # internal: replies only
    x = make_account(sales, platform="x", display_name="Sales on X")
    mastodon = make_account(sales, platform="mastodon", display_name="Sales on Mastodon")
    notes = make_account(rnd, display_name="R&D notes")
    published(sme, news, utc(3, 16, 22, 30), replies=9)  # 16 Mar 23:30 local: before the range
    published(sme, news, utc(3, 16, 23, 30), replies=2)  # 17 Mar 00:30 local
    published(
        sme, x, utc(3, 23, 22, 30), likes=5, reposts=1, replies=0, quotes=0, views=100
    )  # Sunday 23:30 local: the week of 17 March
    published(
        manager, x, utc(3, 23, 23, 30), likes=3, reposts=0, replies=1, quotes=2, views=40
    )  # Monday 00:30 local: the week of 24 March
    published(manager, mastodon, utc(4, 1, 10), unavailable=UNCONNECTED)
    published(sme, news, utc(4, 2, 10), read=False)  # not read yet
    published(outsider, notes, utc(3, 20, 10), replies=4)  # another department


def paris_period() -> Period:
    return Period(first_day=date(2025, 3, 17), last_day=date(2025, 4, 6), zone=PARIS)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The figures ---------------------------------------------------------------------------------


def test_totals_weeks_accounts_and_people(scene: None, sales: Department) -> None:
    found = department_engagement(department=sales, period=paris_period())

    totals = found.totals
    assert (totals.posts, totals.read, totals.unavailable, totals.pending) == (5, 3, 1, 1)
    assert (totals.likes, totals.reposts, totals.replies, totals.quotes, totals.views) == (
        8,
        1,
        3,
        2,
        140,
    )
    assert totals.interactions == 14
    assert totals.unavailable_reason == UNCONNECTED

    weeks = {week.start: week.figures for week in found.weeks}
    assert list(weeks) == [date(2025, 3, 17), date(2025, 3, 24), date(2025, 3, 31)]
    assert (weeks[date(2025, 3, 17)].posts, weeks[date(2025, 3, 17)].likes) == (2, 5)
    assert weeks[date(2025, 3, 17)].replies == 2
    assert (weeks[date(2025, 3, 24)].posts, weeks[date(2025, 3, 24)].quotes) == (1, 2)
    # The last week: one reading unavailable, one not taken yet: no figure, and no 0.
    last = weeks[date(2025, 3, 31)]
    assert (last.posts, last.read, last.likes, last.interactions) == (2, 0, None, None)
    assert last.status == "unavailable"

    accounts = {row.name: row.figures for row in found.accounts}
    assert list(accounts) == ["Sales news", "Sales on Mastodon", "Sales on X"]
    # The internal feed counts replies only: its likes and views are not reported, not 0.
    news = accounts["Sales news"]
    assert (news.posts, news.replies, news.likes, news.views, news.pending) == (2, 2, None, None, 1)
    mastodon = accounts["Sales on Mastodon"]
    assert mastodon.status == "unavailable"
    assert (mastodon.likes, mastodon.interactions) == (None, None)
    assert mastodon.unavailable_reason == UNCONNECTED
    assert (accounts["Sales on X"].likes, accounts["Sales on X"].views) == (8, 140)

    people = {row.email: row.figures for row in found.people}
    assert list(people) == ["manager@example.test", "sme@example.test"]  # Max, then Sam
    assert (people["manager@example.test"].posts, people["manager@example.test"].likes) == (2, 3)
    assert people["manager@example.test"].unavailable == 1
    assert (people["sme@example.test"].posts, people["sme@example.test"].replies) == (3, 2)


def test_weeks_and_the_range_follow_the_zone(scene: None, sales: Department) -> None:
    """The same posts read in UTC: the post of 16 March 23:30 is outside, and the two posts on
    either side of midnight Sunday (Paris) fall in the same week."""
    in_utc = Period(first_day=date(2025, 3, 17), last_day=date(2025, 4, 6), zone=UTC)
    found = department_engagement(department=sales, period=in_utc)
    weeks = {week.start: week.figures for week in found.weeks}
    assert weeks[date(2025, 3, 17)].posts == 2  # the two X posts
    assert weeks[date(2025, 3, 17)].likes == 8
    assert weeks[date(2025, 3, 24)].posts == 0
    assert found.totals.posts == 4


def test_per_department_for_the_overview(
    scene: None, sales: Department, rnd: Department, comms_department: Department
) -> None:
    found = engagement_by_department(period=paris_period())
    assert (found[sales.pk].posts, found[sales.pk].likes) == (5, 8)
    assert (found[rnd.pk].posts, found[rnd.pk].replies, found[rnd.pk].likes) == (1, 4, None)
    assert comms_department.pk not in found


def test_a_fixed_number_of_queries(
    sales: Department, sme: User, django_assert_num_queries: Any
) -> None:
    account = make_account(sales, platform="x", display_name="Sales on X")
    published(sme, account, utc(3, 20, 10), likes=1)
    # Totals, weeks, per account (with its name), per person (with their name).
    with django_assert_num_queries(4):
        department_engagement(department=sales, period=paris_period())
    for hour in range(20):
        person = UserFactory.create()
        add_member(person, sales)
        published(person, account, utc(3, 21, hour), likes=hour, views=10)
    with django_assert_num_queries(4):
        found = department_engagement(department=sales, period=paris_period())
    assert (found.totals.posts, len(found.people)) == (21, 21)
    with django_assert_num_queries(1):
        engagement_by_department(period=paris_period())


# --- Page, CSV and API ---------------------------------------------------------------------------


def test_the_department_page_shows_engagement(scene: None, manager: User) -> None:
    response = _client(manager).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="engagement-posts"><span class="value">5<' in html
    assert 'data-figure="engagement-likes"><span class="value">8<' in html
    assert 'data-figure="engagement-views"><span class="value">140<' in html
    assert 'data-figure="engagement-unavailable"><span class="value">1<' in html
    # Charts with their tables.
    assert 'aria-labelledby="weekly-engagement-title weekly-engagement-desc"' in html
    assert "<title>24 Mar: Quotes 2</title>" in html
    assert "<title>Sales on Mastodon: unavailable</title>" in html
    assert "<title>Sales on X: 12 interactions</title>" in html
    assert 'id="engagement-weeks-table"' in html
    assert 'id="engagement-accounts-table"' in html
    assert 'id="engagement-people-table"' in html
    assert f"Unavailable: {UNCONNECTED}" in html
    assert "Not read yet" in html


def _csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_has_every_engagement_figure(scene: None, manager: User) -> None:
    rows = _csv_rows(_client(manager).get(CSV))
    assert ["engagement", "", "posts", "5"] in rows
    assert ["engagement", "", "likes", "8"] in rows
    assert ["engagement", "", "interactions", "14"] in rows
    assert ["engagement_week", "2025-03-24", "quotes", "2"] in rows
    assert ["engagement_week", "2025-03-31", "likes", ""] in rows  # no figure, not 0
    assert ["engagement_account", "Sales on Mastodon", "likes", ""] in rows
    assert ["engagement_account", "Sales on Mastodon", "unavailable_reason", UNCONNECTED] in rows
    assert ["engagement_account", "Sales news", "views", ""] in rows
    assert ["engagement_person", "manager@example.test", "posts", "2"] in rows
    engagement = [row for row in rows if row[0].startswith("engagement")]
    # 10 metrics in all, for 3 weeks, 3 accounts and 2 people; a reason line for the totals,
    # the last week, the Mastodon account and the manager.
    assert len(engagement) == 10 * (1 + 3 + 3 + 2) + 4


def test_the_api_gives_an_engagement_object(scene: None, manager: User, org_admin: User) -> None:
    data = _client(manager).get(API).json()["engagement"]
    assert data["totals"]["likes"] == 8
    assert data["totals"]["status"] == "read"
    assert [week["start"] for week in data["weeks"]] == ["2025-03-17", "2025-03-24", "2025-03-31"]
    mastodon = next(row for row in data["accounts"] if row["name"] == "Sales on Mastodon")
    assert mastodon["platform"] == "mastodon"
    assert mastodon["figures"]["status"] == "unavailable"
    assert mastodon["figures"]["likes"] is None
    assert mastodon["figures"]["unavailable_reason"] == UNCONNECTED
    assert {row["email"] for row in data["people"]} == {"manager@example.test", "sme@example.test"}

    rows = _client(org_admin).get(f"{OVERVIEW_API}&sort=-engagement_likes").json()
    assert rows[0]["department"]["slug"] == "sales"
    assert rows[0]["engagement"]["likes"] == 8
    rnd = next(row for row in rows if row["department"]["slug"] == "rnd")
    assert (rnd["engagement"]["replies"], rnd["engagement"]["likes"]) == (4, None)
    lines = _csv_rows(_client(org_admin).get(f"/reports/organisation/activity.csv?{RANGE}"))
    header = lines[0]
    sales_line = next(line for line in lines if line[0] == "sales")
    assert sales_line[header.index("engagement_likes")] == "8"
    assert sales_line[header.index("engagement_views")] == "140"
    html = _client(org_admin).get(f"/reports/organisation/?{RANGE}").content.decode()
    assert 'data-figure="engagement-likes">8<' in html


def test_the_schema_documents_the_engagement_object(org_admin: User) -> None:
    schema = _client(org_admin).get("/api/schema/", HTTP_ACCEPT="application/json")
    if schema.status_code == 404:
        pytest.skip("no schema endpoint at this address")
    text = schema.content.decode()
    assert "DepartmentEngagement" in text
    assert "EngagementFigures" in text


# --- Who sees it ---------------------------------------------------------------------------------


@pytest.fixture
def rnd_manager(rnd: Department) -> User:
    user = UserFactory.create(email="rnd.manager@example.test")
    add_member(user, rnd, "manager")
    return user


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("org_admin", 200),
        ("comms_reviewer", 200),
        ("sme", 403),
        ("hr_user", 403),
        ("rnd_manager", 404),
        ("legal_reviewer", 404),
    ],
)
def test_engagement_is_seen_as_the_department_page_is(
    request: pytest.FixtureRequest, scene: None, who: str, status: int
) -> None:
    client = _client(request.getfixturevalue(who))
    page = client.get(PAGE)
    assert page.status_code == status
    assert ("engagement-heading" in page.content.decode()) is (status == 200)
    api = client.get(API)
    assert api.status_code == status
    assert ("engagement" in api.json()) is (status == 200)
    assert client.get(CSV).status_code == status


def test_the_overview_with_engagement_is_for_org_admins(
    scene: None, manager: User, comms_reviewer: User
) -> None:
    for user in (manager, comms_reviewer):
        assert _client(user).get(OVERVIEW_API).status_code == 403


def test_counting_queries_uses_the_summary_only(scene: None, sales: Department) -> None:
    """No snapshot is read: the reports aggregate the latest-figures table."""
    with CaptureQueriesContext(connection) as queries:
        department_engagement(department=sales, period=paris_period())
        engagement_by_department(period=paris_period())
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "publishing_latestengagement" in sql
    assert "publishing_engagementsnapshot" not in sql
    assert "GROUP BY" in sql
