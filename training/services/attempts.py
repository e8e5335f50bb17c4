"""Taking a course's quiz: starting an attempt, submitting answers (scored on the server), and
when a failed quiz may be retaken."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.dates import datetime_text
from core.errors import Conflict
from training.models import Attempt, Course
from training.scoring import QuestionKey, parse_answers, require_every_answer, score
from training.services.certifications import _certification_issue_or_renew


def _question_keys(course: Course) -> list[QuestionKey]:
    keys = []
    for question in course.questions.prefetch_related("choices").order_by("order", "id"):
        choices = list(question.choices.all())
        keys.append(
            QuestionKey(
                id=question.pk,
                kind=question.kind,
                choice_ids=frozenset(c.pk for c in choices),
                correct_ids=frozenset(c.pk for c in choices if c.is_correct),
            )
        )
    return keys


def retake_available_at(*, user: User, course: Course) -> datetime | None:
    """When the person may start again after a failed attempt; None when they may now."""
    last = (
        Attempt.objects.filter(user=user, course=course, finished_at__isnull=False)
        .order_by("-finished_at")
        .values("finished_at", "passed")
        .first()
    )
    if last is None or last["passed"] or course.retake_cooldown_minutes == 0:
        return None
    finished = last["finished_at"]
    return finished + course.retake_cooldown if finished else None


def attempt_start(*, actor: User, course: Course, now: datetime | None = None) -> Attempt:
    """Open an attempt at the course's quiz, or return the one already open."""
    now = now or timezone.now()
    if not course.is_published:
        raise Http404("Not found.")
    open_attempt = Attempt.objects.filter(user=actor, course=course, finished_at=None).first()
    if open_attempt is not None:
        return open_attempt
    available = retake_available_at(user=actor, course=course)
    if available is not None and available > now:
        raise Conflict(
            f"You can retake this quiz from {datetime_text(available)}. "
            "Read the explanations of your last attempt meanwhile.",
            code="cooldown",
        )
    try:
        with transaction.atomic():
            return Attempt.objects.create(user=actor, course=course, started_at=now)
    except IntegrityError:  # a second tab opened it at the same moment
        return Attempt.objects.get(user=actor, course=course, finished_at=None)


def attempt_submit(
    *, actor: User, attempt: Attempt, answers: Any, now: datetime | None = None
) -> Attempt:
    """Score an open attempt on the server. A pass issues or renews the certificate."""
    if attempt.user_id != actor.pk:
        raise Http404("Not found.")
    course = attempt.course
    if not course.is_published:
        raise Conflict("This course was withdrawn; your attempt cannot be scored.")
    keys = _question_keys(course)
    parsed = _answers(answers, keys)
    return _score(actor=actor, attempt=attempt, course=course, keys=keys, parsed=parsed, now=now)


def _answers(answers: Any, keys: list[QuestionKey]) -> dict[int, list[int]]:
    """The answers read against the questions; 400 (before anything is written) when malformed
    or when a question has none."""
    parsed = parse_answers(answers, keys)
    require_every_answer(parsed, keys)
    return parsed


def _score(
    *,
    actor: User,
    attempt: Attempt,
    course: Course,
    keys: list[QuestionKey],
    parsed: dict[int, list[int]],
    now: datetime | None,
) -> Attempt:
    """Score the attempt on its read answers and close it; a pass issues or renews the
    certificate."""
    result = score(keys, parsed, pass_mark=course.pass_mark)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.finished_at is not None:
            raise Conflict("This attempt was already submitted.", code="finished")
        locked.finished_at = now
        locked.answers = {str(k): v for k, v in parsed.items()}
        locked.results = result.results
        locked.correct_count = result.correct_count
        locked.question_count = result.question_count
        locked.score = result.percent
        locked.passed = result.passed
        if result.passed:
            locked.certification = _certification_issue_or_renew(
                user=actor, course=course, now=now, attempt=locked
            )
        locked.save()
    return locked


def attempt_take(
    *, actor: User, course: Course, answers: Any, now: datetime | None = None
) -> Attempt:
    """Start (or reuse the open attempt) and submit in one step: what the API does."""
    now = now or timezone.now()
    if not course.is_published:
        raise Http404("Not found.")
    # Validate first, so bad input writes nothing (not even an empty attempt).
    keys = _question_keys(course)
    parsed = _answers(answers, keys)
    attempt = attempt_start(actor=actor, course=course, now=now)
    return _score(actor=actor, attempt=attempt, course=course, keys=keys, parsed=parsed, now=now)
