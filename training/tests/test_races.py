"""Concurrent submissions resolve to one outcome (row locks, not luck). PostgreSQL only: SQLite
serialises whole transactions, so the race cannot happen there."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import User
from core.errors import Conflict
from training import services
from training.models import Attempt, Certification
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
