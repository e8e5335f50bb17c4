"""The review-queue, crisis-pauses and notifications API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from activity.models import Notification
from approvals import services
from approvals.models import CrisisPause, Post
from approvals.tests.factories import make_account, submitted_post
from channels_app.models import BrandAccount

ApiAs = Callable[[User | None], Any]


# --- review-queue/ --------------------------------------------------------------------------------


def test_the_queue_spans_departments_oldest_first(
    api_as: ApiAs,
    sme: User,
    outsider: User,
    account: BrandAccount,
    rnd: Department,
    comms_department: Department,
    comms_reviewer: User,
) -> None:
    lab = make_account(rnd, drafters=[rnd], reviewers=[comms_department])
    newer = submitted_post(sme, account, "newer")
    older = submitted_post(outsider, lab, "older")
    Post.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=1))

    response = api_as(comms_reviewer).get("/api/v1/review-queue/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["id"], r["department"]["slug"]) for r in rows] == [
        (older.pk, "rnd"),
        (newer.pk, "sales"),
    ]
    only_rnd = api_as(comms_reviewer).get("/api/v1/review-queue/?department=rnd").json()
    assert [r["id"] for r in only_rnd["results"]] == [older.pk]


def test_a_post_leaves_the_queue_once_the_reviewers_stage_approved(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User
) -> None:
    plain = submitted_post(sme, account, "plain")
    legal = submitted_post(sme, account, "Our earnings grew.")

    legal_queue = api_as(legal_reviewer).get("/api/v1/review-queue/").json()["results"]
    assert [r["id"] for r in legal_queue] == [legal.pk]  # legal sees only what needs legal

    services.post_approve(post=legal, actor=comms_reviewer)
    comms_queue = api_as(comms_reviewer).get("/api/v1/review-queue/").json()["results"]
    assert [r["id"] for r in comms_queue] == [plain.pk]
    legal_queue = api_as(legal_reviewer).get("/api/v1/review-queue/").json()["results"]
    assert [r["id"] for r in legal_queue] == [legal.pk]
    assert legal_queue[0]["stages"][0]["approved_by"]["email"] == comms_reviewer.email


def test_the_queue_is_for_reviewers_only(api_as: ApiAs, sme: User, manager: User) -> None:
    assert api_as(sme).get("/api/v1/review-queue/").status_code == 403
    assert api_as(manager).get("/api/v1/review-queue/").status_code == 403


def test_the_queue_with_a_bad_filter_is_400(api_as: ApiAs, comms_reviewer: User) -> None:
    assert api_as(comms_reviewer).get("/api/v1/review-queue/?stage=legal").status_code == 400
    assert api_as(comms_reviewer).get("/api/v1/review-queue/?brand_account=x").status_code == 400


def test_reviewers_without_review_permission_on_an_account_do_not_see_its_posts(
    api_as: ApiAs, outsider: User, rnd: Department, comms_reviewer: User
) -> None:
    unreviewed = make_account(rnd, drafters=[rnd])  # nobody holds review_on
    submitted_post(outsider, unreviewed)
    assert api_as(comms_reviewer).get("/api/v1/review-queue/").json()["count"] == 0


# --- crisis-pauses/ -------------------------------------------------------------------------------


def test_set_list_and_lift_a_pause(
    api_as: ApiAs, org_admin: User, comms_reviewer: User, sme: User, account: BrandAccount
) -> None:
    created = api_as(comms_reviewer).post(
        "/api/v1/crisis-pauses/",
        {"brand_account": account.pk, "reason": "Account compromised"},
        format="json",
    )
    assert created.status_code == 201
    pause = created.json()
    assert (pause["is_active"], pause["brand_account"]["id"]) == (True, account.pk)

    listed = api_as(sme).get("/api/v1/crisis-pauses/?active=true").json()
    assert [p["id"] for p in listed["results"]] == [pause["id"]]

    lifted = api_as(org_admin).post(
        f"/api/v1/crisis-pauses/{pause['id']}/lift/", {"note": "Password reset"}, format="json"
    )
    assert lifted.status_code == 200
    assert (lifted.json()["is_active"], lifted.json()["lift_note"]) == (False, "Password reset")
    assert api_as(sme).get("/api/v1/crisis-pauses/?active=true").json()["count"] == 0
    again = api_as(org_admin).post(f"/api/v1/crisis-pauses/{pause['id']}/lift/")
    assert again.status_code == 409


def test_an_sme_cannot_set_or_lift_a_pause(api_as: ApiAs, sme: User, org_admin: User) -> None:
    assert (
        api_as(sme).post("/api/v1/crisis-pauses/", {"reason": "x"}, format="json").status_code
        == 403
    )
    pause = services.crisis_pause_set(actor=org_admin, reason="Real")
    assert api_as(sme).post(f"/api/v1/crisis-pauses/{pause.pk}/lift/").status_code == 403
    pause.refresh_from_db()
    assert pause.is_active
    assert CrisisPause.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [{}, {"reason": ""}, {"reason": "x" * 501}],
)
def test_a_pause_with_bad_input_is_400(
    api_as: ApiAs, org_admin: User, payload: dict[str, Any]
) -> None:
    response = api_as(org_admin).post("/api/v1/crisis-pauses/", payload, format="json")
    assert response.status_code == 400
    assert not CrisisPause.objects.exists()


def test_a_pause_on_a_missing_account_is_404(api_as: ApiAs, org_admin: User) -> None:
    response = api_as(org_admin).post(
        "/api/v1/crisis-pauses/", {"reason": "x", "brand_account": 99999}, format="json"
    )
    assert response.status_code == 404
    assert not CrisisPause.objects.exists()


def test_a_second_org_wide_pause_is_409(api_as: ApiAs, org_admin: User) -> None:
    api_as(org_admin).post("/api/v1/crisis-pauses/", {"reason": "One"}, format="json")
    second = api_as(org_admin).post("/api/v1/crisis-pauses/", {"reason": "Two"}, format="json")
    assert second.status_code == 409
    assert CrisisPause.objects.count() == 1


def test_a_missing_pause_is_404_and_a_bad_filter_400(api_as: ApiAs, org_admin: User) -> None:
    assert api_as(org_admin).get("/api/v1/crisis-pauses/999/").status_code == 404
    assert api_as(org_admin).post("/api/v1/crisis-pauses/999/lift/").status_code == 404
    assert api_as(org_admin).get("/api/v1/crisis-pauses/?active=maybe").status_code == 400


# --- notifications/ -------------------------------------------------------------------------------


def test_notifications_are_private_and_can_be_marked_read(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    services.post_request_changes(post=post, actor=comms_reviewer, note="Shorter")

    mine = api_as(sme).get("/api/v1/notifications/").json()["results"]
    assert [n["kind"] for n in mine] == ["decision"]
    theirs = api_as(comms_reviewer).get("/api/v1/notifications/").json()["results"]
    assert [n["kind"] for n in theirs] == ["submitted"]

    marked = api_as(sme).post("/api/v1/notifications/read/", {}, format="json")
    assert marked.json() == {"marked": 1}
    assert Notification.objects.filter(recipient=comms_reviewer, read_at__isnull=True).count() == 1
    bad = api_as(sme).post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400
