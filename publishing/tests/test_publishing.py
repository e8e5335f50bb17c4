"""Scheduling, publishing hand-over, the engine's side, and the crisis pause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent, Notification
from approvals import services
from approvals.models import CrisisPause, Post, PostState
from approvals.tests.factories import approved_post, force_state, make_account, scheduled_post
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput, NotAllowed
from core.tests.celery_broker import QueuedTask
from publishing import tasks
from publishing.models import FeedEntry


@pytest.fixture
def approved(sme: User, account: BrandAccount, comms_reviewer: User) -> Post:
    return approved_post(sme, account, comms_reviewer)


def _in(hours: float) -> datetime:
    return timezone.now() + timedelta(hours=hours)


# --- Schedule ---------------------------------------------------------------------------------


def test_schedule_stores_utc_and_who_scheduled(approved: Post, comms_reviewer: User) -> None:
    paris = ZoneInfo("Europe/Paris")
    local = (timezone.now() + timedelta(days=2)).astimezone(paris).replace(microsecond=0)

    services.post_schedule(post=approved, actor=comms_reviewer, scheduled_at=local)

    approved.refresh_from_db()
    assert approved.state == PostState.SCHEDULED
    assert approved.scheduled_at == local
    assert approved.scheduled_at.utcoffset() == timedelta(0)  # read back in UTC
    assert approved.scheduled_by == comms_reviewer
    event = AuditEvent.objects.for_target(approved).get(action="post.schedule")
    assert event.data["scheduled_at"] == local.astimezone(ZoneInfo("UTC")).isoformat()


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (None, "with its time zone"),
        (datetime(2031, 1, 1, 9, 0), "with its time zone"),  # noqa: DTZ001 - naive on purpose
        ("past", "in the future"),
        ("too far", "within the next year"),
    ],
)
def test_schedule_refuses_bad_times(
    approved: Post, comms_reviewer: User, when: Any, message: str
) -> None:
    if when == "past":
        when = _in(-1)
    elif when == "too far":
        when = _in(24 * 400)
    with pytest.raises(InvalidInput, match=message) as refused:
        services.post_schedule(post=approved, actor=comms_reviewer, scheduled_at=when)
    assert refused.value.field == "scheduled_at"
    approved.refresh_from_db()
    assert (approved.state, approved.scheduled_at) == (PostState.APPROVED, None)


def test_scheduling_needs_publish_permission(approved: Post, sme: User) -> None:
    with pytest.raises(NotAllowed, match="You may not publish on Sales news"):
        services.post_schedule(post=approved, actor=sme, scheduled_at=_in(2))
    approved.refresh_from_db()
    assert approved.state == PostState.APPROVED


@pytest.mark.parametrize("state", [s for s in PostState.values if s != PostState.APPROVED])
def test_only_approved_posts_are_scheduled(draft: Post, comms_reviewer: User, state: str) -> None:
    force_state(draft, state)
    with pytest.raises(Conflict):
        services.post_schedule(post=draft, actor=comms_reviewer, scheduled_at=_in(2))
    draft.refresh_from_db()
    assert draft.state == state


def test_unschedule_returns_to_approved(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer)
    services.post_unschedule(post=post, actor=comms_reviewer)
    post.refresh_from_db()
    assert (post.state, post.scheduled_at, post.scheduled_by) == (PostState.APPROVED, None, None)


def test_unschedule_needs_publish_permission(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer)
    with pytest.raises(NotAllowed):
        services.post_unschedule(post=post, actor=sme)
    post.refresh_from_db()
    assert post.state == PostState.SCHEDULED


# --- Publish now, retry, hand-over -------------------------------------------------------------


def test_publish_now_hands_the_post_over_on_commit(
    approved: Post,
    comms_reviewer: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
    queued: Callable[[], list[QueuedTask]],
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.post_publish_now(post=approved, actor=comms_reviewer)
    # Nothing leaves before the commit...
    assert queued() == []
    for callback in callbacks:
        callback()
    # ...then one publish task is queued, now, carrying the post's id and nothing else.
    [task] = queued()
    assert (task.name, task.args, task.kwargs, task.eta) == (
        "approvals.publish_post",
        (approved.pk,),
        {},
        None,
    )
    approved.refresh_from_db()
    assert approved.state == PostState.PUBLISHING

    # The worker runs it: the post lands on the internal feed.
    assert tasks.publish_post(*task.args) == "published"
    approved.refresh_from_db()
    entry = FeedEntry.objects.get()
    assert (approved.state, approved.external_id) == (PostState.PUBLISHED, str(entry.pk))
    assert entry.text == approved.body


def test_publish_now_needs_publish_permission(approved: Post, sme: User) -> None:
    with pytest.raises(NotAllowed):
        services.post_publish_now(post=approved, actor=sme)
    approved.refresh_from_db()
    assert approved.state == PostState.APPROVED


def test_retry_sends_a_failed_post_again(
    approved: Post,
    comms_reviewer: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
    queued: Callable[[], list[QueuedTask]],
) -> None:
    services.post_publish_now(post=approved, actor=comms_reviewer)
    services.post_mark_failed(post_id=approved.pk, error="Rate limited for good")
    approved.refresh_from_db()
    assert (approved.state, approved.last_error) == (PostState.FAILED, "Rate limited for good")

    with django_capture_on_commit_callbacks(execute=True):
        services.post_retry(post=approved, actor=comms_reviewer)

    approved.refresh_from_db()
    assert approved.state == PostState.PUBLISHING
    assert [(t.name, t.args) for t in queued()] == [("approvals.publish_post", (approved.pk,))]


def test_the_engine_records_outcomes(approved: Post, comms_reviewer: User) -> None:
    services.post_publish_now(post=approved, actor=comms_reviewer)
    services.post_mark_unconfirmed(post_id=approved.pk, note="Timed out after sending")
    services.post_mark_published(
        post_id=approved.pk, external_id="109", external_url="https://example.social/@acme/109"
    )
    approved.refresh_from_db()
    assert approved.state == PostState.PUBLISHED
    assert (approved.external_id, approved.external_url) == (
        "109",
        "https://example.social/@acme/109",
    )
    assert approved.published_at is not None
    actions = list(
        AuditEvent.objects.for_target(approved).order_by("id").values_list("action", flat=True)[3:]
    )
    assert actions == ["post.publish_now", "post.mark_unconfirmed", "post.mark_published"]


# --- Scheduled time comes ----------------------------------------------------------------------


def test_a_due_post_is_released_for_publishing(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
    queued: Callable[[], list[QueuedTask]],
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_in(1))

    assert services.post_release_due(post_id=post.pk, now=_in(0.5)) is None  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        released = services.posts_release_due(now=_in(1.1))

    assert [p.pk for p in released] == [post.pk]
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING
    assert [(t.name, t.args, t.eta) for t in queued()] == [
        ("approvals.publish_post", (post.pk,), None)
    ]
    # Twice is harmless: the post is no longer scheduled.
    assert services.post_release_due(post_id=post.pk, now=_in(2)) is None


def test_the_periodic_task_releases_due_posts(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_in(1))
    Post.objects.filter(pk=post.pk).update(scheduled_at=_in(-0.1))  # its time came

    assert tasks.release_due_posts() == 1
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING


# --- Crisis pause -----------------------------------------------------------------------------


def test_comms_sets_and_lifts_a_pause_and_both_are_audited(
    comms_reviewer: User, org_admin: User
) -> None:
    pause = services.crisis_pause_set(actor=comms_reviewer, reason="Incident at the plant")
    assert pause.is_active
    assert pause.is_org_wide
    services.crisis_pause_lift(pause=pause, actor=org_admin, note="Statement published")
    pause.refresh_from_db()
    assert (pause.lifted_by, pause.lift_note) == (org_admin, "Statement published")
    actions = list(
        AuditEvent.objects.for_target(pause).order_by("id").values_list("action", "actor")
    )
    assert actions == [
        ("crisis_pause.set", comms_reviewer.pk),
        ("crisis_pause.lifted", org_admin.pk),
    ]


@pytest.mark.parametrize("who", ["sme", "manager", "legal_reviewer", "hr_user"])
def test_only_org_admins_and_comms_pause(
    who: str, request: pytest.FixtureRequest, db: None
) -> None:
    person = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.crisis_pause_set(actor=person, reason="Because")
    assert not CrisisPause.objects.exists()


def test_a_pause_needs_a_reason(org_admin: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.crisis_pause_set(actor=org_admin, reason="  ")
    assert refused.value.field == "reason"
    assert not CrisisPause.objects.exists()


def test_one_pause_per_scope_at_a_time(org_admin: User, account: BrandAccount) -> None:
    services.crisis_pause_set(actor=org_admin, reason="First")
    with pytest.raises(Conflict, match="already paused across the organisation"):
        services.crisis_pause_set(actor=org_admin, reason="Second")
    services.crisis_pause_set(actor=org_admin, reason="This account too", brand_account=account)
    assert CrisisPause.objects.filter(lifted_at__isnull=True).count() == 2


def test_a_lifted_pause_cannot_be_lifted_again(org_admin: User) -> None:
    pause = services.crisis_pause_set(actor=org_admin, reason="First")
    services.crisis_pause_lift(pause=pause, actor=org_admin)
    with pytest.raises(Conflict, match="already lifted"):
        services.crisis_pause_lift(pause=pause, actor=org_admin)


@pytest.mark.parametrize("scope", ["organisation", "this account"])
def test_schedule_publish_and_retry_are_refused_under_a_pause(
    sme: User, account: BrandAccount, comms_reviewer: User, org_admin: User, scope: str
) -> None:
    ready = approved_post(sme, account, comms_reviewer)
    failed = approved_post(sme, account, comms_reviewer)
    services.post_publish_now(post=failed, actor=comms_reviewer)
    services.post_mark_failed(post_id=failed.pk, error="Boom")
    services.crisis_pause_set(
        actor=org_admin,
        reason="Incident",
        brand_account=account if scope == "this account" else None,
    )

    with pytest.raises(NotAllowed, match=r"Publishing is paused .*\(Incident\)"):
        services.post_schedule(post=ready, actor=comms_reviewer, scheduled_at=_in(2))
    with pytest.raises(NotAllowed, match="Publishing is paused"):
        services.post_publish_now(post=ready, actor=comms_reviewer)
    with pytest.raises(NotAllowed, match="Publishing is paused"):
        services.post_retry(post=Post.objects.get(pk=failed.pk), actor=comms_reviewer)
    ready.refresh_from_db()
    failed.refresh_from_db()
    assert (ready.state, failed.state) == (PostState.APPROVED, PostState.FAILED)


def test_a_pause_on_another_account_does_not_hold_this_one(
    approved: Post, comms_reviewer: User, org_admin: User, rnd: Department
) -> None:
    other = make_account(rnd)
    services.crisis_pause_set(actor=org_admin, reason="R&D only", brand_account=other)
    services.post_schedule(post=approved, actor=comms_reviewer, scheduled_at=_in(2))
    approved.refresh_from_db()
    assert approved.state == PostState.SCHEDULED


def test_a_scheduled_time_passing_during_a_pause_returns_the_post_to_approved(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    org_admin: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
    queued: Callable[[], list[QueuedTask]],
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_in(1))
    pause = services.crisis_pause_set(actor=org_admin, reason="Incident at the plant")

    with django_capture_on_commit_callbacks(execute=True):
        services.posts_release_due(now=_in(1.5))

    post.refresh_from_db()
    assert (post.state, post.scheduled_at) == (PostState.APPROVED, None)
    assert "came during a crisis pause (Incident at the plant)" in post.notice
    assert "Reschedule it" in post.notice
    assert queued() == []  # nothing goes to the platform
    event = AuditEvent.objects.for_target(post).get(action="post.hold_for_crisis")
    assert (event.from_state, event.to_state, event.actor) == ("scheduled", "approved", None)
    assert event.data["crisis_pause"] == pause.pk
    told = set(
        Notification.objects.for_target(post)
        .filter(kind="schedule_missed")
        .values_list("recipient", flat=True)
    )
    assert told == {sme.pk, comms_reviewer.pk}

    # Lifting the pause does not publish it after the fact: it waits to be rescheduled.
    services.crisis_pause_lift(pause=pause, actor=org_admin)
    assert services.posts_release_due(now=_in(2)) == []
    post.refresh_from_db()
    assert post.state == PostState.APPROVED
    services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=_in(3))
    post.refresh_from_db()
    assert (post.state, post.notice) == (PostState.SCHEDULED, "")


def test_the_engine_can_hold_a_due_post_itself(
    sme: User, account: BrandAccount, comms_reviewer: User, org_admin: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_in(1))
    assert services.post_hold_for_crisis(post_id=post.pk) is None  # no pause: nothing to hold
    services.crisis_pause_set(actor=org_admin, reason="Storm", brand_account=account)

    held = services.post_hold_for_crisis(post_id=post.pk)

    assert held is not None
    assert held.state == PostState.APPROVED
    assert "Storm" in held.notice


def test_a_pause_lifted_before_the_time_lets_the_post_go(
    sme: User, account: BrandAccount, comms_reviewer: User, org_admin: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=_in(1))
    pause = services.crisis_pause_set(actor=org_admin, reason="Short scare")
    services.crisis_pause_lift(pause=pause, actor=org_admin)

    services.posts_release_due(now=_in(1.5))

    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING
