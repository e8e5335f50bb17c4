"""Notices and reminders: dismissing a notice, reminding people of expiring certificates and
overdue assignments, and HR's digest of expiries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.roles import GROUP_NAMES, OrgRole
from core.dates import date_text
from training import emails
from training.models import Assignment, Certification, Course, TrainingNotice

REMINDER_DAYS = (7, 30)  # tightest first: a certificate inside 7 days gets the 7-day notice


def notice_dismiss(*, actor: User, notice: TrainingNotice) -> None:
    if notice.user_id != actor.pk:
        raise Http404("Not found.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])


def certification_expiry_remind(*, certification_id: int, now: datetime) -> bool:
    """Tell the person their certificate expires soon: once per threshold (30 and 7 days) and
    expiry date, however often the daily task runs. True when a reminder went out."""
    certification = (
        Certification.objects.select_related("user", "course")
        .filter(pk=certification_id, revoked_at=None, user__is_active=True)
        .first()
    )
    if certification is None or certification.expires_at <= now:
        return False
    remaining = certification.expires_at - now
    days = next((d for d in REMINDER_DAYS if remaining <= timedelta(days=d)), None)
    if days is None:
        return False
    key = f"expiry:{certification.pk}:{certification.expires_at.isoformat()}:{days}"
    if TrainingNotice.objects.filter(key=key).exists():
        return False
    kind = TrainingNotice.Kind.EXPIRING_7 if days == 7 else TrainingNotice.Kind.EXPIRING_30
    expires_local = timezone.localtime(certification.expires_at)
    message = (
        f"Your certificate in '{certification.course.title}' expires on "
        f"{expires_local:%d %B %Y at %H:%M %Z}: retake the course to renew it."
    )
    return _notice_once(
        user=certification.user,
        kind=kind,
        key=key,
        course=certification.course,
        message=message,
        extra={"expires_at": certification.expires_at},
    )


def hr_expiry_digest_send(*, certification_ids: list[int]) -> int:
    """One e-mail to each HR person listing the certificates just reminded about. Returns the
    number of recipients."""
    if not certification_ids:
        return 0
    certifications = list(
        Certification.objects.filter(pk__in=certification_ids)
        .select_related("user", "course")
        .order_by("expires_at", "pk")
    )
    recipients = list(
        User.objects.filter(is_active=True, groups__name=GROUP_NAMES[OrgRole.HR])
        .order_by("email")
        .values_list("email", flat=True)
    )
    if recipients:
        transaction.on_commit(lambda: emails.send_hr_digest(recipients, certifications))
    return len(recipients)


def assignment_overdue_remind(*, assignment_id: int, user_id: int, today: date) -> bool:
    """Tell a person their assigned course is overdue, once per assignment."""
    assignment = (
        Assignment.objects.select_related("course")
        .filter(pk=assignment_id, cancelled_at=None, due_on__lt=today)
        .first()
    )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if assignment is None or user is None:
        return False
    if (
        Certification.objects.valid_at(timezone.now())
        .filter(user=user, course=assignment.course)
        .exists()
    ):
        return False
    key = f"overdue:{assignment.pk}:{user.pk}"
    if TrainingNotice.objects.filter(key=key).exists():
        return False
    due = date_text(assignment.due_on)
    message = f"'{assignment.course.title}' was due on {due}: take the course now."
    return _notice_once(
        user=user,
        kind=TrainingNotice.Kind.ASSIGNMENT_OVERDUE,
        key=key,
        course=assignment.course,
        message=message,
        extra={"due_on": assignment.due_on},
    )


def _notice_once(
    *,
    user: User,
    kind: str,
    key: str,
    course: Course,
    message: str,
    extra: dict[str, Any],
) -> bool:
    try:
        with transaction.atomic():
            notice = TrainingNotice.objects.create(
                user=user, kind=kind, key=key, course=course, message=message
            )
            transaction.on_commit(lambda: emails.send_reminder(notice, extra))
    except IntegrityError:  # a second run got there first: it sends the e-mail, not us
        return False
    return True
