"""Concurrent submissions resolve to one outcome (row locks, not luck). PostgreSQL only: SQLite
serialises whole transactions, so the race cannot happen there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent
from core.tests.races import run_at_once
from training import services
from training.models import Assignment, Attempt, Certification
from training.tests.factories import make_course, right_answers

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks to race"
    ),
]


def test_one_attempt_submitted_twice_at_once_is_scored_once(sme: User) -> None:
    course = make_course()
    attempt = services.attempt_start(actor=sme, course=course)
    answers = right_answers(course)

    def submit(_index: int) -> str:
        services.attempt_submit(actor=sme, attempt=attempt, answers=answers)
        return "scored"

    outcomes = run_at_once(2, submit)
    assert sorted(outcomes) == ["conflict", "scored"], outcomes
    assert Attempt.objects.get().passed is True
    assert Certification.objects.filter(user=sme).count() == 1


def test_one_assignment_cancelled_by_several_people_at_once_is_cancelled_once(
    hr_user: User, manager: User, sales: Department
) -> None:
    course = make_course()
    assignment = services.assignment_create(
        actor=hr_user,
        course=course,
        user=None,
        department=sales,
        due_on=timezone.localdate() + timedelta(days=14),
        note="",
    )
    people = [hr_user, manager]
    # Both opened the assignments page while it was still open (the rows they hold).
    seen = [Assignment.objects.get(pk=assignment.pk) for _ in people]

    def cancel(index: int) -> str:
        services.assignment_cancel(actor=people[index], assignment=seen[index])
        return "cancelled"

    outcomes = run_at_once(len(people), cancel)
    assert sorted(outcomes) == ["cancelled", "conflict"], outcomes
    assert Assignment.objects.get().cancelled_at is not None
    assert AuditEvent.objects.filter(action="assignment.cancelled").count() == 1
