"""Certificates: issued or renewed when a quiz is passed, revoked by people who manage them."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from activity.audit import audit_record
from core.errors import Conflict, InvalidInput
from core.links import public_base_url
from training import emails, permissions
from training.models import Attempt, Certification, Course, TrainingNotice


def _certification_issue_or_renew(
    *, user: User, course: Course, now: datetime, attempt: Attempt
) -> Certification:
    expires = now + course.validity
    active = Certification.objects.select_for_update().filter(
        user=user, course=course, revoked_at=None
    )
    certification = active.first()
    if certification is None:
        try:
            with transaction.atomic():
                certification = Certification.objects.create(
                    user=user, course=course, issued_at=now, first_issued_at=now, expires_at=expires
                )
        except IntegrityError:
            # Another attempt of the same person passed at the same moment and issued it: renew
            # that one instead (the unique constraint allows one unrevoked row).
            certification = active.get()
            return _certification_renew(certification, user=user, now=now, attempt=attempt)
        audit_record(
            actor=user,
            action="certification.issued",
            target=certification,
            to_state="valid",
            data={"attempt": attempt.pk, "score": attempt.score, "expires_at": expires.isoformat()},
        )
        return certification
    return _certification_renew(certification, user=user, now=now, attempt=attempt)


def _certification_renew(
    certification: Certification, *, user: User, now: datetime, attempt: Attempt
) -> Certification:
    expires = now + certification.course.validity
    previous = certification.expires_at
    certification.issued_at = now
    certification.expires_at = expires
    certification.renewal_count += 1
    certification.save(update_fields=["issued_at", "expires_at", "renewal_count"])
    audit_record(
        actor=user,
        action="certification.renewed",
        target=certification,
        from_state="valid" if previous > now else "expired",
        to_state="valid",
        data={
            "attempt": attempt.pk,
            "previous_expires_at": previous.isoformat(),
            "expires_at": expires.isoformat(),
        },
    )
    return certification


def certification_revoke(
    *, actor: User, certification: Certification, reason: str
) -> Certification:
    """HR (or an org admin) withdraws a certificate with a reason; the person is told."""
    permissions.require_revoke(actor, certification)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput("Give the reason for revoking (at least 5 characters).", field="reason")
    if len(reason) > 2000:
        raise InvalidInput("Keep the reason under 2,000 characters.", field="reason")
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Certification.objects.select_for_update()
            .select_related("user", "course")
            .get(pk=certification.pk)
        )
        if locked.revoked_at is not None:
            raise Conflict("This certificate was already revoked.", code="revoked")
        status = locked.status_at(now)
        locked.revoked_at = now
        locked.revoked_by = actor
        locked.revoked_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        audit_record(
            actor=actor,
            action="certification.revoked",
            target=locked,
            from_state=status,
            to_state="revoked",
            note=reason,
            data={"user": locked.user.email, "course": locked.course.title},
        )
        notice = TrainingNotice.objects.create(
            user=locked.user,
            kind=TrainingNotice.Kind.REVOKED,
            key=f"revoked:{locked.pk}",
            course=locked.course,
            message=f"Your certificate in '{locked.course.title}' was revoked: {reason}"[:500],
        )
        base_url = public_base_url()  # the request's address, known now, not at sending
        transaction.on_commit(lambda: emails.send_revocation(locked, notice, base_url=base_url))
    return locked
