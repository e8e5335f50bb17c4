"""Approval expiry: an approved post not scheduled within SOCIALHUB_APPROVAL_EXPIRY_DAYS goes
back to its author (changes requested), audited and with a notice; the hourly task is
idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from activity.models import AuditEvent, Notification
from approvals import services, tasks
from approvals.models import Post, PostState
from approvals.tests.factories import approved_post, scheduled_post, submitted_post
from channels_app.models import BrandAccount


@pytest.fixture(autouse=True)
def fourteen_days(settings: Any) -> None:
    settings.SOCIALHUB_APPROVAL_EXPIRY_DAYS = 14


def _approved_days_ago(post: Post, days: float) -> Post:
    Post.objects.filter(pk=post.pk).update(approved_at=timezone.now() - timedelta(days=days))
    return Post.objects.get(pk=post.pk)


def test_the_setting_is_in_the_beat_schedule() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["approvals-expire-approvals"]
    assert entry["task"] == "approvals.expire_approvals"


def test_a_stale_approval_goes_back_to_the_author_once(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    stale = _approved_days_ago(approved_post(sme, account, comms_reviewer), 15)
    fresh = _approved_days_ago(approved_post(sme, account, comms_reviewer), 13)

    assert tasks.expire_approvals() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.state == PostState.CHANGES_REQUESTED
    assert "approval expired" in stale.notice
    assert fresh.state == PostState.APPROVED
    event = AuditEvent.objects.for_target(stale).get(action="post.expire")
    assert (event.from_state, event.to_state, event.actor) == (
        PostState.APPROVED,
        PostState.CHANGES_REQUESTED,
        None,
    )
    assert event.data["expiry_days"] == 14
    notice = Notification.objects.get(recipient=sme, message__contains="approval expired")
    assert notice.target_id == str(stale.pk)

    # Idempotent: the next run finds nothing, writes nothing.
    assert tasks.expire_approvals() == 0
    assert AuditEvent.objects.filter(action="post.expire").count() == 1
    assert Notification.objects.filter(message__contains="approval expired").count() == 1


def test_the_author_submits_again_after_expiry(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = _approved_days_ago(approved_post(sme, account, comms_reviewer), 20)
    services.posts_expire_approvals()
    services.post_submit(post=Post.objects.get(pk=post.pk), actor=sme)
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW
    assert post.notice == ""


def test_scheduled_and_in_review_posts_are_left_alone(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    scheduled = _approved_days_ago(scheduled_post(sme, account, comms_reviewer), 30)
    in_review = submitted_post(sme, account)
    services.posts_expire_approvals(now=timezone.now() + timedelta(days=60))
    scheduled.refresh_from_db()
    in_review.refresh_from_db()
    assert scheduled.state == PostState.SCHEDULED
    assert in_review.state == PostState.IN_REVIEW


def test_zero_days_switches_expiry_off(
    settings: Any, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    settings.SOCIALHUB_APPROVAL_EXPIRY_DAYS = 0
    post = _approved_days_ago(approved_post(sme, account, comms_reviewer), 400)
    assert services.posts_expire_approvals() == []
    post.refresh_from_db()
    assert post.state == PostState.APPROVED


def test_a_post_scheduled_meanwhile_is_not_expired(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = _approved_days_ago(approved_post(sme, account, comms_reviewer), 15)
    services.post_schedule(
        post=post, actor=comms_reviewer, scheduled_at=timezone.now() + timedelta(hours=2)
    )
    # The due list was read before the schedule: the locked re-check leaves the post alone.
    assert services.post_expire_approval(post=post, now=timezone.now()) is None
    post.refresh_from_db()
    assert post.state == PostState.SCHEDULED
