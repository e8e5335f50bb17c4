"""Bulk review: POST /api/v1/posts/bulk/ and the queue's bulk form (POST /posts/bulk/), each post
through its single-post service with one result per post."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent
from approvals import services
from approvals.models import Decision, Post, PostState
from approvals.tests.factories import approved_post, make_account, submitted_post
from channels_app.models import BrandAccount

ApiAs = Callable[[User | None], Any]
BULK = "/api/v1/posts/bulk/"


def _state(post: Post) -> str:
    return Post.objects.get(pk=post.pk).state


def _future(hours: int = 3) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


# --- API ------------------------------------------------------------------------------------------


def test_bulk_approve_answers_one_result_per_post(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    first, second = submitted_post(sme, account, "one"), submitted_post(sme, account, "two")

    response = api_as(comms_reviewer).post(
        BULK, {"action": "approve", "ids": [first.pk, second.pk]}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["done"], body["failed"]) == (2, 0)
    assert [(r["id"], r["ok"], r["state"]) for r in body["results"]] == [
        (first.pk, True, "approved"),
        (second.pk, True, "approved"),
    ]
    # Each went through the single-post service: its decision and its audit event.
    assert Decision.objects.filter(post__in=[first, second]).count() == 2
    assert AuditEvent.objects.filter(action="post.approve").count() == 2


def test_some_fail_and_say_why_the_others_go_through(
    api_as: ApiAs,
    sme: User,
    outsider: User,
    account: BrandAccount,
    rnd: Department,
    comms_reviewer: User,
) -> None:
    waiting = submitted_post(sme, account, "waiting")
    draft = approved_post(sme, account, comms_reviewer, "approved already")
    hidden_account = make_account(rnd, drafters=[rnd])  # comms neither reviews nor sees it
    hidden = services.post_create(actor=outsider, brand_account=hidden_account, body="secret")
    ids = [waiting.pk, draft.pk, hidden.pk, 987654]

    response = api_as(comms_reviewer).post(
        BULK, {"action": "reject", "ids": ids, "note": "Off brand."}, format="json"
    )

    assert response.status_code == 200
    results = {r["id"]: r for r in response.json()["results"]}
    assert results[waiting.pk]["ok"]
    assert results[waiting.pk]["state"] == "rejected"
    assert not results[draft.pk]["ok"]
    assert results[draft.pk]["code"] == "transition_not_allowed"
    assert "approved" in results[draft.pk]["message"]
    # A post the reviewer may not see answers exactly like a missing one.
    hidden_answer = {k: v for k, v in results[hidden.pk].items() if k != "id"}
    missing_answer = {k: v for k, v in results[987654].items() if k != "id"}
    assert (
        hidden_answer
        == missing_answer
        == {
            "ok": False,
            "code": "not_found",
            "message": "No such post.",
            "state": "",
        }
    )
    assert _state(hidden) == PostState.DRAFT


def test_bulk_schedule_and_request_changes(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User
) -> None:
    ready = approved_post(sme, account, comms_reviewer, "ready")
    waiting = submitted_post(sme, account, "waiting")

    scheduled = api_as(comms_reviewer).post(
        BULK, {"action": "schedule", "ids": [ready.pk], "scheduled_at": _future()}, format="json"
    )
    changes = api_as(comms_reviewer).post(
        BULK,
        {"action": "request_changes", "ids": [waiting.pk], "note": "Shorter, please."},
        format="json",
    )

    assert scheduled.json()["results"][0]["state"] == "scheduled"
    assert changes.json()["results"][0]["state"] == "changes_requested"
    assert Decision.objects.get(post=waiting).note == "Shorter, please."


def test_an_outsider_learns_nothing(
    api_as: ApiAs, sme: User, outsider: User, account: BrandAccount
) -> None:
    """Not a reviewer at all: the whole request is refused (403) before any post is looked at,
    the same answer whether the ids exist or not."""
    post = submitted_post(sme, account)
    real = api_as(outsider).post(BULK, {"action": "approve", "ids": [post.pk]}, format="json")
    made_up = api_as(outsider).post(BULK, {"action": "approve", "ids": [987654]}, format="json")
    assert real.status_code == made_up.status_code == 403
    assert real.json() == made_up.json()
    assert _state(post) == PostState.IN_REVIEW


def test_a_reviewer_who_cannot_see_the_post_gets_not_found(
    api_as: ApiAs, outsider: User, rnd: Department, comms_reviewer: User
) -> None:
    lab = make_account(rnd, drafters=[rnd])  # comms has no grant on it
    post = submitted_post(outsider, lab, "lab news")
    response = api_as(comms_reviewer).post(
        BULK, {"action": "approve", "ids": [post.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["code"] == "not_found"
    assert _state(post) == PostState.IN_REVIEW


@pytest.mark.parametrize("action", ["approve", "reject", "schedule"])
def test_the_wrong_role_is_refused_whole(
    api_as: ApiAs,
    sme: User,
    manager: User,
    account: BrandAccount,
    comms_reviewer: User,
    action: str,
) -> None:
    """The manager sees the department's posts but neither reviews nor publishes: 403."""
    post = (
        approved_post(sme, account, comms_reviewer)
        if action == "schedule"
        else submitted_post(sme, account)
    )
    before = _state(post)
    response = api_as(manager).post(
        BULK,
        {"action": action, "ids": [post.pk], "note": "why", "scheduled_at": _future()},
        format="json",
    )
    assert response.status_code == 403
    assert _state(post) == before


def test_the_author_among_the_ids_is_refused_for_that_post(
    api_as: ApiAs,
    comms_reviewer: User,
    comms_department: Department,
    sme: User,
    account: BrandAccount,
) -> None:
    """Separation of duties holds post by post: a reviewer's own post is refused (403 code)."""
    comms_account = make_account(
        comms_department, drafters=[comms_department], reviewers=[comms_department]
    )
    own = services.post_create(actor=comms_reviewer, brand_account=comms_account, body="mine")
    Post.objects.filter(pk=own.pk).update(
        state=PostState.IN_REVIEW, submitted_at=timezone.now(), first_submitted_at=timezone.now()
    )
    other = submitted_post(sme, account)
    response = api_as(comms_reviewer).post(
        BULK, {"action": "approve", "ids": [own.pk, other.pk]}, format="json"
    )
    results = {r["id"]: r for r in response.json()["results"]}
    assert results[own.pk]["code"] == "separation_of_duties"
    assert results[other.pk]["ok"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "publish", "ids": [1]}, "action"),
        ({"action": "approve", "ids": []}, "ids"),
        ({"action": "approve", "ids": list(range(1, 102))}, "ids"),
        ({"action": "approve", "ids": ["x"]}, "ids"),
        ({"action": "approve", "ids": [0]}, "ids"),
        ({"action": "approve"}, "ids"),
        ({"action": "reject", "ids": ["ID"], "note": ""}, "note"),
        ({"action": "request_changes", "ids": ["ID"], "note": "   "}, "note"),
        ({"action": "schedule", "ids": ["ID"]}, "scheduled_at"),
        ({"action": "schedule", "ids": ["ID"], "scheduled_at": "tomorrow"}, "scheduled_at"),
        ({"action": "schedule", "ids": ["ID"], "scheduled_at": "2030-05-01T09:00"}, "scheduled_at"),
        (
            {"action": "schedule", "ids": ["ID"], "scheduled_at": "2020-05-01T09:00:00+00:00"},
            "scheduled_at",
        ),
    ],
)
def test_bad_input_is_400_and_nothing_is_written(
    api_as: ApiAs,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    payload: dict[str, Any],
    field: str,
) -> None:
    post = submitted_post(sme, account)
    ready = approved_post(sme, account, comms_reviewer, "ready")
    target = ready if payload["action"] == "schedule" else post
    if payload.get("ids") == ["ID"]:
        payload = {**payload, "ids": [target.pk]}
    events = AuditEvent.objects.count()

    response = api_as(comms_reviewer).post(BULK, payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert AuditEvent.objects.count() == events
    assert (_state(post), _state(ready)) == (PostState.IN_REVIEW, PostState.APPROVED)


def test_each_post_costs_the_same_number_of_queries(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    """The posts are looked up in one query; then each post costs what its own service costs,
    the same for every post (no query grows with the size of the request)."""
    client = api_as(comms_reviewer)
    client.post(BULK, {"action": "approve", "ids": [987654]}, format="json")  # warm-up

    def cost(n: int) -> int:
        ids = [submitted_post(sme, account, f"post {i}").pk for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            response = client.post(BULK, {"action": "approve", "ids": ids}, format="json")
        assert response.json()["done"] == n
        return len(queries.captured_queries)

    one, two, four = cost(1), cost(2), cost(4)
    per_post = two - one
    assert four - two == 2 * per_post


# --- Pages ----------------------------------------------------------------------------------------


def _page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_bulk_form_approves_and_shows_each_result(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    first, second = submitted_post(sme, account, "one"), submitted_post(sme, account, "two")
    client = _page_client(comms_reviewer)
    queue = client.get("/review/?sort=newest&department=sales").content.decode()
    assert 'id="bulk-form"' in queue
    assert f'value="{first.pk}" form="bulk-form"' in queue
    assert 'value="/review/?sort=newest&amp;department=sales"' in queue  # comes back filtered

    response = client.post(
        "/posts/bulk/",
        {"action": "approve", "ids": [first.pk, second.pk, 987654], "next": "/review/?sort=newest"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Approve: 2 done, 1 not done" in page
    assert "No such post." in page
    assert 'href="/review/?sort=newest"' in page
    assert (_state(first), _state(second)) == (PostState.APPROVED, PostState.APPROVED)


def test_the_page_refuses_bad_input_and_the_wrong_role(
    sme: User, manager: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    reviewer = _page_client(comms_reviewer)
    no_note = reviewer.post("/posts/bulk/", {"action": "reject", "ids": [post.pk]})
    none_chosen = reviewer.post("/posts/bulk/", {"action": "approve"})
    offsite = reviewer.post(
        "/posts/bulk/", {"action": "reject", "ids": [post.pk], "next": "https://evil.example/"}
    )
    wrong_role = _page_client(manager).post("/posts/bulk/", {"action": "approve", "ids": [post.pk]})

    assert no_note.status_code == none_chosen.status_code == 400
    assert "Add a note" in no_note.content.decode()
    assert "evil.example" not in offsite.content.decode()
    assert wrong_role.status_code == 403
    assert _state(post) == PostState.IN_REVIEW
    assert not AuditEvent.objects.filter(action="post.reject").exists()


def test_bulk_schedule_from_the_post_list(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    ready = approved_post(sme, account, comms_reviewer, "ready")
    client = _page_client(comms_reviewer)
    listing = client.get("/posts/?scope=all&state=approved").content.decode()
    assert f'value="{ready.pk}" form="bulk-form"' in listing
    when = timezone.localtime(timezone.now() + timedelta(days=1))

    response = client.post(
        "/posts/bulk/",
        {"action": "schedule", "ids": [ready.pk], "scheduled_at": f"{when:%Y-%m-%dT%H:%M}"},
    )

    assert response.status_code == 200
    assert _state(ready) == PostState.SCHEDULED
    # An SME's list has no bulk form.
    assert 'id="bulk-form"' not in _page_client(sme).get("/posts/").content.decode()


# --- Queue filters --------------------------------------------------------------------------------


def test_queue_filters(
    api_as: ApiAs,
    sme: User,
    outsider: User,
    account: BrandAccount,
    rnd: Department,
    comms_department: Department,
    comms_reviewer: User,
) -> None:
    lab = make_account(rnd, platform="mastodon", drafters=[rnd], reviewers=[comms_department])
    old = submitted_post(sme, account, "We are pleased to announce our world-class desk.")
    new = submitted_post(outsider, lab, "Lab notes for the week.")
    Post.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=4))
    client = api_as(comms_reviewer)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/review-queue/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [old.pk, new.pk]
    assert ids("sort=newest") == [new.pk, old.pk]
    assert ids("platform=mastodon") == [new.pk]
    assert ids(f"author={sme.pk}") == [old.pk]
    assert ids("age=late") == [old.pk]
    assert ids("age=fresh") == [new.pk]
    assert ids("findings=yes") == [old.pk]
    assert ids("findings=no") == [new.pk]
    assert ids("stage=comms&department=rnd") == [new.pk]
    for bad in ("platform=myspace", "age=old", "sort=random", "findings=maybe", "author=x"):
        response = client.get(f"/api/v1/review-queue/?{bad}")
        assert response.status_code == 400, bad
        assert bad.split("=")[0] in response.json()

    page = _page_client(comms_reviewer).get("/review/?findings=yes&sort=newest")
    html = page.content.decode()
    assert f"#{old.pk} · revision" in html
    assert f"#{new.pk} · revision" not in html
    assert '<option value="yes" selected>' in html


def test_queue_filter_query_count_is_constant_with_findings(
    sme: User, account: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    submitted_post(sme, account, "We are pleased to announce it.")
    client = _page_client(comms_reviewer)
    url = "/review/?findings=yes&age=fresh&platform=internal"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    for i in range(5):
        submitted_post(sme, account, f"We are pleased to announce number {i}.")
    # The findings filter reads the posts, their images and the word lists once each, whatever
    # the number of posts; the rest is the queue page's usual count.
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("· revision") == 6


def test_a_post_changed_since_the_reviewer_saw_it_is_refused(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    """The revision each post showed goes with the request; an edit since is refused for that
    post alone (stale_revision), on the API and from the queue's form alike."""
    seen = submitted_post(sme, account, "as seen")
    changed = submitted_post(sme, account, "before the edit")
    client = _page_client(comms_reviewer)
    queue = client.get("/review/").content.decode()
    assert f'name="rev-{changed.pk}" value="1"' in queue
    services.post_revise(post=changed, actor=sme, body="after the edit")

    response = client.post(
        "/posts/bulk/",
        {
            "action": "approve",
            "ids": [seen.pk, changed.pk],
            f"rev-{seen.pk}": "1",
            f"rev-{changed.pk}": "1",
        },
    )

    assert "Approve: 1 done, 1 not done" in response.content.decode()
    assert (_state(seen), _state(changed)) == (PostState.APPROVED, PostState.IN_REVIEW)
    api = api_as(comms_reviewer).post(
        BULK,
        {"action": "approve", "ids": [changed.pk], "revisions": {str(changed.pk): 1}},
        format="json",
    )
    assert api.json()["results"][0]["code"] == "stale_revision"
    bad = api_as(comms_reviewer).post(
        BULK,
        {"action": "approve", "ids": [changed.pk], "revisions": {"x": 1}},
        format="json",
    )
    assert bad.status_code == 400
    assert "revisions" in bad.json()
    assert _state(changed) == PostState.IN_REVIEW
