"""The posts API: each endpoint's happy path, the outsider (404), the wrong role (403), bad
input (400) and refused transitions (409) — with nothing written when refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent
from approvals import services
from approvals.models import Post, PostState, ReviewComment
from approvals.tests.factories import (
    approved_post,
    make_account,
    make_post,
    scheduled_post,
    submitted_post,
)
from channels_app.models import BrandAccount

ApiAs = Callable[[User | None], Any]


def _url(post: Post, action: str = "") -> str:
    return f"/api/v1/posts/{post.pk}/" + (f"{action}/" if action else "")


def _unchanged(post: Post, state: str, events: int) -> None:
    """After refused requests: same state, and the audit trail has exactly what it had."""
    post.refresh_from_db()
    assert post.state == state
    assert AuditEvent.objects.for_target(post).count() == events


def _events(post: Post) -> int:
    return AuditEvent.objects.for_target(post).count()


@pytest.fixture
def in_review(sme: User, account: BrandAccount) -> Post:
    return submitted_post(sme, account)


@pytest.fixture
def approved(sme: User, account: BrandAccount, comms_reviewer: User) -> Post:
    return approved_post(sme, account, comms_reviewer)


# --- posts/ -------------------------------------------------------------------------------------


def test_list_shows_visible_posts_with_filters(
    api_as: ApiAs, sme: User, account: BrandAccount, outsider: User, rnd: Department
) -> None:
    mine = make_post(sme, account, "mine")
    submitted_post(sme, account, "submitted")
    lab = make_account(rnd)
    make_post(outsider, lab, "not for sales")

    everything = api_as(sme).get("/api/v1/posts/").json()
    drafts = api_as(sme).get("/api/v1/posts/?state=draft").json()

    assert everything["count"] == 2
    assert [p["id"] for p in drafts["results"]] == [mine.pk]
    first = drafts["results"][0]
    assert first["body"] == "mine"
    assert first["brand_account"]["display_name"] == "Sales news"
    assert [
        {key: stage[key] for key in ("stage", "state", "approved_by", "approved_at")}
        for stage in first["stages"]
    ] == [{"stage": "comms", "state": "pending", "approved_by": None, "approved_at": None}]
    assert api_as(sme).get("/api/v1/posts/?author=me&department=sales").json()["count"] == 2
    assert api_as(outsider).get("/api/v1/posts/").json()["count"] == 1


def test_list_with_a_bad_filter_is_400(api_as: ApiAs, sme: User) -> None:
    response = api_as(sme).get("/api/v1/posts/?state=lost")
    assert response.status_code == 400
    assert "state" in response.json()
    assert api_as(sme).get("/api/v1/posts/?brand_account=x").status_code == 400


def test_anonymous_callers_are_refused(api_as: ApiAs, db: None) -> None:
    assert api_as(None).get("/api/v1/posts/").status_code in (401, 403)


def test_create(api_as: ApiAs, sme: User, account: BrandAccount) -> None:
    response = api_as(sme).post(
        "/api/v1/posts/", {"brand_account": account.pk, "body": "Hello"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["revision"], body["body"]) == ("draft", 1, "Hello")
    assert Post.objects.get().author == sme


def test_create_on_an_account_one_may_not_see_is_404_as_for_a_missing_one(
    api_as: ApiAs, outsider: User, account: BrandAccount
) -> None:
    hidden = api_as(outsider).post(
        "/api/v1/posts/", {"brand_account": account.pk, "body": "Hello"}, format="json"
    )
    missing = api_as(outsider).post(
        "/api/v1/posts/", {"brand_account": account.pk + 999, "body": "Hello"}, format="json"
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert not Post.objects.exists()


def test_create_on_a_seen_account_without_draft_permission_is_403(
    api_as: ApiAs, comms_reviewer: User, account: BrandAccount
) -> None:
    response = api_as(comms_reviewer).post(
        "/api/v1/posts/", {"brand_account": account.pk, "body": "Hello"}, format="json"
    )
    assert response.status_code == 403
    assert "You may not draft on Sales news" in response.json()["detail"]
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "Hello"}, "brand_account"),
        ({"brand_account": "x", "body": "Hello"}, "brand_account"),
        ({"brand_account": "ACCOUNT"}, "body"),
        ({"brand_account": "ACCOUNT", "body": "x" * 20_001}, "body"),
    ],
)
def test_create_with_bad_input_is_400(
    api_as: ApiAs, sme: User, account: BrandAccount, payload: dict[str, Any], field: str
) -> None:
    payload = {k: account.pk if v == "ACCOUNT" else v for k, v in payload.items()}
    response = api_as(sme).post("/api/v1/posts/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Post.objects.exists()


def test_retrieve_and_the_outsider(
    api_as: ApiAs, draft: Post, sme: User, manager: User, outsider: User
) -> None:
    assert api_as(sme).get(_url(draft)).status_code == 200
    assert api_as(manager).get(_url(draft)).status_code == 200
    assert api_as(outsider).get(_url(draft)).status_code == 404
    assert api_as(sme).get("/api/v1/posts/999999/").status_code == 404


# --- PATCH: a new revision ----------------------------------------------------------------------


def test_patch_makes_a_new_revision(api_as: ApiAs, draft: Post, sme: User) -> None:
    response = api_as(sme).patch(_url(draft), {"body": "Second"}, format="json")
    assert response.status_code == 200
    assert (response.json()["revision"], response.json()["body"]) == (2, "Second")
    assert draft.revisions.count() == 2


def test_patch_by_a_colleague_is_403(api_as: ApiAs, draft: Post, manager: User) -> None:
    response = api_as(manager).patch(_url(draft), {"body": "Mine now"}, format="json")
    assert response.status_code == 403
    assert draft.revisions.count() == 1


def test_patch_by_an_outsider_is_404(api_as: ApiAs, draft: Post, outsider: User) -> None:
    assert api_as(outsider).patch(_url(draft), {"body": "x"}, format="json").status_code == 404
    assert draft.revisions.count() == 1


def test_patch_without_a_body_is_400(api_as: ApiAs, draft: Post, sme: User) -> None:
    response = api_as(sme).patch(_url(draft), {}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()
    assert draft.revisions.count() == 1


def test_patch_of_a_scheduled_post_is_409(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer)
    response = api_as(sme).patch(_url(post), {"body": "Late change"}, format="json")
    assert response.status_code == 409
    assert "Unschedule it first" in response.json()["detail"]
    assert post.revisions.count() == 1


# --- Transitions --------------------------------------------------------------------------------


def test_submit(api_as: ApiAs, draft: Post, sme: User, manager: User, outsider: User) -> None:
    events = _events(draft)
    assert api_as(outsider).post(_url(draft, "submit")).status_code == 404
    assert api_as(manager).post(_url(draft, "submit")).status_code == 403
    assert _events(draft) == events
    response = api_as(sme).post(_url(draft, "submit"))
    assert response.status_code == 200
    assert response.json()["state"] == "in_review"
    again = api_as(sme).post(_url(draft, "submit"))
    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"


def test_submit_with_a_hard_finding_is_403_with_the_reason(
    api_as: ApiAs, sme: User, account: BrandAccount
) -> None:
    post = make_post(sme, account, "")
    events = _events(post)
    response = api_as(sme).post(_url(post, "submit"))
    assert response.status_code == 403
    assert response.json()["code"] == "guidance"
    assert "The post is empty" in response.json()["body"][0]
    _unchanged(post, PostState.DRAFT, events)


@pytest.mark.parametrize(
    ("action", "payload", "state"),
    [
        ("approve", {"note": "Good"}, "approved"),
        ("request-changes", {"note": "Shorter"}, "changes_requested"),
        ("reject", {"note": "Off-brand"}, "rejected"),
    ],
)
def test_decisions(
    api_as: ApiAs,
    in_review: Post,
    comms_reviewer: User,
    sme: User,
    outsider: User,
    action: str,
    payload: dict[str, str],
    state: str,
) -> None:
    events = _events(in_review)
    assert api_as(outsider).post(_url(in_review, action), payload, format="json").status_code == 404
    wrong_role = api_as(sme).post(_url(in_review, action), payload, format="json")
    assert wrong_role.status_code == 403
    _unchanged(in_review, PostState.IN_REVIEW, events)

    response = api_as(comms_reviewer).post(_url(in_review, action), payload, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == state
    replay = api_as(comms_reviewer).post(_url(in_review, action), payload, format="json")
    assert replay.status_code == 409


@pytest.mark.parametrize("action", ["request-changes", "reject"])
def test_decisions_that_need_a_note_are_400_without_one(
    api_as: ApiAs, in_review: Post, comms_reviewer: User, action: str
) -> None:
    events = _events(in_review)
    response = api_as(comms_reviewer).post(_url(in_review, action), {}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    _unchanged(in_review, PostState.IN_REVIEW, events)


def test_a_decision_on_a_stale_revision_is_409(
    api_as: ApiAs, in_review: Post, sme: User, comms_reviewer: User
) -> None:
    api_as(sme).patch(_url(in_review), {"body": "Reworded"}, format="json")
    response = api_as(comms_reviewer).post(
        _url(in_review, "approve"), {"revision": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_revision"
    assert (
        api_as(comms_reviewer)
        .post(_url(in_review, "approve"), {"revision": 2}, format="json")
        .json()["state"]
        == "approved"
    )


def test_withdraw(api_as: ApiAs, in_review: Post, sme: User, manager: User, outsider: User) -> None:
    events = _events(in_review)
    assert api_as(outsider).post(_url(in_review, "withdraw")).status_code == 404
    assert api_as(manager).post(_url(in_review, "withdraw")).status_code == 403
    _unchanged(in_review, PostState.IN_REVIEW, events)
    response = api_as(sme).post(_url(in_review, "withdraw"), {"note": "Dropped"}, format="json")
    assert response.json()["state"] == "withdrawn"
    assert api_as(sme).post(_url(in_review, "withdraw")).status_code == 409


def test_schedule(
    api_as: ApiAs, approved: Post, comms_reviewer: User, sme: User, outsider: User
) -> None:
    events = _events(approved)
    when = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    payload = {"scheduled_at": when.astimezone().isoformat()}
    assert api_as(outsider).post(_url(approved, "schedule"), payload).status_code == 404
    assert api_as(sme).post(_url(approved, "schedule"), payload).status_code == 403
    _unchanged(approved, PostState.APPROVED, events)

    response = api_as(comms_reviewer).post(_url(approved, "schedule"), payload, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "scheduled"
    assert body["scheduled_at"].endswith("Z") or body["scheduled_at"].endswith("+00:00")
    approved.refresh_from_db()
    assert approved.scheduled_at == when
    assert api_as(comms_reviewer).post(_url(approved, "schedule"), payload).status_code == 409


@pytest.mark.parametrize(
    "value", ["", "next tuesday", "2031-01-01T09:00:00", "2031-13-45T09:00:00+02:00"]
)
def test_schedule_with_a_bad_time_is_400(
    api_as: ApiAs, approved: Post, comms_reviewer: User, value: str
) -> None:
    events = _events(approved)
    response = api_as(comms_reviewer).post(
        _url(approved, "schedule"), {"scheduled_at": value}, format="json"
    )
    assert response.status_code == 400
    assert "scheduled_at" in response.json()
    _unchanged(approved, PostState.APPROVED, events)


def test_schedule_under_a_crisis_pause_is_403(
    api_as: ApiAs, approved: Post, comms_reviewer: User, org_admin: User
) -> None:
    events = _events(approved)
    services.crisis_pause_set(actor=org_admin, reason="Incident")
    when = (timezone.now() + timedelta(days=1)).isoformat()
    response = api_as(comms_reviewer).post(_url(approved, "schedule"), {"scheduled_at": when})
    assert response.status_code == 403
    assert response.json()["code"] == "crisis_pause"
    _unchanged(approved, PostState.APPROVED, events)


def test_unschedule(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User, outsider: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer)
    assert api_as(outsider).post(_url(post, "unschedule")).status_code == 404
    assert api_as(sme).post(_url(post, "unschedule")).status_code == 403
    assert api_as(comms_reviewer).post(_url(post, "unschedule")).json()["state"] == "approved"
    assert api_as(comms_reviewer).post(_url(post, "unschedule")).status_code == 409


def test_publish_now(
    api_as: ApiAs, approved: Post, comms_reviewer: User, sme: User, outsider: User
) -> None:
    events = _events(approved)
    assert api_as(outsider).post(_url(approved, "publish-now")).status_code == 404
    assert api_as(sme).post(_url(approved, "publish-now")).status_code == 403
    _unchanged(approved, PostState.APPROVED, events)
    response = api_as(comms_reviewer).post(_url(approved, "publish-now"))
    assert response.json()["state"] == "publishing"
    assert api_as(comms_reviewer).post(_url(approved, "publish-now")).status_code == 409


def test_retry(
    api_as: ApiAs, approved: Post, comms_reviewer: User, sme: User, outsider: User
) -> None:
    assert api_as(comms_reviewer).post(_url(approved, "retry")).status_code == 409
    services.post_publish_now(post=approved, actor=comms_reviewer)
    services.post_mark_failed(post_id=approved.pk, error="Token expired")
    events = _events(approved)
    assert api_as(outsider).post(_url(approved, "retry")).status_code == 404
    assert api_as(sme).post(_url(approved, "retry")).status_code == 403
    _unchanged(approved, PostState.FAILED, events)
    response = api_as(comms_reviewer).post(_url(approved, "retry"))
    assert response.json()["state"] == "publishing"


# --- History and conversation ---------------------------------------------------------------------


def test_revisions(api_as: ApiAs, draft: Post, sme: User, outsider: User) -> None:
    services.post_revise(post=draft, actor=sme, body="Two")
    response = api_as(sme).get(_url(draft, "revisions"))
    assert [(r["number"], r["body"]) for r in response.json()] == [
        (1, "Our support desk opens at 8."),
        (2, "Two"),
    ]
    assert api_as(outsider).get(_url(draft, "revisions")).status_code == 404


def test_comments(
    api_as: ApiAs, in_review: Post, comms_reviewer: User, sme: User, outsider: User
) -> None:
    response = api_as(comms_reviewer).post(
        _url(in_review, "comments"),
        {"body": "Which desk?", "quote": "desk opens", "suggestion": "help desk opens"},
        format="json",
    )
    assert response.status_code == 201
    created = response.json()
    assert (created["quote"], created["quote_start"], created["revision"]) == (
        "desk opens",
        4,
        1,
    )
    reply = api_as(sme).post(
        _url(in_review, "comments"), {"body": "The one downstairs", "parent": created["id"]}
    )
    assert reply.status_code == 201
    listed = api_as(sme).get(_url(in_review, "comments")).json()
    assert [c["body"] for c in listed] == ["Which desk?", "The one downstairs"]
    assert listed[1]["parent"] == created["id"]
    assert api_as(outsider).get(_url(in_review, "comments")).status_code == 404
    assert api_as(outsider).post(_url(in_review, "comments"), {"body": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "Hm", "quote": "not in the text"}, "quote"),
        ({"body": "Hm", "suggestion": "without a quote"}, "suggestion"),
        ({"body": "Hm", "parent": 999999}, "parent"),
    ],
)
def test_comments_with_bad_input_are_400(
    api_as: ApiAs, in_review: Post, comms_reviewer: User, payload: dict[str, Any], field: str
) -> None:
    response = api_as(comms_reviewer).post(_url(in_review, "comments"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ReviewComment.objects.exists()


def test_resolving_a_comment(
    api_as: ApiAs, in_review: Post, comms_reviewer: User, sme: User, manager: User, outsider: User
) -> None:
    comment = services.comment_add(post=in_review, actor=comms_reviewer, body="Shorter?")
    url = _url(in_review, f"comments/{comment.pk}/resolve")
    assert api_as(outsider).post(url).status_code == 404
    assert api_as(manager).post(url).status_code == 403
    comment.refresh_from_db()
    assert comment.resolved is False
    response = api_as(sme).post(url, {"resolved": True}, format="json")
    assert response.status_code == 200
    assert response.json()["resolved"] is True
    assert response.json()["resolved_by"]["email"] == sme.email
    assert api_as(sme).post(url, {"resolved": "perhaps"}, format="json").status_code == 400


def test_audit(api_as: ApiAs, in_review: Post, sme: User, outsider: User) -> None:
    response = api_as(sme).get(_url(in_review, "audit"))
    events = [(e["action"], e["from_state"], e["to_state"]) for e in response.json()]
    assert events == [("post.created", "", "draft"), ("post.submit", "draft", "in_review")]
    assert response.json()[1]["data"]["revision"] == 1
    assert api_as(outsider).get(_url(in_review, "audit")).status_code == 404


# --- posts/check/ ---------------------------------------------------------------------------------


def test_check_for_an_account(api_as: ApiAs, sme: User, account: BrandAccount) -> None:
    response = api_as(sme).post(
        "/api/v1/posts/check/",
        {"brand_account": account.pk, "body": "We are thrilled to announce our earnings"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["platform"], body["blocks_submit"], body["requires_legal"]) == (
        "internal",
        False,
        True,
    )
    assert [f["rule"] for f in body["findings"]] == ["press_release", "sensitive"]
    assert body["findings"][0]["text"] == "We are thrilled to announce"


def test_check_for_a_platform(api_as: ApiAs, sme: User) -> None:
    response = api_as(sme).post(
        "/api/v1/posts/check/", {"platform": "x", "body": "x" * 281}, format="json"
    )
    body = response.json()
    assert (body["length"], body["max_length"], body["remaining"]) == (281, 280, -1)
    assert body["blocks_submit"] is True


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "no account or platform"},
        {"platform": "myspace", "body": "x"},
        {"brand_account": "ACCOUNT"},
    ],
)
def test_check_with_bad_input_is_400(
    api_as: ApiAs, sme: User, account: BrandAccount, payload: dict[str, Any]
) -> None:
    payload = {k: account.pk if v == "ACCOUNT" else v for k, v in payload.items()}
    assert api_as(sme).post("/api/v1/posts/check/", payload, format="json").status_code == 400


def test_check_on_an_account_one_does_not_work_on_is_400(
    api_as: ApiAs, outsider: User, account: BrandAccount
) -> None:
    response = api_as(outsider).post(
        "/api/v1/posts/check/", {"brand_account": account.pk, "body": "Hi"}, format="json"
    )
    assert response.status_code == 400
    assert "brand_account" in response.json()
