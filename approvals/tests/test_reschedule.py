"""Moving a scheduled post: post_reschedule, the calendar's Move form (what drag and drop sends),
Undo, POST /api/v1/posts/{id}/reschedule/, and crisis pauses on the calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from activity.models import AuditEvent
from approvals import services
from approvals.models import Post, PostState
from approvals.tests.factories import approved_post, scheduled_post
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput, NotAllowed

ApiAs = Callable[[User | None], Any]


def _at(days: int = 1, hour: int = 10) -> datetime:
    local = timezone.localtime(timezone.now() + timedelta(days=days))
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _scheduled_at(post: Post) -> datetime | None:
    return Post.objects.get(pk=post.pk).scheduled_at


# --- The service ----------------------------------------------------------------------------------


def test_reschedule_moves_and_answers_the_previous_time(
    sme: User, account: BrandAccount, comms_reviewer: User, queued: Any
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_at(1))
    moved, previous = services.post_reschedule(
        post=post, actor=comms_reviewer, scheduled_at=_at(2, 15)
    )
    assert previous == _at(1)
    assert moved.state == PostState.SCHEDULED
    assert _scheduled_at(post) == _at(2, 15)
    event = AuditEvent.objects.filter(action="post.reschedule").get()
    assert event.data["previous_scheduled_at"] == _at(1).isoformat()
    assert (event.from_state, event.to_state) == (PostState.SCHEDULED, PostState.SCHEDULED)


def test_reschedule_refusals(
    sme: User, manager: User, org_admin: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_at(1))
    approved = approved_post(sme, account, comms_reviewer, "not scheduled")
    with pytest.raises(InvalidInput):
        services.post_reschedule(
            post=post, actor=comms_reviewer, scheduled_at=timezone.now() - timedelta(hours=1)
        )
    with pytest.raises(NotAllowed):
        services.post_reschedule(post=post, actor=manager, scheduled_at=_at(2))
    with pytest.raises(Conflict):
        services.post_reschedule(post=approved, actor=comms_reviewer, scheduled_at=_at(2))
    services.crisis_pause_set(actor=org_admin, reason="Storm")
    with pytest.raises(NotAllowed, match="paused"):
        services.post_reschedule(post=post, actor=comms_reviewer, scheduled_at=_at(2))
    assert _scheduled_at(post) == _at(1)
    assert not AuditEvent.objects.filter(action="post.reschedule").exists()


# --- Pages: Move form, drag and drop, Undo --------------------------------------------------------


def test_move_then_undo_from_the_calendar(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_at(1))
    client = _client(comms_reviewer)
    calendar_url = f"/calendar/?date={_at(1):%Y-%m-%d}"
    page = client.get(calendar_url).content.decode()
    assert f'data-move-post="{post.pk}"' in page  # draggable
    assert f'action="/posts/{post.pk}/reschedule/"' in page  # the keyboard's Move form
    target = _at(2, 16)

    moved = client.post(
        f"/posts/{post.pk}/reschedule/",
        {"scheduled_at": f"{target:%Y-%m-%dT%H:%M}", "next": calendar_url},
    )

    assert moved.status_code == 302
    assert moved["Location"] == calendar_url
    assert _scheduled_at(post) == target
    page = client.get(calendar_url).content.decode()
    assert "Undo" in page
    assert f'name="undo_to" value="{_at(1).isoformat()}"' in page

    undone = client.post(
        f"/posts/{post.pk}/reschedule/", {"undo_to": _at(1).isoformat(), "next": calendar_url}
    )

    assert undone.status_code == 302
    assert _scheduled_at(post) == _at(1)
    after = client.get(calendar_url).content.decode()
    assert "moved back" in after
    assert 'name="undo_to"' not in after  # undoing offers no undo of its own
    assert AuditEvent.objects.filter(action="post.reschedule").count() == 2


def test_a_move_never_sends_the_person_to_another_site(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_at(1))
    moved = _client(comms_reviewer).post(
        f"/posts/{post.pk}/reschedule/",
        {"scheduled_at": f"{_at(2):%Y-%m-%dT%H:%M}", "next": "https://evil.example/calendar/"},
    )
    assert moved.status_code == 302
    assert moved["Location"] == "/calendar/"
    assert _scheduled_at(post) == _at(2)


def test_move_page_refusals(
    sme: User,
    manager: User,
    outsider: User,
    org_admin: User,
    account: BrandAccount,
    comms_reviewer: User,
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_at(1))
    url = f"/posts/{post.pk}/reschedule/"
    good = {"scheduled_at": f"{_at(2):%Y-%m-%dT%H:%M}"}

    assert _client(outsider).post(url, good).status_code == 404
    assert _client(manager).post(url, good).status_code == 403
    assert (
        _client(sme)
        .get(f"/calendar/?date={_at(1):%Y-%m-%d}")
        .content.decode()
        .count("data-move-post")
        == 0
    )  # the author may not publish: nothing to drag
    reviewer = _client(comms_reviewer)
    assert reviewer.post(url, {"scheduled_at": "soon"}).status_code == 400
    past = timezone.localtime(timezone.now() - timedelta(hours=2))
    refused = reviewer.post(url, {"scheduled_at": f"{past:%Y-%m-%dT%H:%M}"})
    assert refused.status_code == 400
    assert "Pick a time in the future" in refused.content.decode()
    assert reviewer.post(url, {"undo_to": "yesterday"}).status_code == 400
    services.crisis_pause_set(actor=org_admin, reason="Storm")
    paused = reviewer.post(url, good)
    assert paused.status_code == 403
    assert "was not moved" in paused.content.decode()
    assert _scheduled_at(post) == _at(1)
    assert not AuditEvent.objects.filter(action="post.reschedule").exists()


def test_the_post_page_offers_the_move_too(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_at(1))
    page = _client(comms_reviewer).get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/posts/{post.pk}/reschedule/"' in page
    assert "Move to another time" in page


# --- Crisis pauses on the calendar ----------------------------------------------------------------


def test_crisis_pauses_show_on_the_days_they_cover(
    sme: User, org_admin: User, account: BrandAccount, comms_reviewer: User
) -> None:
    lifted = services.crisis_pause_set(actor=org_admin, reason="Outage", brand_account=account)
    services.crisis_pause_lift(pause=lifted, actor=org_admin)
    # Tuesday 10:00 to Wednesday 10:00 of next week, in the viewer's zone.
    today = timezone.localdate()
    tuesday = today + timedelta(days=7 - today.weekday() + 1)
    start = timezone.make_aware(datetime.combine(tuesday, datetime.min.time())) + timedelta(
        hours=10
    )
    type(lifted).objects.filter(pk=lifted.pk).update(
        started_at=start, lifted_at=start + timedelta(days=1)
    )
    holding = services.crisis_pause_set(actor=org_admin, reason="Storm")
    page = _client(sme).get(f"/calendar/?view=week&date={tuesday:%Y-%m-%d}")
    html = page.content.decode()
    assert page.status_code == 200
    # The lifted one on its two days; the holding one on every day of the week (it goes on).
    assert html.count(f'data-crisis-day="{lifted.pk}"') == 2
    assert html.count(f'data-crisis-day="{holding.pk}"') == 7
    assert "all accounts" in html


# --- API ------------------------------------------------------------------------------------------


def test_api_reschedule(
    api_as: ApiAs,
    sme: User,
    manager: User,
    outsider: User,
    account: BrandAccount,
    comms_reviewer: User,
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_at(1))
    url = f"/api/v1/posts/{post.pk}/reschedule/"
    body = {"scheduled_at": _at(3).isoformat()}

    assert api_as(outsider).post(url, body, format="json").status_code == 404
    assert api_as(manager).post(url, body, format="json").status_code == 403
    for bad in ({}, {"scheduled_at": "later"}, {"scheduled_at": "2030-01-01T10:00"}):
        answer = api_as(comms_reviewer).post(url, bad, format="json")
        assert answer.status_code == 400
        assert "scheduled_at" in answer.json()
    assert _scheduled_at(post) == _at(1)

    response = api_as(comms_reviewer).post(url, body, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert datetime.fromisoformat(data["previous_scheduled_at"]) == _at(1)
    assert datetime.fromisoformat(data["post"]["scheduled_at"]) == _at(3)
    assert "reschedule" in data["post"]["actions"]


def test_calendar_query_count_is_constant_for_a_publisher(
    sme: User, account: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    """As someone who may move posts (the per-post Move forms and drag handles)."""
    scheduled_post(sme, account, comms_reviewer, at=_at(1))
    client = _client(comms_reviewer)
    url = f"/calendar/?date={_at(1):%Y-%m-%d}"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for minutes in range(1, 6):
        scheduled_post(sme, account, comms_reviewer, at=_at(1) + timedelta(minutes=minutes))
    with django_assert_num_queries(len(first.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("data-move-post=") == 6
