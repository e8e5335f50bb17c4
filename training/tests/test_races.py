"""Concurrent submissions resolve to one outcome (row locks, not luck). PostgreSQL only: SQLite
serialises whole transactions, so the race cannot happen there."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent
from core.errors import Conflict
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
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            services.attempt_submit(actor=sme, attempt=attempt, answers=answers)
            outcomes.append("scored")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "scored"]
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
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def cancel(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.assignment_cancel(actor=people[index], assignment=seen[index])
            outcomes.append("cancelled")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # anything else fails the test below
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["cancelled", "conflict"], outcomes
    assert Assignment.objects.get().cancelled_at is not None
    assert AuditEvent.objects.filter(action="assignment.cancelled").count() == 1
