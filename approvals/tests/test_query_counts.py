"""List pages and endpoints cost the same number of queries for 1 post as for 30.

Each test warms the client up (sessions, caches), counts the queries with one post, adds 29 more
and asserts exactly the same count, all 30 on one page (pages of 50 here, whatever the
setting's default). The expected number is spelled out with each query named,
so a new query per page is a deliberate change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from approvals import services
from approvals.content_calendar import MONTH_POSTS_PER_DAY
from approvals.tests.factories import approved_post, submitted_post
from channels_app.models import BrandAccount


@pytest.fixture(autouse=True)
def _pages_of_fifty(settings: Any) -> None:
    settings.SOCIALHUB_PAGE_SIZE = 50


# Every signed-in page and API call: the session and the user...
SESSION = 2
# ...and, where permissions matter, the person's organisation roles.
AUTH = SESSION + 1


def _count(fetch: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200
    return len(queries.captured_queries)


def _assert_constant(
    fetch: Callable[[], Any],
    add_more: Callable[[], None],
    expected: int,
    django_assert_num_queries: Any,
    shown: Callable[[Any], int],
    rows: int = 30,
) -> None:
    fetch()  # warm-up: anything cached per process is cached now
    assert _count(fetch) == expected
    add_more()
    with django_assert_num_queries(expected):
        response = fetch()
    assert response.status_code == 200
    assert shown(response) == rows  # all of them are really listed (or the month's few a day)


def _links(response: Any) -> int:
    """Post rows of a page: one link to each post's page (or review screen)."""
    html = response.content.decode()
    return len(set(re.findall(r'href="/posts/(\d+)/(?:review/)?"', html)))


def _results(response: Any) -> int:
    return len(response.json()["results"])


def _repeat(make: Callable[[], None], times: int) -> None:
    for _ in range(times):
        make()


def _more_submitted(sme: User, account: BrandAccount) -> Callable[[], None]:
    def add() -> None:
        for _ in range(29):
            submitted_post(sme, account)

    return add


def _page(user: User, url: str) -> Callable[[], Any]:
    client = Client()
    client.force_login(user)
    return lambda: client.get(url)


def _api(user: User, url: str) -> Callable[[], Any]:
    client = APIClient()
    client.force_login(user)  # a real session, as the browser uses it
    return lambda: client.get(url)


def _scheduled(sme: User, account: BrandAccount, reviewer: User, at: datetime) -> None:
    post = approved_post(sme, account, reviewer)
    services.post_schedule(post=post, actor=reviewer, scheduled_at=at)


def _more_scheduled(sme: User, account: BrandAccount, reviewer: User, at: datetime) -> None:
    for minutes in range(1, 30):
        _scheduled(sme, account, reviewer, at + timedelta(minutes=minutes))


# --- My posts --------------------------------------------------------------------------------


def test_my_posts_page(
    sme: User, account: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    submitted_post(sme, account)
    _assert_constant(
        _page(sme, "/posts/"),
        _more_submitted(sme, account),
        # AUTH; the person's memberships (visibility); post counts per state; the total for
        # pagination; the page of posts with account, department, author, revision and
        # open-comment count; their approvals; the unread notifications count; the crisis pauses
        # that hold.
        AUTH + 7,
        django_assert_num_queries,
        _links,
    )


def test_posts_endpoint(
    sme: User, account: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    submitted_post(sme, account)
    _assert_constant(
        _api(sme, "/api/v1/posts/"),
        _more_submitted(sme, account),
        # AUTH; memberships; the total for pagination; the posts with their relations and
        # open-comment count; their approvals; the caller's grants on the page's accounts, direct
        # and through groups (the actions each post offers).
        AUTH + 6,
        django_assert_num_queries,
        _results,
    )


# --- Review queue ----------------------------------------------------------------------------


def test_review_queue_page(
    sme: User, account: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    submitted_post(sme, account)
    _assert_constant(
        _page(comms_reviewer, "/review/"),
        _more_submitted(sme, account),
        # AUTH; the total for pagination; the page of waiting posts with their relations; their
        # approvals; departments, accounts and authors for the filters; the review reasons for
        # the bulk form; the unread notifications count; the crisis pauses.
        AUTH + 9,
        django_assert_num_queries,
        _links,
    )


def test_review_queue_endpoint(
    sme: User, account: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    submitted_post(sme, account)
    _assert_constant(
        _api(comms_reviewer, "/api/v1/review-queue/"),
        _more_submitted(sme, account),
        # AUTH; the total for pagination; the waiting posts with their relations; approvals; the
        # caller's grants on the page's accounts, direct and through groups (each post's actions).
        AUTH + 5,
        django_assert_num_queries,
        _results,
    )


# --- Calendar -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "day_counts", "rows"),
    [("week", 0, 30), ("month", 1, MONTH_POSTS_PER_DAY)],
)
def test_calendar_page(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    django_assert_num_queries: Any,
    view: str,
    day_counts: int,
    rows: int,
) -> None:
    # Tomorrow mid-morning: the 30 posts (a minute apart) stay on one day, so in one week and month
    # whatever the hour the tests run at.
    at = timezone.localtime() + timedelta(days=1)
    at = at.replace(hour=10, minute=0, second=0, microsecond=0)
    _scheduled(sme, account, comms_reviewer, at)
    _assert_constant(
        _page(sme, f"/calendar/?view={view}&date={timezone.localdate(at):%Y-%m-%d}"),
        lambda: _more_scheduled(sme, account, comms_reviewer, at),
        # AUTH; memberships; the posts of the period (the month: the first few of each day) with
        # account, department, author and revision; the month: the number of posts each day;
        # the images of those revisions (thumbnails); the crisis pauses of the period; the quiet
        # periods of the period; the person's grants on the posts' accounts, direct and through
        # groups (who may move which post); departments and accounts for the filters; unread
        # notifications; pauses.
        AUTH + 11 + day_counts,
        django_assert_num_queries,
        _links,
        rows,
    )


# --- Crisis pauses and notifications ------------------------------------------------------------


def test_crisis_pauses_endpoint(
    org_admin: User, account: BrandAccount, django_assert_num_queries: Any
) -> None:
    def pause_and_lift() -> None:
        pause = services.crisis_pause_set(actor=org_admin, reason="Drill")
        services.crisis_pause_lift(pause=pause, actor=org_admin)

    pause_and_lift()
    _assert_constant(
        _api(org_admin, "/api/v1/crisis-pauses/"),
        lambda: _repeat(pause_and_lift, 29),
        # SESSION (everyone may read pauses: no role lookup); the total for pagination; the
        # pauses with account, set by and lifted by.
        SESSION + 2,
        django_assert_num_queries,
        _results,
    )


def test_notifications_endpoint(
    sme: User, account: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    def comment() -> None:
        services.comment_add(post=post, actor=comms_reviewer, body="Another thought")

    post = submitted_post(sme, account)
    comment()
    _assert_constant(
        _api(sme, "/api/v1/notifications/"),
        lambda: _repeat(comment, 29),
        # SESSION (one's own notifications: no role lookup); the total; the notifications.
        SESSION + 2,
        django_assert_num_queries,
        _results,
    )
