"""What is due a reminder: certificates about to expire and overdue assignments."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Exists, OuterRef

from accounts.models import User
from training.models import EXPIRING_WITHIN, Assignment, Certification


def certification_ids_expiring(*, now: datetime) -> list[int]:
    """Unrevoked certificates of active people expiring within the longest reminder window."""
    return list(
        Certification.objects.filter(
            revoked_at=None,
            user__is_active=True,
            expires_at__gt=now,
            expires_at__lte=now + EXPIRING_WITHIN,
        )
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)
    )


def overdue_assignment_pairs(*, today: date, now: datetime) -> list[tuple[int, int]]:
    """(assignment id, person id) for open assignments past due whose person is not certified."""
    pairs: list[tuple[int, int]] = []
    overdue = Assignment.objects.filter(cancelled_at=None, due_on__lt=today).values_list(
        "pk", "course_id", "user_id", "department_id"
    )
    for pk, course_id, user_id, department_id in overdue:
        people = User.objects.filter(is_active=True)
        people = (
            people.filter(pk=user_id)
            if user_id is not None
            else people.filter(memberships__department_id=department_id)
        )
        certified = Certification.objects.valid_at(now).filter(
            course_id=course_id, user=OuterRef("pk")
        )
        pairs.extend(
            (pk, uid) for uid in people.filter(~Exists(certified)).values_list("pk", flat=True)
        )
    return pairs
