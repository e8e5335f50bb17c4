"""Connection readiness (channels_app.readiness): shown on compose, review and the queue;
schedule, publish now and retry refused (409 account_not_connected) on an account that cannot
publish; a due post on such an account held back, its account's managers told once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from activity.models import AuditEvent, Notification
from approvals import services
from approvals.models import Post, PostState
from approvals.tests.factories import (
    approved_post,
    force_state,
    make_account,
    scheduled_post,
    submitted_post,
)
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.readiness import Readiness, account_readiness
from channels_app.tests.factories import grant_user, store_connection
from core.errors import Conflict


@pytest.fixture
def linkedin(sales: Department, comms_department: Department) -> BrandAccount:
    """An external account, not connected."""
    return make_account(
        sales,
        platform="linkedin",
        handle="urn:li:organization:4242",
        display_name="Sales on LinkedIn",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )


@pytest.fixture
def account_manager(linkedin: BrandAccount, sales: Department) -> User:
    person = UserFactory.create(email="account.manager@example.test")
    add_member(person, sales)
    grant_user(linkedin, person, "manage")
    return person


def _break(account: BrandAccount) -> None:
    BrandAccountConnection.objects.filter(brand_account=account).update(
        problem="The token was revoked.", problem_since=timezone.now()
    )


def _fresh(account: BrandAccount) -> BrandAccount:
    return BrandAccount.objects.select_related("connection").get(pk=account.pk)


# --- The rule -----------------------------------------------------------------------------------


def test_readiness_of_each_kind_of_account(account: BrandAccount, linkedin: BrandAccount) -> None:
    assert account_readiness(account).state == Readiness.READY  # internal: nothing to connect
    not_connected = account_readiness(_fresh(linkedin))
    assert not_connected.state == Readiness.NOT_CONNECTED
    assert "Sales on LinkedIn is not connected" in not_connected.message
    store_connection(linkedin)
    assert account_readiness(_fresh(linkedin)).ready
    _break(linkedin)
    broken = account_readiness(_fresh(linkedin))
    assert broken.state == Readiness.RECONNECT_NEEDED
    assert broken.label == "Reconnect needed"


# --- Refused in the service, for the page and the API alike --------------------------------------


def test_schedule_publish_now_and_retry_are_refused_when_not_connected(
    sme: User, linkedin: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, linkedin, comms_reviewer)
    when = timezone.now() + timedelta(hours=3)
    for attempt in (
        lambda: services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=when),
        lambda: services.post_publish_now(post=post, actor=comms_reviewer),
    ):
        with pytest.raises(Conflict, match="is not connected") as refused:
            attempt()
        assert refused.value.code == "account_not_connected"
    failed = force_state(approved_post(sme, linkedin, comms_reviewer), PostState.FAILED)
    with pytest.raises(Conflict) as refused:
        services.post_retry(post=failed, actor=comms_reviewer)
    assert refused.value.code == "account_not_connected"
    post.refresh_from_db()
    assert post.state == PostState.APPROVED
    assert post.scheduled_at is None
    assert not AuditEvent.objects.filter(
        action__in=("post.schedule", "post.publish_now", "post.retry")
    ).exists()


def test_a_connection_needing_reconnect_refuses_too(
    sme: User, linkedin: BrandAccount, comms_reviewer: User
) -> None:
    store_connection(linkedin)
    _break(linkedin)
    post = approved_post(sme, linkedin, comms_reviewer)
    with pytest.raises(Conflict, match="needs connecting again") as refused:
        services.post_publish_now(post=post, actor=comms_reviewer)
    assert refused.value.code == "account_not_connected"


def test_a_connected_account_schedules(
    sme: User, linkedin: BrandAccount, comms_reviewer: User
) -> None:
    store_connection(linkedin)
    post = scheduled_post(sme, linkedin, comms_reviewer)
    assert post.state == PostState.SCHEDULED


@pytest.mark.parametrize(
    ("path", "payload", "state"),
    [
        ("schedule", {"scheduled_at": "2099-01-01T09:00:00+00:00"}, PostState.APPROVED),
        ("publish-now", {}, PostState.APPROVED),
        ("retry", {}, PostState.FAILED),
    ],
)
def test_the_api_answers_409_account_not_connected(
    api_as: Any,
    sme: User,
    linkedin: BrandAccount,
    comms_reviewer: User,
    path: str,
    payload: dict[str, str],
    state: str,
) -> None:
    post = force_state(approved_post(sme, linkedin, comms_reviewer), state)
    if path == "schedule":  # within the year the service allows
        payload = {"scheduled_at": (timezone.now() + timedelta(days=2)).isoformat()}
    response = api_as(comms_reviewer).post(
        f"/api/v1/posts/{post.pk}/{path}/", payload, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "account_not_connected"
    assert "Sales on LinkedIn is not connected" in response.json()["detail"]
    post.refresh_from_db()
    assert post.state == state


def test_the_page_answers_409_with_the_message(
    sme: User, linkedin: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, linkedin, comms_reviewer)
    client = Client()
    client.force_login(comms_reviewer)
    response = client.post(f"/posts/{post.pk}/publish-now/")
    assert response.status_code == 409
    assert "Sales on LinkedIn is not connected" in response.content.decode()
    post.refresh_from_db()
    assert post.state == PostState.APPROVED


# --- Shown on compose, review and the queue ------------------------------------------------------


def test_compose_shows_the_connection_state(sme: User, linkedin: BrandAccount) -> None:
    client = Client()
    client.force_login(sme)
    page = client.get(f"/posts/new/?brand_account={linkedin.pk}").content.decode()
    assert "Sales on LinkedIn" in page
    assert "· not connected" in page  # in the account's choice
    assert 'data-readiness="not_connected"' in page  # the notice beside the guidance
    partial = client.post("/posts/check/", {"brand_account": linkedin.pk, "body": "Hello"})
    assert 'data-readiness="not_connected"' in partial.content.decode()


def test_review_and_queue_show_the_connection_state(
    sme: User, linkedin: BrandAccount, comms_reviewer: User
) -> None:
    store_connection(linkedin)
    _break(linkedin)
    post = submitted_post(sme, linkedin)
    client = Client()
    client.force_login(comms_reviewer)
    review = client.get(f"/posts/{post.pk}/review/").content.decode()
    assert 'data-readiness="reconnect_needed"' in review
    assert "needs connecting again" in review
    queue = client.get("/review/").content.decode()
    assert 'data-readiness="reconnect_needed"' in queue


def test_a_ready_account_shows_nothing(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    client = Client()
    client.force_login(comms_reviewer)
    assert "data-readiness" not in client.get(f"/posts/{post.pk}/review/").content.decode()
    assert "data-readiness" not in client.get("/review/").content.decode()


def test_the_queue_reads_readiness_without_a_query_per_row(
    sme: User, linkedin: BrandAccount, account: BrandAccount, comms_reviewer: User
) -> None:
    submitted_post(sme, linkedin)
    client = Client()
    client.force_login(comms_reviewer)
    client.get("/review/")  # warm-up

    def count() -> int:
        with CaptureQueriesContext(db_connection) as queries:
            assert client.get("/review/").status_code == 200
        return len(queries.captured_queries)

    one = count()
    others = make_account(
        linkedin.department,
        platform="linkedin",
        handle="urn:li:organization:99",
        reviewers=list(Department.objects.filter(slug="communications")),
    )
    store_connection(others)
    _break(others)
    for _ in range(3):
        submitted_post(sme, others)
        submitted_post(sme, account)
    assert count() == one


# --- A due post on a broken connection waits, its managers told once -----------------------------


def test_a_due_post_on_a_broken_connection_is_held_and_managers_told_once(
    sme: User, linkedin: BrandAccount, comms_reviewer: User, account_manager: User, org_admin: User
) -> None:
    store_connection(linkedin)
    post = scheduled_post(sme, linkedin, comms_reviewer)
    _break(linkedin)
    later = timezone.now() + timedelta(hours=3)
    services.posts_release_due(now=later)
    post.refresh_from_db()
    assert post.state == PostState.APPROVED
    assert post.scheduled_at is None
    assert "needs connecting again" in post.notice
    event = AuditEvent.objects.for_target(post).get(action="post.hold_for_connection")
    assert (event.from_state, event.to_state) == (PostState.SCHEDULED, PostState.APPROVED)
    told = Notification.objects.filter(kind=Notification.Kind.CONNECTION, target_id=str(post.pk))
    assert set(told.values_list("recipient", flat=True)) == {account_manager.pk, org_admin.pk}
    assert Notification.objects.filter(
        recipient=sme, kind=Notification.Kind.SCHEDULE_MISSED, target_id=str(post.pk)
    ).exists()
    # Nothing more on a later sweep; and after a reconnect, a new schedule and a new breakage,
    # the managers are not told about this post again.
    services.posts_release_due(now=later + timedelta(minutes=1))
    BrandAccountConnection.objects.filter(brand_account=linkedin).update(problem="")
    services.post_schedule(
        post=Post.objects.get(pk=post.pk),
        actor=comms_reviewer,
        scheduled_at=later + timedelta(hours=1),
    )
    _break(linkedin)
    services.posts_release_due(now=later + timedelta(hours=2))
    post.refresh_from_db()
    assert post.state == PostState.APPROVED
    assert told.count() == 2  # still the one notice each


def test_a_due_post_on_a_connected_account_is_released(
    sme: User, linkedin: BrandAccount, comms_reviewer: User
) -> None:
    store_connection(linkedin)
    post = scheduled_post(sme, linkedin, comms_reviewer)
    services.posts_release_due(now=timezone.now() + timedelta(hours=3))
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING


def test_releasing_a_due_post_reads_its_connection_with_the_post(
    sme: User, linkedin: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    store_connection(linkedin)
    post = scheduled_post(sme, linkedin, comms_reviewer)
    # The locked post (its connection joined), the crisis pauses, the quiet periods, the
    # transition and its audit event, in savepoints: no query of its own for the readiness check.
    with django_assert_num_queries(9):
        services.post_release_due(
            post_id=post.pk, now=timezone.now() + timedelta(hours=3), hand_over=False
        )
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING
