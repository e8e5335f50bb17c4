"""Lists a page at a time: the review queue and the post list page through their rows keeping
every filter, bad page numbers show the nearest page, the month calendar shows a few posts a day
and links to the rest (the post list's day filter), and the queue still leaves out what the
reviewer approved already."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from activity.notifications import notify
from approvals import services
from approvals.content_calendar import MONTH_POSTS_PER_DAY
from approvals.models import Post
from approvals.tests.factories import approved_post, submitted_post
from channels_app.models import BrandAccount
from training import services as training_services
from training.tests.factories import make_course


@pytest.fixture(autouse=True)
def _pages_of_two(settings: Any) -> None:
    settings.SOCIALHUB_PAGE_SIZE = 2


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post_ids(html: str) -> list[int]:
    """Post rows of a page, in order: each row's link to the post (or its review screen)."""
    seen: list[int] = []
    for found in re.findall(r'href="/posts/(\d+)/(?:review/)?"', html):
        if int(found) not in seen:
            seen.append(int(found))
    return seen


def _pages_nav(html: str) -> str:
    found = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    assert found, "no pagination"
    return found.group(0)


def _waiting(sme: User, account: BrandAccount, count: int) -> list[Post]:
    posts = [submitted_post(sme, account, f"Post number {n}.") for n in range(count)]
    start = timezone.now() - timedelta(hours=count + 1)
    for n, post in enumerate(posts):  # a clear oldest-first order
        Post.objects.filter(pk=post.pk).update(submitted_at=start + timedelta(hours=n))
    return posts


# --- The review queue ---------------------------------------------------------------------------


def test_the_queue_pages_through_every_post_and_keeps_its_filters(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    posts = _waiting(sme, account, 5)
    client = _client(comms_reviewer)
    url = "/review/?department=sales&sort=oldest"

    first = client.get(url).content.decode()
    second = client.get(f"{url}&page=2").content.decode()
    third = client.get(f"{url}&page=3").content.decode()

    ids = [post.pk for post in posts]
    assert _post_ids(first) == ids[:2]
    assert _post_ids(second) == ids[2:4]
    assert _post_ids(third) == ids[4:]
    assert "5 waiting" in first  # the whole queue's count, not the page's
    nav = _pages_nav(second)
    assert 'aria-label="Pages of the queue"' in nav
    assert "Page 2 of 3" in nav
    for page in (1, 3):  # previous/first and next/last keep the filters and the sort
        assert f'href="?department=sales&amp;sort=oldest&amp;page={page}"' in nav
    # The bulk form comes back to the page it was sent from.
    assert 'name="next" value="/review/?department=sales&amp;sort=oldest&amp;page=2"' in second


@pytest.mark.parametrize(("raw", "shown"), [("0", 1), ("-1", 1), ("abc", 1), ("", 1), ("99", 3)])
def test_a_bad_page_number_shows_the_nearest_page(
    sme: User, account: BrandAccount, comms_reviewer: User, raw: str, shown: int
) -> None:
    posts = _waiting(sme, account, 5)
    response = _client(comms_reviewer).get(f"/review/?page={raw}")

    assert response.status_code == 200
    expected = [post.pk for post in posts][(shown - 1) * 2 : shown * 2]
    assert _post_ids(response.content.decode()) == expected
    assert f"Page {shown} of 3" in response.content.decode()


def test_a_short_queue_has_no_page_links(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    _waiting(sme, account, 2)
    html = _client(comms_reviewer).get("/review/").content.decode()
    assert 'class="pagination"' not in html


def test_the_queue_leaves_out_what_the_reviewer_approved_already(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    comms_department: Department,
) -> None:
    """A reviewer holding both stages who approved the comms stage does not also approve legal
    (someone else must); a post a colleague approved for comms waits for their legal review."""
    both = give_org_role(comms_reviewer, OrgRole.LEGAL_REVIEWER)
    colleague = UserFactory.create(email="colleague@example.test")
    add_member(colleague, comms_department)
    give_org_role(colleague, OrgRole.COMMS_REVIEWER)
    mine = submitted_post(sme, account, "Our earnings grew.")
    theirs = submitted_post(sme, account, "Our earnings grew again.")
    untouched = submitted_post(sme, account, "Our desk opens at 8.")
    assert mine.legal_required
    assert theirs.legal_required
    services.post_approve(post=mine, actor=both, stage="comms")
    services.post_approve(post=theirs, actor=colleague, stage="comms")

    client = _client(both)
    queue = client.get("/review/").content.decode()
    legal_only = client.get("/review/?stage=legal").content.decode()
    colleagues_queue = _client(colleague).get("/review/").content.decode()

    assert sorted(_post_ids(queue)) == sorted([theirs.pk, untouched.pk])
    assert _post_ids(legal_only) == [theirs.pk]
    assert _post_ids(colleagues_queue) == [untouched.pk]  # they approved theirs; mine is done


# --- The post list and its day filter -----------------------------------------------------------


def _tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _scheduled(sme: User, account: BrandAccount, reviewer: User, at: datetime) -> Post:
    post = approved_post(sme, account, reviewer)
    return services.post_schedule(post=post, actor=reviewer, scheduled_at=at)


def test_the_post_list_pages_keep_the_state_tab(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    scheduled = [_scheduled(sme, account, comms_reviewer, _tomorrow_at(10, n)) for n in range(3)]
    submitted_post(sme, account)  # another state: not on the scheduled tab's pages
    client = _client(sme)

    first = client.get("/posts/?state=scheduled").content.decode()
    second = client.get("/posts/?state=scheduled&page=2").content.decode()

    ids = [post.pk for post in scheduled]
    assert sorted(_post_ids(first) + _post_ids(second)) == sorted(ids)
    assert len(_post_ids(first)) == 2
    assert 'href="?state=scheduled&amp;page=2"' in _pages_nav(first)
    # The state tabs start again at the first page.
    assert 'href="?state=scheduled&amp;scope=mine"' in second


def test_the_day_filter_lists_that_days_calendar_posts_in_the_persons_zone(
    sme: User, account: BrandAccount, comms_reviewer: User, settings: Any
) -> None:
    settings.SOCIALHUB_PAGE_SIZE = 50
    tomorrow = _scheduled(sme, account, comms_reviewer, _tomorrow_at(10))
    late = _scheduled(sme, account, comms_reviewer, _tomorrow_at(23, 30))
    _scheduled(sme, account, comms_reviewer, _tomorrow_at(10) + timedelta(days=1))
    submitted_post(sme, account)  # not on the calendar
    day = f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"
    client = _client(sme)

    html = client.get(f"/posts/?scope=all&day={day}").content.decode()

    assert _post_ids(html) == [tomorrow.pk, late.pk]  # in the calendar's order
    assert "data-day-filter" in html
    # Nine hours ahead of the organisation's zone (UTC in tests), 23:30 is the next morning.
    sme.timezone = "Asia/Tokyo"
    sme.save(update_fields=["timezone"])
    html = client.get(f"/posts/?scope=all&day={day}").content.decode()
    assert _post_ids(html) == [tomorrow.pk]


def test_a_bad_day_is_400_with_a_message(sme: User) -> None:
    response = _client(sme).get("/posts/?day=tomorrow")
    assert response.status_code == 400
    assert "Give the day as YYYY-MM-DD." in response.content.decode()


def test_the_posts_endpoint_takes_the_day_filter(
    api_as: Any, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = _scheduled(sme, account, comms_reviewer, _tomorrow_at(10))
    day = f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"
    rows = api_as(sme).get(f"/api/v1/posts/?day={day}").json()["results"]
    assert [row["id"] for row in rows] == [post.pk]
    assert api_as(sme).get("/api/v1/posts/?day=soon").status_code == 400


# --- The month calendar ---------------------------------------------------------------------------


def test_the_month_shows_a_few_posts_a_day_and_links_to_the_rest(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    posts = [
        _scheduled(sme, account, comms_reviewer, _tomorrow_at(9, n))
        for n in range(MONTH_POSTS_PER_DAY + 2)
    ]
    day = timezone.localdate() + timedelta(days=1)
    client = _client(sme)

    html = client.get(f"/calendar/?view=month&date={day:%Y-%m-%d}&department=sales").content
    month = html.decode()
    week = client.get(f"/calendar/?date={day:%Y-%m-%d}").content.decode()

    assert _post_ids(month) == [post.pk for post in posts[:MONTH_POSTS_PER_DAY]]
    more = re.search(r'<a href="([^"]+)" data-more-posts="(\d+)">\+(\d+) more', month)
    assert more, "no +N more link"
    assert more.group(2) == more.group(3) == "2"
    assert more.group(1) == f"/posts/?scope=all&amp;day={day:%Y-%m-%d}&amp;department=sales"
    assert f"{len(posts)} posts" in month  # the month's count is every post
    assert sorted(_post_ids(week)) == sorted(post.pk for post in posts)  # the week shows all
    assert "data-more-posts" not in week
    listed = client.get(more.group(1).replace("&amp;", "&")).content.decode()
    assert "Page 1 of 3" in listed  # pages of two here: all six posts are in the list


# --- The other list pages -------------------------------------------------------------------------


def test_notifications_come_a_page_at_a_time(sme: User) -> None:
    for number in range(3):
        notify(
            recipients=[sme],
            kind="comment",
            message=f"Notice number {number}",
            subject=f"Notice number {number}",
        )
    client = _client(sme)

    first = client.get("/notifications/").content.decode()
    second = client.get("/notifications/?page=2").content.decode()

    assert "Notice number 2" in first  # newest first
    assert "Notice number 1" in first
    assert "Notice number 0" not in first
    assert "Notice number 0" in second
    assert 'aria-label="Pages of notifications"' in first


def test_earlier_crisis_pauses_come_a_page_at_a_time(org_admin: User) -> None:
    for number in range(3):
        pause = services.crisis_pause_set(actor=org_admin, reason=f"Drill number {number}")
        services.crisis_pause_lift(pause=pause, actor=org_admin)
    client = _client(org_admin)

    first = client.get("/crisis/").content.decode()
    second = client.get("/crisis/?page=2").content.decode()

    assert "Drill number 2" in first
    assert "Drill number 0" not in first
    assert "Drill number 0" in second
    assert 'aria-label="Pages of earlier pauses"' in first


def test_a_departments_members_come_a_page_at_a_time(manager: User, sales: Department) -> None:
    for number in range(3):
        add_member(UserFactory.create(full_name=f"Seller {number}"), sales)
    client = _client(manager)

    first = client.get("/departments/sales/").content.decode()
    last = client.get("/departments/sales/?page=2").content.decode()

    # Four members, the manager first by name ("Max Manager" < "Seller 0"...): two a page.
    assert "Page 1 of 2" in first
    assert "Seller 2" not in first
    assert "Seller 2" in last


def test_open_training_assignments_come_a_page_at_a_time(
    hr_user: User, sales: Department, rnd: Department, comms_department: Department
) -> None:
    course = make_course()
    due = timezone.localdate() + timedelta(days=10)
    for department in (sales, rnd, comms_department):
        training_services.assignment_create(
            actor=hr_user, course=course, department=department, due_on=due
        )
    client = _client(hr_user)

    first = client.get("/training/assignments/").content.decode()
    second = client.get("/training/assignments/?page=2").content.decode()

    assert "Page 1 of 2" in first
    assert first.count("everyone in") == 2
    assert second.count("everyone in") == 1


def test_someone_without_a_queue_is_refused_with_a_reason(
    sme: User, manager: User, account: BrandAccount
) -> None:
    """The selector owns the rule; the page shows its refusal (the API answers 403 the same)."""
    submitted_post(sme, account, "Waiting")
    for person in (sme, manager):
        response = _client(person).get("/review/")
        assert response.status_code == 403
        assert b"have a review queue" in response.content
        assert b"Waiting" not in response.content
