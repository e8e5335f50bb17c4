"""Reminders before expiry and for overdue assignments: each sent once, however often the
daily task runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Department, User
from socialhub.celery import app
from training import services, tasks
from training.models import Assignment, TrainingNotice
from training.tests.factories import certify, make_course

pytestmark = pytest.mark.django_db


def run_task(capture: Any) -> dict[str, int]:
    with capture(execute=True):
        return tasks.send_reminders()


def test_the_task_is_scheduled_daily_with_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["training-reminders"]
    assert entry["task"] == "training.send_reminders"
    assert entry["schedule"].hour == {7}
    assert entry["schedule"].minute == {0}
    assert "training.send_reminders" in app.tasks


def test_thirty_then_seven_days_each_once(
    sme: User, hr_user: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    course = make_course("Posting on X")
    now = timezone.now()
    cert = certify(
        sme, course, issued_at=now - timedelta(days=300), expires_at=now + timedelta(days=20)
    )

    assert run_task(django_capture_on_commit_callbacks) == {
        "expiry_reminders": 1,
        "overdue_reminders": 0,
    }
    assert run_task(django_capture_on_commit_callbacks)["expiry_reminders"] == 0  # not twice
    # The person once, and HR once with the digest.
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["sme@example.test"], "[SocialHub] Your certificate in Posting on X expires soon"),
        (["hr@example.test"], "[SocialHub] 1 certificate(s) expiring soon"),
    ]
    assert "Sam Sales <sme@example.test>: Posting on X" in mailoutbox[1].body

    # Thirteen days later the certificate is inside the 7-day window: one more reminder.
    later = now + timedelta(days=14)
    assert services.certification_expiry_remind(certification_id=cert.pk, now=later)
    assert not services.certification_expiry_remind(certification_id=cert.pk, now=later)
    assert list(TrainingNotice.objects.order_by("pk").values_list("kind", flat=True)) == [
        "expiring_30",
        "expiring_7",
    ]


def test_a_renewed_certificate_is_reminded_again_for_its_new_expiry(sme: User) -> None:
    course = make_course()
    now = timezone.now()
    cert = certify(
        sme, course, issued_at=now - timedelta(days=300), expires_at=now + timedelta(days=5)
    )
    assert services.certification_expiry_remind(certification_id=cert.pk, now=now)
    cert.expires_at = now + timedelta(days=370)
    cert.save()
    assert not services.certification_expiry_remind(certification_id=cert.pk, now=now)
    assert services.certification_expiry_remind(
        certification_id=cert.pk, now=now + timedelta(days=365)
    )


def test_no_reminder_for_revoked_expired_or_far_certificates(sme: User, outsider: User) -> None:
    now = timezone.now()
    certify(sme, make_course(), expires_at=now + timedelta(days=10), revoked=True)
    certify(
        sme,
        make_course(),
        issued_at=now - timedelta(days=400),
        expires_at=now - timedelta(seconds=1),
    )
    certify(outsider, make_course(), expires_at=now + timedelta(days=31))
    assert tasks.send_reminders() == {"expiry_reminders": 0, "overdue_reminders": 0}


def test_overdue_assignments_remind_each_uncertified_member_once(
    hr_user: User,
    sme: User,
    manager: User,
    sales: Department,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    course = make_course("Basics")
    assignment = services.assignment_create(
        actor=hr_user, course=course, department=sales, due_on=timezone.localdate()
    )
    certify(manager, course)  # the manager did it already
    Assignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    mailoutbox.clear()

    assert run_task(django_capture_on_commit_callbacks)["overdue_reminders"] == 1
    assert run_task(django_capture_on_commit_callbacks)["overdue_reminders"] == 0
    assert [m.to for m in mailoutbox] == [["sme@example.test"]]
    assert mailoutbox[0].subject == "[SocialHub] Overdue: Basics"


def test_cancelled_assignments_are_not_reminded(hr_user: User, sme: User) -> None:
    assignment = services.assignment_create(
        actor=hr_user, course=make_course(), user=sme, due_on=timezone.localdate()
    )
    services.assignment_cancel(actor=hr_user, assignment=assignment)
    Assignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() - timedelta(days=3)
    )
    assert tasks.send_reminders()["overdue_reminders"] == 0
