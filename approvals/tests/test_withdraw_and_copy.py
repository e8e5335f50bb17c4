"""Withdrawing someone else's post needs a reason and a confirmation (page and API); the author
is told why, and may copy a withdrawn or rejected post into a new draft (post_copy_to_draft)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from activity.models import AuditEvent, Notification
from approvals import services
from approvals.models import Post, PostState
from approvals.tests.factories import force_state, submitted_post
from channels_app.models import BrandAccount
from core.errors import Conflict, NotAllowed


@pytest.fixture
def in_review(sme: User, account: BrandAccount) -> Post:
    return submitted_post(sme, account, "Our spring catalogue is out.")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Withdraw: the confirmation page -------------------------------------------------------------


def test_comms_sees_a_confirmation_page_and_must_give_a_reason(
    in_review: Post, comms_reviewer: User, sme: User
) -> None:
    client = _client(comms_reviewer)
    detail = client.get(f"/posts/{in_review.pk}/").content.decode()
    assert f'href="/posts/{in_review.pk}/withdraw/"' in detail  # a link, not a one-click form
    page = client.get(f"/posts/{in_review.pk}/withdraw/")
    assert page.status_code == 200
    assert "Withdraw post" in page.content.decode()
    assert "required" in page.content.decode()
    refused = client.post(f"/posts/{in_review.pk}/withdraw/", {"reason": "  "})
    assert refused.status_code == 400
    assert "Add a reason" in refused.content.decode()
    in_review.refresh_from_db()
    assert in_review.state == PostState.IN_REVIEW
    done = client.post(f"/posts/{in_review.pk}/withdraw/", {"reason": "Clashes with the recall."})
    assert done.status_code == 302
    in_review.refresh_from_db()
    assert in_review.state == PostState.WITHDRAWN
    notice = Notification.objects.get(recipient=sme, message__contains="withdrew")
    assert "Clashes with the recall." in notice.message


def test_the_author_withdraws_in_one_step_without_a_reason(in_review: Post, sme: User) -> None:
    client = _client(sme)
    assert (
        f'action="/posts/{in_review.pk}/withdraw/"'
        in client.get(f"/posts/{in_review.pk}/").content.decode()
    )
    assert client.post(f"/posts/{in_review.pk}/withdraw/").status_code == 302
    in_review.refresh_from_db()
    assert in_review.state == PostState.WITHDRAWN


def test_withdraw_page_outsider_404_colleague_403(
    in_review: Post, outsider: User, manager: User
) -> None:
    assert _client(outsider).get(f"/posts/{in_review.pk}/withdraw/").status_code == 404
    assert (
        _client(outsider).post(f"/posts/{in_review.pk}/withdraw/", {"reason": "x"}).status_code
        == 404
    )
    assert _client(manager).get(f"/posts/{in_review.pk}/withdraw/").status_code == 403
    assert (
        _client(manager).post(f"/posts/{in_review.pk}/withdraw/", {"reason": "x"}).status_code
        == 403
    )
    in_review.refresh_from_db()
    assert in_review.state == PostState.IN_REVIEW


# --- Withdraw: the API ---------------------------------------------------------------------------


def test_api_withdraw_by_comms_requires_a_reason(
    api_as: Any, in_review: Post, comms_reviewer: User
) -> None:
    url = f"/api/v1/posts/{in_review.pk}/withdraw/"
    refused = api_as(comms_reviewer).post(url, {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["reason"] == [
        "Add a reason: tell the author why you withdraw their post."
    ]
    in_review.refresh_from_db()
    assert in_review.state == PostState.IN_REVIEW
    assert not AuditEvent.objects.for_target(in_review).filter(action="post.withdraw").exists()
    done = api_as(comms_reviewer).post(url, {"reason": "Embargoed."}, format="json")
    assert done.status_code == 200
    assert done.json()["state"] == PostState.WITHDRAWN


def test_api_withdraw_reads_the_older_note_field_and_refuses_a_long_reason(
    api_as: Any, in_review: Post, comms_reviewer: User, sme: User
) -> None:
    url = f"/api/v1/posts/{in_review.pk}/withdraw/"
    too_long = api_as(comms_reviewer).post(url, {"reason": "x" * 5001}, format="json")
    assert too_long.status_code == 400
    assert "reason" in too_long.json()
    in_review.refresh_from_db()
    assert in_review.state == PostState.IN_REVIEW
    done = api_as(comms_reviewer).post(url, {"note": "Out of date."}, format="json")
    assert done.status_code == 200
    notice = Notification.objects.get(recipient=sme, message__contains="withdrew")
    assert "Out of date." in notice.message


def test_api_withdraw_by_the_author_needs_no_reason(
    api_as: Any, in_review: Post, sme: User
) -> None:
    response = api_as(sme).post(f"/api/v1/posts/{in_review.pk}/withdraw/", {}, format="json")
    assert response.status_code == 200


def test_api_withdraw_outsider_404_wrong_role_403(
    api_as: Any, in_review: Post, outsider: User, manager: User
) -> None:
    url = f"/api/v1/posts/{in_review.pk}/withdraw/"
    assert api_as(outsider).post(url, {"reason": "x"}, format="json").status_code == 404
    assert api_as(manager).post(url, {"reason": "x"}, format="json").status_code == 403
    in_review.refresh_from_db()
    assert in_review.state == PostState.IN_REVIEW


# --- Copy into a new draft -----------------------------------------------------------------------


@pytest.mark.parametrize("state", [PostState.WITHDRAWN, PostState.REJECTED])
def test_the_author_copies_a_closed_post_into_a_new_draft(
    in_review: Post, sme: User, state: str
) -> None:
    closed = force_state(in_review, state)
    copy = services.post_copy_to_draft(post=closed, actor=sme)
    assert copy.pk != closed.pk
    assert copy.state == PostState.DRAFT
    assert copy.author == sme
    assert copy.body == "Our spring catalogue is out."
    assert copy.brand_account_id == closed.brand_account_id
    assert copy.revision_number == 1
    closed.refresh_from_db()
    assert closed.state == state  # the closed post stays as it was
    created = AuditEvent.objects.for_target(copy).get(action="post.created")
    assert created.data["copied_from"] == closed.pk
    copied = AuditEvent.objects.for_target(closed).get(action="post.copied_to_draft")
    assert copied.data["copy"] == copy.pk


@pytest.mark.parametrize(
    "state", [s for s in PostState.values if s not in (PostState.WITHDRAWN, PostState.REJECTED)]
)
def test_only_closed_posts_are_copied(in_review: Post, sme: User, state: str) -> None:
    post = force_state(in_review, state)
    with pytest.raises(Conflict):
        services.post_copy_to_draft(post=post, actor=sme)
    assert Post.objects.count() == 1


def test_only_the_author_copies(in_review: Post, comms_reviewer: User) -> None:
    closed = force_state(in_review, PostState.WITHDRAWN)
    with pytest.raises(NotAllowed):
        services.post_copy_to_draft(post=closed, actor=comms_reviewer)
    assert Post.objects.count() == 1


def test_copy_page_button_and_redirect(in_review: Post, sme: User, comms_reviewer: User) -> None:
    closed = force_state(in_review, PostState.REJECTED)
    assert (
        f'action="/posts/{closed.pk}/copy/"'
        not in _client(comms_reviewer).get(f"/posts/{closed.pk}/").content.decode()
    )
    client = _client(sme)
    assert (
        f'action="/posts/{closed.pk}/copy/"' in client.get(f"/posts/{closed.pk}/").content.decode()
    )
    response = client.post(f"/posts/{closed.pk}/copy/")
    copy = Post.objects.exclude(pk=closed.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{copy.pk}/edit/"


def test_copy_page_outsider_404_wrong_role_403_wrong_state_409(
    in_review: Post, sme: User, outsider: User, comms_reviewer: User
) -> None:
    assert _client(outsider).post(f"/posts/{in_review.pk}/copy/").status_code == 404
    assert _client(sme).post(f"/posts/{in_review.pk}/copy/").status_code == 409  # still open
    force_state(in_review, PostState.WITHDRAWN)
    assert _client(comms_reviewer).post(f"/posts/{in_review.pk}/copy/").status_code == 403
    assert Post.objects.count() == 1


def test_api_copy(
    api_as: Any, in_review: Post, sme: User, outsider: User, comms_reviewer: User
) -> None:
    url = f"/api/v1/posts/{in_review.pk}/copy/"
    assert api_as(sme).post(url, format="json").status_code == 409
    force_state(in_review, PostState.WITHDRAWN)
    assert api_as(outsider).post(url, format="json").status_code == 404
    assert api_as(comms_reviewer).post(url, format="json").status_code == 403
    assert Post.objects.count() == 1
    assert "copy_to_draft" in api_as(sme).get(f"/api/v1/posts/{in_review.pk}/").json()["actions"]
    response = api_as(sme).post(url, format="json")
    assert response.status_code == 201
    assert response.json()["state"] == PostState.DRAFT
    assert response.json()["body"] == "Our spring catalogue is out."
    assert response.json()["id"] != in_review.pk


def test_api_copy_costs_the_same_queries_whatever_the_history(
    api_as: Any, sme: User, account: BrandAccount
) -> None:
    from django.db import connection

    client = api_as(sme)

    def run(post: Post) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.post(f"/api/v1/posts/{post.pk}/copy/", format="json").status_code == 201
        return len(queries.captured_queries)

    short = force_state(submitted_post(sme, account, "One."), PostState.WITHDRAWN)
    long = submitted_post(sme, account, "Two.")
    for number in range(3):
        services.post_revise(post=long, actor=sme, body=f"Two, take {number}.")
    long = force_state(long, PostState.REJECTED)
    run(short)  # warm-up
    short_again = force_state(submitted_post(sme, account, "Three."), PostState.WITHDRAWN)
    assert run(short_again) == run(long)
