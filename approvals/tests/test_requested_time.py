"""The time an author asks for (Post.requested_at): set on compose, edit and the API, shown to
reviewers and offered by the schedule form; a post still in review when it passes goes back to
its author (expiry), audited, with a notice, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from activity.models import AuditEvent, Notification
from approvals import services, tasks
from approvals.models import Post, PostState
from approvals.tests.factories import approved_post, make_post, submitted_post
from channels_app.models import BrandAccount
from core.errors import DomainError, InvalidInput

ApiAs = Callable[[User | None], Any]


def _soon(hours: float = 3) -> datetime:
    return (timezone.now() + timedelta(hours=hours)).replace(microsecond=0)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _requested_ago(post: Post, hours: float) -> Post:
    Post.objects.filter(pk=post.pk).update(requested_at=timezone.now() - timedelta(hours=hours))
    return Post.objects.get(pk=post.pk)


# --- The services ------------------------------------------------------------------------------


def test_create_stores_the_wish_in_utc_and_records_it(sme: User, account: BrandAccount) -> None:
    wish = _soon().astimezone(timezone.get_fixed_timezone(120))
    post = services.post_create(actor=sme, brand_account=account, body="Hi", requested_at=wish)
    post.refresh_from_db()
    assert post.requested_at == wish
    created = AuditEvent.objects.for_target(post).get(action="post.created")
    assert created.data["requested_at"] == wish.astimezone(UTC).isoformat()


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda: timezone.now() - timedelta(minutes=5), "future"),
        (lambda: timezone.now() + timedelta(days=400), "within the next year"),
        (lambda: datetime(2031, 5, 1, 9, 0), "time zone"),  # noqa: DTZ001 - the bad input
    ],
)
def test_a_bad_wish_is_refused_and_nothing_is_written(
    sme: User, account: BrandAccount, when: Callable[[], datetime], message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.post_create(actor=sme, brand_account=account, body="Hi", requested_at=when())
    assert refused.value.field == "requested_at"
    assert message in refused.value.message
    assert not Post.objects.exists()


def test_changing_only_the_wish_makes_no_revision_and_keeps_the_approval(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    wish = _soon(5)
    services.post_revise(post=post, actor=sme, requested_at=wish)
    post.refresh_from_db()
    assert (post.state, post.revision_number, post.requested_at) == (PostState.APPROVED, 1, wish)
    event = AuditEvent.objects.for_target(post).get(action="post.requested_time_set")
    assert event.data == {"requested_at": wish.isoformat(), "previous": None}
    # The same wish again writes nothing; None clears it.
    services.post_revise(post=post, actor=sme, requested_at=wish)
    services.post_revise(post=post, actor=sme, requested_at=None)
    post.refresh_from_db()
    assert post.requested_at is None
    assert AuditEvent.objects.filter(action="post.requested_time_set").count() == 2


def test_only_the_author_sets_the_wish(sme: User, account: BrandAccount, manager: User) -> None:
    post = make_post(sme, account)
    with pytest.raises(DomainError) as refused:
        services.post_revise(post=post, actor=manager, requested_at=_soon())
    assert refused.value.status_code == 403
    post.refresh_from_db()
    assert post.requested_at is None


def test_submitting_with_a_passed_wish_is_refused(sme: User, account: BrandAccount) -> None:
    post = _requested_ago(make_post(sme, account), 1)
    with pytest.raises(InvalidInput) as refused:
        services.post_submit(post=post, actor=sme)
    assert refused.value.field == "requested_at"
    assert "has passed" in refused.value.message
    post.refresh_from_db()
    assert post.state == PostState.DRAFT


# --- Expiry ------------------------------------------------------------------------------------


def test_a_post_in_review_past_its_wish_goes_back_once(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    passed = _requested_ago(submitted_post(sme, account), 2)
    ahead = submitted_post(sme, account)
    Post.objects.filter(pk=ahead.pk).update(requested_at=_soon())
    approved = _requested_ago(approved_post(sme, account, comms_reviewer), 2)

    assert tasks.expire_approvals() == 1

    passed.refresh_from_db()
    assert passed.state == PostState.CHANGES_REQUESTED
    assert passed.requested_at is None  # the author picks another
    assert "still in review" in passed.notice
    event = AuditEvent.objects.for_target(passed).get(action="post.expire")
    assert (event.from_state, event.to_state, event.actor) == (
        PostState.IN_REVIEW,
        PostState.CHANGES_REQUESTED,
        None,
    )
    assert event.data["reason"] == "requested_time_passed"
    notice = Notification.objects.get(recipient=sme, message__contains="still in review then")
    assert notice.target_id == str(passed.pk)
    # Still in review with a wish ahead, or already approved: left alone.
    assert Post.objects.get(pk=ahead.pk).state == PostState.IN_REVIEW
    assert Post.objects.get(pk=approved.pk).state == PostState.APPROVED
    # Idempotent.
    assert tasks.expire_approvals() == 0
    assert AuditEvent.objects.filter(action="post.expire").count() == 1

    # The author submits again with a new wish (or none).
    services.post_revise(post=passed, actor=sme, requested_at=_soon(24))
    services.post_submit(post=Post.objects.get(pk=passed.pk), actor=sme)
    assert Post.objects.get(pk=passed.pk).state == PostState.IN_REVIEW


def test_the_setting_switches_it_off(settings: Any, sme: User, account: BrandAccount) -> None:
    settings.SOCIALHUB_EXPIRE_PASSED_REQUESTS = False
    post = _requested_ago(submitted_post(sme, account), 5)
    assert services.posts_expire_passed_requests() == []
    assert services.post_expire_passed_request(post=post, now=timezone.now()) is None
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW


def test_a_post_decided_meanwhile_is_left_alone(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = _requested_ago(submitted_post(sme, account), 1)
    services.post_approve(post=post, actor=comms_reviewer)
    # The due list was read before the decision: the locked re-check leaves it alone.
    assert services.post_expire_passed_request(post=post, now=timezone.now()) is None
    assert Post.objects.get(pk=post.pk).state == PostState.APPROVED


# --- Pages -------------------------------------------------------------------------------------


def test_compose_takes_the_wish_in_the_persons_zone(sme: User, account: BrandAccount) -> None:
    wish = timezone.localtime(_soon(30))
    response = _client(sme).post(
        reverse("post_create"),
        {
            "brand_account": account.pk,
            "body": "Hello",
            "requested_at": wish.strftime("%Y-%m-%dT%H:%M"),
            "save": "",
        },
    )
    assert response.status_code == 302
    assert Post.objects.get().requested_at == wish.replace(second=0)


def test_compose_with_a_passed_wish_shows_the_error_and_writes_nothing(
    sme: User, account: BrandAccount
) -> None:
    past = timezone.localtime(timezone.now() - timedelta(hours=2))
    response = _client(sme).post(
        reverse("post_create"),
        {
            "brand_account": account.pk,
            "body": "Hello",
            "requested_at": past.strftime("%Y-%m-%dT%H:%M"),
            "save": "",
        },
    )
    assert response.status_code == 400
    assert "Pick a time in the future." in response.content.decode()
    assert not Post.objects.exists()


def test_edit_changes_the_wish_and_the_reviewer_sees_it(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    wish = timezone.localtime(_soon(48)).replace(second=0)
    _client(sme).post(
        reverse("post_edit", args=[post.pk]),
        {"body": post.body, "requested_at": wish.strftime("%Y-%m-%dT%H:%M"), "save": ""},
    )
    post.refresh_from_db()
    assert (post.requested_at, post.revision_number) == (wish, 1)
    page = _client(comms_reviewer).get(reverse("post_review", args=[post.pk])).content.decode()
    assert "would like it out on" in page
    assert wish.astimezone(UTC).isoformat() in page or wish.isoformat() in page


def test_the_schedule_form_offers_the_wish(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    wish = timezone.localtime(_soon(6))
    services.post_revise(post=post, actor=sme, requested_at=wish)
    page = _client(comms_reviewer).get(reverse("post_detail", args=[post.pk])).content.decode()
    assert f'value="{wish:%Y-%m-%dT%H:%M}"' in page


# --- API ---------------------------------------------------------------------------------------


def test_api_create_and_patch_the_wish(api_as: ApiAs, sme: User, account: BrandAccount) -> None:
    wish = _soon()
    created = api_as(sme).post(
        "/api/v1/posts/",
        {"brand_account": account.pk, "body": "Hi", "requested_at": wish.isoformat()},
        format="json",
    )
    assert created.status_code == 201
    assert datetime.fromisoformat(created.json()["requested_at"]) == wish
    url = f"/api/v1/posts/{created.json()['id']}/"
    later = _soon(9)
    patched = api_as(sme).patch(url, {"requested_at": later.isoformat()}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["revision"], patched.json()["body"]) == (1, "Hi")
    assert datetime.fromisoformat(patched.json()["requested_at"]) == later
    cleared = api_as(sme).patch(url, {"requested_at": None}, format="json")
    assert cleared.json()["requested_at"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"requested_at": "tomorrow"},
        {"requested_at": "2031-05-01T09:00:00"},
        {"requested_at": "2001-05-01T09:00:00+00:00"},
        {"requested_at": 12},
    ],
)
def test_api_bad_wish_is_400_and_changes_nothing(
    api_as: ApiAs, sme: User, account: BrandAccount, payload: dict[str, Any]
) -> None:
    post = make_post(sme, account)
    events = AuditEvent.objects.count()
    response = api_as(sme).patch(f"/api/v1/posts/{post.pk}/", payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"requested_at", "body"}
    post.refresh_from_db()
    assert post.requested_at is None
    assert AuditEvent.objects.count() == events


def test_api_patch_by_someone_else(
    api_as: ApiAs, sme: User, account: BrandAccount, manager: User, outsider: User
) -> None:
    post = make_post(sme, account)
    payload = {"requested_at": _soon().isoformat()}
    assert (
        api_as(outsider).patch(f"/api/v1/posts/{post.pk}/", payload, format="json").status_code
        == 404
    )
    assert (
        api_as(manager).patch(f"/api/v1/posts/{post.pk}/", payload, format="json").status_code
        == 403
    )
    post.refresh_from_db()
    assert post.requested_at is None
