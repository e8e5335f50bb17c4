"""E-mail that training sends. Called only from transaction.on_commit, so a rolled-back change
never tells anyone anything. `base_url` is the address links start with, captured by the caller
when it made the notice (core.links); without it, the address known when sending."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from core.links import absolute_url

if TYPE_CHECKING:
    from training.models import Assignment, Certification, TrainingNotice


def _link(name: str, *args: Any, base_url: str | None = None) -> str:
    return absolute_url(reverse(name, args=args), base_url=base_url)


def send_revocation(
    certification: Certification, notice: TrainingNotice, *, base_url: str | None = None
) -> None:
    context = {
        "certification": certification,
        "notice": notice,
        "course_link": _link("training_course", certification.course_id, base_url=base_url),
    }
    mail.send_mail(
        subject=f"[SocialHub] Your certificate in {certification.course.title} was revoked",
        message=render_to_string("training/email/revoked.txt", context),
        from_email=None,
        recipient_list=[certification.user.email],
    )


def send_reminder(notice: TrainingNotice, extra: dict[str, Any]) -> None:
    context = {
        "notice": notice,
        "course_link": _link("training_course", notice.course_id),
        "home_link": _link("training_home"),
        **extra,
    }
    title = notice.course.title if notice.course else ""
    subject = (
        f"[SocialHub] Overdue: {title}"
        if notice.kind == "assignment_overdue"
        else f"[SocialHub] Your certificate in {title} expires soon"
    )
    mail.send_mail(
        subject=subject,
        message=render_to_string("training/email/reminder.txt", context),
        from_email=None,
        recipient_list=[notice.user.email],
    )


def send_assigned(
    assignment: Assignment, notices: Sequence[TrainingNotice], *, base_url: str | None = None
) -> None:
    """One message per person, sent over one connection (a department can be large)."""
    link = _link("training_course", assignment.course_id, base_url=base_url)
    messages = []
    for notice in notices:
        body = render_to_string(
            "training/email/assigned.txt",
            {"assignment": assignment, "notice": notice, "course_link": link},
        )
        messages.append(
            (
                f"[SocialHub] Course assigned: {assignment.course.title}",
                body,
                None,
                [notice.user.email],
            )
        )
    if messages:
        mail.send_mass_mail(messages, fail_silently=False)


def send_hr_digest(recipients: Sequence[str], certifications: Sequence[Certification]) -> None:
    context = {"certifications": certifications, "matrix_link": _link("certification_matrix")}
    mail.send_mail(
        subject=f"[SocialHub] {len(certifications)} certificate(s) expiring soon",
        message=render_to_string("training/email/hr_digest.txt", context),
        from_email=None,
        recipient_list=list(recipients),
    )
