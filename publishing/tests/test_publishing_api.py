"""Publishing on the post page and over the API: every attempt listed, the retry action, who may
see and do which (outsider 404, wrong role 403), and constant query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from approvals import services
from approvals.models import Post, PostState
from approvals.tests.factories import approved_post
from channels_app.models import BrandAccount
from core.tests.celery_broker import QueuedTask
from publishing import tasks
from publishing.models import AttemptKind, AttemptOutcome, PublishAttempt


def failed_post(sme: User, account: BrandAccount, comms: User, org_admin: User) -> Post:
    """A post the engine failed: a crisis pause came between publish-now and the send."""
    post = approved_post(sme, account, comms)
    services.post_publish_now(post=post, actor=comms)
    pause = services.crisis_pause_set(actor=org_admin, reason="Storm", brand_account=account)
    assert tasks.publish_post(post.pk) == "failed"  # unsent: the pause came first
    services.crisis_pause_lift(pause=pause, actor=org_admin)
    post.refresh_from_db()
    assert post.state == PostState.FAILED
    return post


@pytest.fixture
def failed(sme: User, account: BrandAccount, comms_reviewer: User, org_admin: User) -> Post:
    return failed_post(sme, account, comms_reviewer, org_admin)


# --- posts/{id}/ -------------------------------------------------------------------------------


def test_a_published_post_shows_its_external_id_and_url(
    api_as: Any, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    services.post_publish_now(post=post, actor=comms_reviewer)
    tasks.publish_post(post.pk)

    body = api_as(sme).get(f"/api/v1/posts/{post.pk}/").json()

    post.refresh_from_db()
    assert body["state"] == "published"
    assert (body["external_id"], body["external_url"]) == (post.external_id, post.external_url)
    assert body["external_url"].startswith("/feed/entries/")
    assert body["next_attempt_at"] is None


# --- posts/{id}/attempts/ ----------------------------------------------------------------------


def test_attempts_list_every_try_with_the_platforms_message(
    api_as: Any, failed: Post, sme: User, comms_reviewer: User
) -> None:
    services.post_retry(post=failed, actor=comms_reviewer)
    tasks.publish_post(failed.pk)

    for person in (sme, comms_reviewer):  # the author and a publisher
        response = api_as(person).get(f"/api/v1/posts/{failed.pk}/attempts/")
        assert response.status_code == 200
        rows = response.json()
        assert [(r["number"], r["kind"], r["outcome"]) for r in rows] == [
            (1, "send", "failed"),
            (2, "send", "published"),
        ]
        assert "Publishing was paused (Storm)" in rows[0]["message"]
        assert rows[1]["external_url"].startswith("/feed/entries/")
        assert rows[1]["finished_at"] is not None


def test_attempts_are_hidden_from_outsiders_and_from_colleagues_without_a_role(
    api_as: Any, failed: Post, outsider: User, manager: User
) -> None:
    assert api_as(outsider).get(f"/api/v1/posts/{failed.pk}/attempts/").status_code == 404
    # The sales manager sees the post (their department's activity)...
    assert api_as(manager).get(f"/api/v1/posts/{failed.pk}/").status_code == 200
    # ...but the delivery log is for the author, reviewers and publishers.
    response = api_as(manager).get(f"/api/v1/posts/{failed.pk}/attempts/")
    assert response.status_code == 403
    assert "author" in response.json()["detail"]
    # Not logged in: 401, asking for a token (WWW-Authenticate: Token).
    assert api_as(None).get(f"/api/v1/posts/{failed.pk}/attempts/").status_code == 401


def test_attempts_are_read_only(api_as: Any, failed: Post, comms_reviewer: User) -> None:
    response = api_as(comms_reviewer).post(f"/api/v1/posts/{failed.pk}/attempts/", {})
    assert response.status_code == 405
    assert PublishAttempt.objects.filter(post=failed).count() == 1


def test_attempts_cost_the_same_queries_for_one_or_many(
    api_as: Any, failed: Post, sme: User, django_assert_num_queries: Any
) -> None:
    api = api_as(sme)
    url = f"/api/v1/posts/{failed.pk}/attempts/"
    api.get(url)  # warm-up
    # 1 session, 2 user, 3 organisation roles, 4 memberships (visibility), 5 the post (the
    # accounts the person reviews or publishes on are a subquery; the author check reads the
    # loaded row), 6 the attempts.
    with django_assert_num_queries(6):
        assert len(api.get(url).json()) == 1
    now = timezone.now()
    for number in range(2, 8):
        PublishAttempt.objects.create(
            post=failed,
            number=number,
            kind=AttemptKind.SEND,
            started_at=now,
            lease_expires_at=now,
            finished_at=now,
            outcome=AttemptOutcome.RETRY,
            message="Mastodon: Service temporarily unavailable",
        )
    with django_assert_num_queries(6):
        assert len(api.get(url).json()) == 7


# --- posts/{id}/retry/ -------------------------------------------------------------------------


def test_a_publisher_retries_a_failed_post_and_it_is_queued(
    api_as: Any,
    failed: Post,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    queued()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(comms_reviewer).post(f"/api/v1/posts/{failed.pk}/retry/")

    assert response.status_code == 200
    assert response.json()["state"] == "publishing"
    assert [(t.name, t.args) for t in queued()] == [("approvals.publish_post", (failed.pk,))]
    assert tasks.publish_post(failed.pk) == "published"


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("sme", 403), ("manager", 403)])
def test_retry_is_refused_to_outsiders_and_people_without_publish_on(
    api_as: Any,
    failed: Post,
    who: str,
    status: int,
    request: pytest.FixtureRequest,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    person = request.getfixturevalue(who)
    queued()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(person).post(f"/api/v1/posts/{failed.pk}/retry/")

    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "no_publish_permission"
    failed.refresh_from_db()
    assert failed.state == PostState.FAILED
    assert queued() == []


def test_retry_of_a_post_that_has_not_failed_is_a_conflict(
    api_as: Any, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    services.post_publish_now(post=post, actor=comms_reviewer)
    tasks.publish_post(post.pk)

    response = api_as(comms_reviewer).post(f"/api/v1/posts/{post.pk}/retry/")

    assert response.status_code == 409
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED


# --- The post page -----------------------------------------------------------------------------


def test_the_post_page_lists_attempts_and_offers_retry_to_publishers(
    failed: Post, sme: User, comms_reviewer: User
) -> None:
    client = Client()
    client.force_login(comms_reviewer)
    html = client.get(f"/posts/{failed.pk}/").content.decode()

    assert "Publishing attempts" in html
    assert 'data-outcome="failed"' in html
    assert "Publishing was paused (Storm)" in html
    assert f'action="/posts/{failed.pk}/retry/"' in html

    client.force_login(sme)  # the author sees the attempts, but may not publish
    html = client.get(f"/posts/{failed.pk}/").content.decode()
    assert "Publishing attempts" in html
    assert f'action="/posts/{failed.pk}/retry/"' not in html


def test_colleagues_without_a_role_see_the_post_but_not_its_attempts(
    failed: Post, manager: User
) -> None:
    client = Client()
    client.force_login(manager)
    response = client.get(f"/posts/{failed.pk}/")
    assert response.status_code == 200
    assert "Publishing attempts" not in response.content.decode()


def test_retry_from_the_page(failed: Post, comms_reviewer: User, sme: User) -> None:
    client = Client()
    client.force_login(sme)
    assert client.post(f"/posts/{failed.pk}/retry/").status_code == 403
    failed.refresh_from_db()
    assert failed.state == PostState.FAILED

    client.force_login(comms_reviewer)
    response = client.post(f"/posts/{failed.pk}/retry/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == PostState.PUBLISHING


def test_the_page_shows_the_published_link_and_the_wait_of_an_unconfirmed_post(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    services.post_publish_now(post=post, actor=comms_reviewer)
    tasks.publish_post(post.pk)
    post.refresh_from_db()
    client = Client()
    client.force_login(sme)
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert f'href="{post.external_url}"' in html

    other = approved_post(sme, account, comms_reviewer)
    services.post_publish_now(post=other, actor=comms_reviewer)
    services.post_mark_unconfirmed(post_id=other.pk, note="Timed out")
    Post.objects.filter(pk=other.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    PublishAttempt.objects.create(
        post=other,
        number=1,
        started_at=timezone.now(),
        lease_expires_at=timezone.now(),
        finished_at=timezone.now(),
        outcome=AttemptOutcome.UNKNOWN,
        message="Timed out waiting for the answer",
    )
    html = client.get(f"/posts/{other.pk}/").content.decode()
    assert "could not confirm" in html
    assert "before sending anything again" in html


def test_the_admin_shows_attempts_and_feed_entries_read_only(
    failed: Post, comms_reviewer: User, org_admin: User
) -> None:
    services.post_retry(post=failed, actor=comms_reviewer)
    tasks.publish_post(failed.pk)
    User.objects.filter(pk=org_admin.pk).update(is_staff=True)
    client = Client()
    client.force_login(org_admin)
    for model in ("publishattempt", "feedentry"):
        assert client.get(f"/admin/publishing/{model}/").status_code == 200
        assert client.get(f"/admin/publishing/{model}/add/").status_code == 403
        # The address from before the engine had its own app leads there.
        moved = client.get(f"/admin/approvals/{model}/?o=1")
        assert (moved.status_code, moved["Location"]) == (302, f"/admin/publishing/{model}/?o=1")
    attempt = PublishAttempt.objects.filter(post=failed).first()
    assert attempt is not None
    response = client.post(
        f"/admin/publishing/publishattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert PublishAttempt.objects.filter(pk=attempt.pk).exists()
