"""Collecting the engagement of published posts (publishing.engagement): each step after
publishing read once, in the connector's batches, through the real connectors against local
stand-ins of X and the internal feed; rate limits, refusals, missing posts and unconnected
accounts; two runs never read the same post."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from approvals.models import Post, PostState
from approvals.tests.factories import make_account, make_post
from channels_app import connectors
from channels_app import services as channel_services
from channels_app.connectors import PostPayload
from channels_app.connectors.x import XConnector
from channels_app.models import BrandAccount
from channels_app.tests.peers.http_platforms import FakeX
from publishing import engagement, tasks
from publishing.internal_feed import InternalConnector
from publishing.models import (
    EngagementSnapshot,
    EngagementWatch,
    FeedComment,
    FeedEntry,
    LatestEngagement,
)

HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def steps(settings: Any) -> None:
    settings.SOCIALHUB_ENGAGEMENT_AFTER_HOURS = [1.0, 24.0, 168.0]
    settings.SOCIALHUB_ENGAGEMENT_RUN_LIMIT = 5000


@pytest.fixture
def x_account(
    x_api: FakeX, sales: Department, comms_department: Department, monkeypatch: pytest.MonkeyPatch
) -> BrandAccount:
    monkeypatch.setitem(
        connectors._instances,
        "x",
        XConnector(api_base_url=x_api.url, token_url=f"{x_api.url}/2/oauth2/token"),
    )
    account = make_account(sales, platform="x", handle="@acme", publishers=[comms_department])
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=x_api.credentials()
    )
    return account


def _published(author: User, account: BrandAccount, *, at: datetime, external_id: str = "") -> Post:
    """A post as the engine leaves it once published (the workflow itself is tested elsewhere)."""
    post = make_post(author, account, f"Figures {uuid.uuid4().hex[:8]}")
    Post.objects.filter(pk=post.pk).update(
        state=PostState.PUBLISHED, published_at=at, external_id=external_id
    )
    return Post.objects.get(pk=post.pk)


def _on_x(x_api: FakeX, sme: User, account: BrandAccount, *, at: datetime) -> Post:
    result = XConnector(api_base_url=x_api.url).publish(
        x_api.credentials(),
        PostPayload(text=f"Figures {uuid.uuid4().hex[:8]}", idempotency_key=str(uuid.uuid4())),
    )
    return _published(sme, account, at=at, external_id=result.external_id)


def _snapshots(post: Post) -> list[tuple[int, int | None, str]]:
    return list(
        EngagementSnapshot.objects.filter(post=post)
        .order_by("step")
        .values_list("step", "likes", "unavailable")
    )


def test_each_step_is_read_once_then_the_watch_ends(
    x_api: FakeX, x_account: BrandAccount, sme: User
) -> None:
    published = timezone.now() - 2 * HOUR
    post = _on_x(x_api, sme, x_account, at=published)
    x_api.metrics[post.external_id] = {"like_count": 3, "impression_count": 50}

    report = engagement.engagement_collect(now=published + 2 * HOUR)
    assert (report.enrolled, report.claimed, report.stored, report.calls) == (1, 1, 1, 1)
    snapshot = EngagementSnapshot.objects.get(post=post)
    assert (snapshot.step, snapshot.likes, snapshot.views, snapshot.quotes) == (0, 3, 50, 0)
    watch = EngagementWatch.objects.get(post=post)
    assert (watch.step, watch.next_due_at, watch.claim) == (1, published + 24 * HOUR, "")

    # Nothing is due again before the next step.
    assert engagement.engagement_collect(now=published + 3 * HOUR).claimed == 0

    x_api.metrics[post.external_id] = {"like_count": 10}
    engagement.engagement_collect(now=published + 25 * HOUR)
    engagement.engagement_collect(now=published + 169 * HOUR)
    assert _snapshots(post) == [(0, 3, ""), (1, 10, ""), (2, 10, "")]
    watch.refresh_from_db()
    assert (watch.step, watch.next_due_at) == (3, None)
    assert engagement.engagement_collect(now=published + 400 * HOUR).claimed == 0


def test_steps_missed_while_nothing_ran_are_taken_as_one(
    x_api: FakeX, x_account: BrandAccount, sme: User
) -> None:
    published = timezone.now() - 30 * HOUR
    post = _on_x(x_api, sme, x_account, at=published)
    engagement.engagement_collect(now=timezone.now())
    assert [step for step, _likes, _reason in _snapshots(post)] == [1]
    assert EngagementWatch.objects.get(post=post).next_due_at == published + 168 * HOUR


def test_posts_are_read_in_the_connectors_batches(
    x_api: FakeX, x_account: BrandAccount, sme: User
) -> None:
    published = timezone.now() - 2 * HOUR
    posts = [_on_x(x_api, sme, x_account, at=published) for _ in range(3)]
    gone = _published(sme, x_account, at=published, external_id="1999")
    calls = len(x_api.server.log)

    report = engagement.engagement_collect(now=timezone.now())

    assert (report.stored, report.unavailable, report.calls) == (3, 1, 1)
    assert len(x_api.server.log) == calls + 1  # one GET /2/tweets for the four
    assert all(_snapshots(post)[0][1] == 0 for post in posts)
    assert _snapshots(gone) == [(0, None, "Could not find tweet with ids: [1999].")]


def test_a_rate_limit_leaves_the_account_alone_as_long_as_asked(
    x_api: FakeX, x_account: BrandAccount, sme: User
) -> None:
    published = timezone.now() - 2 * HOUR
    post = _on_x(x_api, sme, x_account, at=published)
    now = timezone.now()
    reset = int(now.timestamp()) + 600
    x_api.fail_next(
        "GET",
        "/2/tweets",
        429,
        {"title": "Too Many Requests", "status": 429},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )

    report = engagement.engagement_collect(now=now)

    assert (report.postponed, report.stored) == (1, 0)
    assert not EngagementSnapshot.objects.exists()
    watch = EngagementWatch.objects.get(post=post)
    assert watch.step == 0
    assert watch.next_due_at is not None
    assert abs((watch.next_due_at - now).total_seconds() - 600) < 5
    assert engagement.engagement_collect(now=now + timedelta(minutes=5)).claimed == 0
    assert engagement.engagement_collect(now=now + timedelta(minutes=11)).stored == 1


def test_a_refusal_and_an_unconnected_account_are_recorded_with_the_reason(
    x_api: FakeX, x_account: BrandAccount, sme: User, sales: Department
) -> None:
    published = timezone.now() - 2 * HOUR
    refused = _on_x(x_api, sme, x_account, at=published)
    x_api.fail_next(
        "GET",
        "/2/tweets",
        403,
        {"title": "Forbidden", "detail": "Your client app is not permitted", "status": 403},
    )
    loose = make_account(sales, platform="mastodon", handle="@loose@example.org")
    unconnected = _published(sme, loose, at=published, external_id="111")

    engagement.engagement_collect(now=timezone.now())

    [(step, likes, reason)] = _snapshots(refused)
    assert (step, likes) == (0, None)
    assert "not permitted" in reason
    [(_, _, why)] = _snapshots(unconnected)
    assert "is not connected" in why
    # Unavailable figures still move on: the next step tries again.
    assert EngagementWatch.objects.get(post=refused).step == 1


def test_each_reading_replaces_the_posts_latest_figures(
    x_api: FakeX, x_account: BrandAccount, sme: User, sales: Department
) -> None:
    """The reports' summary: a row per watched post from its enrolment, with the department,
    account, author and publishing time, and the figures of its latest reading."""
    published = timezone.now() - 2 * HOUR
    post = _on_x(x_api, sme, x_account, at=published)
    engagement.engagement_enrol(now=published + HOUR / 2)
    latest = LatestEngagement.objects.get(post=post)
    assert (latest.department_id, latest.brand_account_id, latest.author_id) == (
        sales.pk,
        x_account.pk,
        sme.pk,
    )
    assert (latest.published_at, latest.step, latest.taken_at, latest.likes) == (
        published,
        None,
        None,
        None,
    )

    x_api.metrics[post.external_id] = {"like_count": 3, "impression_count": 50}
    engagement.engagement_collect(now=published + 2 * HOUR)
    latest.refresh_from_db()
    assert (latest.step, latest.likes, latest.views) == (0, 3, 50)
    assert latest.taken_at == published + 2 * HOUR

    x_api.metrics[post.external_id] = {"like_count": 10}
    engagement.engagement_collect(now=published + 25 * HOUR)
    latest.refresh_from_db()
    assert (latest.step, latest.likes, latest.views) == (1, 10, 0)
    assert LatestEngagement.objects.count() == 1

    # An unavailable reading replaces the figures too: the reports say so instead of old numbers.
    x_api.fail_next("GET", "/2/tweets", 403, {"title": "Forbidden", "detail": "Not permitted"})
    engagement.engagement_collect(now=published + 169 * HOUR)
    latest.refresh_from_db()
    assert (latest.step, latest.likes) == (2, None)
    assert "Not permitted" in latest.unavailable


def test_two_runs_never_read_the_same_post(
    x_api: FakeX, x_account: BrandAccount, sme: User
) -> None:
    _on_x(x_api, sme, x_account, at=timezone.now() - 2 * HOUR)
    now = timezone.now()
    engagement.engagement_enrol(now=now)
    first_token, first = engagement._claim(now=now, limit=10)
    second_token, second = engagement._claim(now=now, limit=10)
    assert (len(first), second) == (1, [])
    assert first_token != second_token
    # A run that died leaves its posts to a run after the lease.
    _later, later = engagement._claim(now=now + engagement.CLAIM_LEASE, limit=10)
    assert [w.pk for w in later] == [w.pk for w in first]


def test_private_replies_and_posts_outside_the_window_are_not_watched(
    x_api: FakeX, x_account: BrandAccount, sme: User
) -> None:
    old = _on_x(x_api, sme, x_account, at=timezone.now() - 200 * HOUR)
    private = _on_x(x_api, sme, x_account, at=timezone.now() - 2 * HOUR)
    Post.objects.filter(pk=private.pk).update(reply_private=True)
    assert engagement.engagement_enrol(now=timezone.now()) == 0
    assert not EngagementWatch.objects.filter(post__in=[old, private]).exists()


def test_the_internal_feed_counts_employees_comments(
    sme: User, sales: Department, manager: User
) -> None:
    account = make_account(sales, platform="internal", handle="sales-feed")
    result = InternalConnector().publish(
        {"brand_account": str(account.pk)},
        PostPayload(text="Team news", idempotency_key=str(uuid.uuid4())),
    )
    entry = FeedEntry.objects.get(pk=int(result.external_id))
    FeedComment.objects.create(entry=entry, author=manager, text="Well done")
    FeedComment.objects.create(entry=entry, author=sme, text="Thanks")
    FeedComment.objects.create(entry=entry, brand_account=account, text="Our answer")
    post = _published(sme, account, at=timezone.now() - 2 * HOUR, external_id=result.external_id)

    assert tasks.collect_engagement() == 1

    snapshot = EngagementSnapshot.objects.get(post=post)
    assert (snapshot.replies, snapshot.likes, snapshot.views) == (2, None, None)


# --- The post page and the API -----------------------------------------------------------------


def _with_figures(sme: User, sales: Department) -> Post:
    account = make_account(sales, platform="internal", handle=f"feed-{uuid.uuid4().hex[:6]}")
    post = _published(sme, account, at=timezone.now() - 30 * HOUR, external_id="404")
    EngagementSnapshot.objects.create(
        post=post, step=0, taken_at=timezone.now() - 29 * HOUR, likes=4, views=None
    )
    EngagementSnapshot.objects.create(
        post=post,
        step=1,
        taken_at=timezone.now(),
        unavailable="The entry is no longer in the feed.",
    )
    assert post.published_at is not None
    EngagementWatch.objects.create(
        post=post, published_at=post.published_at, step=2, next_due_at=timezone.now() + 100 * HOUR
    )
    return post


def test_the_post_page_loads_the_figures(
    client: Any, sme: User, sales: Department, outsider: User
) -> None:
    post = _with_figures(sme, sales)
    client.force_login(sme)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert f'hx-get="/posts/{post.pk}/engagement/"' in page
    partial = client.get(f"/posts/{post.pk}/engagement/", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in html
    assert "<td>4</td>" in html
    assert "<td>—</td>" in html  # a figure not reported is no 0
    assert "Unavailable: The entry is no longer in the feed." in html
    assert "Next reading after" in html
    whole = client.get(f"/posts/{post.pk}/engagement/").content.decode()
    assert "<html" in whole
    assert "Back to the post" in whole
    client.force_login(outsider)
    assert client.get(f"/posts/{post.pk}/engagement/").status_code == 404


def test_the_api_gives_every_reading_and_hides_what_one_may_not_see(
    api_as: Any, sme: User, sales: Department, outsider: User, django_assert_num_queries: Any
) -> None:
    post = _with_figures(sme, sales)
    client = api_as(sme)
    # Session, user, their groups and memberships (visibility), the post, its snapshots, its
    # watch: the same for any number of readings.
    with django_assert_num_queries(7):
        response = client.get(f"/api/v1/posts/{post.pk}/engagement/")
    body = response.json()
    assert response.status_code == 200
    assert [(s["step"], s["likes"], s["views"]) for s in body["snapshots"]] == [
        (0, 4, None),
        (1, None, None),
    ]
    assert body["snapshots"][1]["unavailable"] == "The entry is no longer in the feed."
    assert body["next_due_at"] is not None
    for step in range(2, 7):
        EngagementSnapshot.objects.create(post=post, step=step, taken_at=timezone.now(), likes=9)
    with django_assert_num_queries(7):
        assert len(client.get(f"/api/v1/posts/{post.pk}/engagement/").json()["snapshots"]) == 7
    assert api_as(outsider).get(f"/api/v1/posts/{post.pk}/engagement/").status_code == 404
    assert api_as(sme).get("/api/v1/posts/999999/engagement/").status_code == 404
