"""Courses, their content and a person's attempts at their quizzes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from training.models import Attempt, Certification, CertificationRequirement, CertStatus, Course


def course_list(*, user: Any) -> QuerySet[Course]:
    """Published courses with their counts and what they certify for (two queries)."""
    return (
        Course.objects.published()
        .annotate(
            lesson_count=Count("lessons", distinct=True),
            question_count=Count("questions", distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=CertificationRequirement.objects.select_related("brand_account"),
            )
        )
        .order_by("title", "id")
    )


def course_content(*, course: Course) -> Course:
    """The course with its lessons and questions with choices, for the player (three queries)."""
    return (
        Course.objects.filter(pk=course.pk).prefetch_related("lessons", "questions__choices").get()
    )


def my_certification_map(
    *, user: Any, course_ids: Iterable[int] | None = None
) -> dict[int, Certification]:
    """{course id: the person's certificate that decides their status}: the unrevoked one when
    there is one, else the latest revoked one. One query."""
    rows = Certification.objects.filter(user=user)
    if course_ids is not None:
        rows = rows.filter(course_id__in=list(course_ids))
    best: dict[int, Certification] = {}
    for cert in rows.order_by("course_id", "-issued_at"):
        current = best.get(cert.course_id)
        if current is None or (current.revoked_at is not None and cert.revoked_at is None):
            best[cert.course_id] = cert
    return best


def status_of(cert: Certification | None, now: datetime) -> str:
    return CertStatus.MISSING if cert is None else cert.status_at(now)


def attempt_list(*, user: Any, course: Course) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, course=course).order_by("-started_at", "-id")
