"""Quiz attempts: server-side scoring, pass issues or renews a certificate, cool-down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from activity.models import AuditEvent
from core.errors import Conflict, InvalidInput
from training import services
from training.models import Attempt, Certification, Question
from training.scoring import QuestionKey, parse_answers, score
from training.tests.factories import make_course, right_answers, wrong_answers

pytestmark = pytest.mark.django_db

SINGLE = QuestionKey(1, "single", frozenset({10, 11}), frozenset({10}))
MULTI = QuestionKey(2, "multiple", frozenset({20, 21, 22}), frozenset({20, 21}))


# --- Pure scoring ------------------------------------------------------------------------------


def test_single_and_multiple_choice_all_right() -> None:
    result = score([SINGLE, MULTI], {1: [10], 2: [20, 21]}, pass_mark=100)
    assert (result.correct_count, result.question_count, result.percent, result.passed) == (
        2,
        2,
        100,
        True,
    )


def test_multiple_choice_counts_only_the_exact_set() -> None:
    partial = score([SINGLE, MULTI], {1: [10], 2: [20]}, pass_mark=50)
    too_many = score([SINGLE, MULTI], {1: [10], 2: [20, 21, 22]}, pass_mark=50)
    assert [r["correct"] for r in partial.results] == [True, False]
    assert [r["correct"] for r in too_many.results] == [True, False]
    assert partial.percent == 50
    assert partial.passed


def test_unanswered_questions_count_as_wrong() -> None:
    result = score([SINGLE, MULTI], {1: [10]}, pass_mark=60)
    assert result.results[1] == {
        "question": 2,
        "correct": False,
        "selected": [],
        "correct_choices": [20, 21],
    }
    assert (result.percent, result.passed) == (50, False)


def test_pass_mark_edge_uses_exact_arithmetic() -> None:
    questions = [
        QuestionKey(i, "single", frozenset({i * 10}), frozenset({i * 10})) for i in range(3)
    ]
    two_of_three = {0: [0], 1: [10]}
    assert score(questions, two_of_three, pass_mark=66).passed  # 66.67 % >= 66 %
    assert not score(questions, two_of_three, pass_mark=67).passed  # 66.67 % < 67 %
    assert score(questions, two_of_three, pass_mark=67).percent == 66  # rounded down


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([1, 2], "Send answers as"),
        ({"99": [10]}, "Question 99 is not part of this course."),
        ({"1": [20]}, "Choice 20 is not a choice of question 1."),
        ({"1": [10, 11]}, "Question 1 takes a single choice."),
        ({"1": {"a": 1}}, "Answer question 1 with a list of choice ids."),
        ({"x": [10]}, "Question 'x' is not an id."),
        ({"1": [True]}, "Choice True is not an id."),
    ],
)
def test_bad_answers_are_refused(raw: object, message: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_answers(raw, [SINGLE, MULTI])
    assert exc.value.field == "answers"
    assert message in exc.value.message


# --- Through the services ----------------------------------------------------------------------


def test_pass_issues_a_certificate_valid_for_the_course_validity(sme: User) -> None:
    course = make_course(validity_days=30)
    now = timezone.now()

    attempt = services.attempt_take(
        actor=sme, course=course, answers=right_answers(course), now=now
    )

    assert (attempt.score, attempt.passed, attempt.finished_at) == (100, True, now)
    cert = Certification.objects.get(user=sme, course=course)
    assert attempt.certification == cert
    assert (cert.issued_at, cert.expires_at) == (now, now + timedelta(days=30))
    assert AuditEvent.objects.filter(action="certification.issued", target_id=str(cert.pk)).exists()


def test_fail_issues_nothing_and_keeps_the_results(sme: User) -> None:
    course = make_course()
    attempt = services.attempt_take(actor=sme, course=course, answers=wrong_answers(course))

    assert (attempt.score, attempt.passed, attempt.certification) == (0, False, None)
    assert not Certification.objects.exists()
    assert [r["correct"] for r in attempt.results] == [False, False]


def test_a_second_pass_renews_the_same_certificate(sme: User) -> None:
    course = make_course(validity_days=10)
    first_time = timezone.now() - timedelta(days=20)  # expired by now
    services.attempt_take(actor=sme, course=course, answers=right_answers(course), now=first_time)
    later = timezone.now()

    services.attempt_take(actor=sme, course=course, answers=right_answers(course), now=later)

    cert = Certification.objects.get(user=sme, course=course)
    assert (cert.first_issued_at, cert.issued_at, cert.expires_at) == (
        first_time,
        later,
        later + timedelta(days=10),
    )
    assert cert.renewal_count == 1
    renewal = AuditEvent.objects.get(action="certification.renewed")
    assert (renewal.from_state, renewal.to_state) == ("expired", "valid")


def test_a_pass_after_revocation_issues_a_new_certificate(sme: User, hr_user: User) -> None:
    course = make_course()
    services.attempt_take(actor=sme, course=course, answers=right_answers(course))
    old = Certification.objects.get()
    services.certification_revoke(actor=hr_user, certification=old, reason="Posted a secret.")

    services.attempt_take(actor=sme, course=course, answers=right_answers(course))

    assert Certification.objects.count() == 2
    assert Certification.objects.active().get(user=sme).pk != old.pk


def test_cooldown_blocks_a_retake_until_it_has_passed(sme: User) -> None:
    course = make_course(cooldown_minutes=30)
    failed_at = timezone.now()
    services.attempt_take(actor=sme, course=course, answers=wrong_answers(course), now=failed_at)

    with pytest.raises(Conflict) as exc:
        services.attempt_start(actor=sme, course=course, now=failed_at + timedelta(minutes=29))
    assert exc.value.code == "cooldown"
    assert Attempt.objects.count() == 1  # nothing written

    attempt = services.attempt_start(
        actor=sme, course=course, now=failed_at + timedelta(minutes=30)
    )
    assert attempt.finished_at is None


def test_no_cooldown_after_a_pass(sme: User) -> None:
    course = make_course(cooldown_minutes=60)
    services.attempt_take(actor=sme, course=course, answers=right_answers(course))
    assert services.retake_available_at(user=sme, course=course) is None


def test_start_reuses_the_open_attempt(sme: User) -> None:
    course = make_course()
    first = services.attempt_start(actor=sme, course=course)
    assert services.attempt_start(actor=sme, course=course).pk == first.pk


def test_an_attempt_cannot_be_submitted_twice(sme: User) -> None:
    course = make_course()
    attempt = services.attempt_start(actor=sme, course=course)
    services.attempt_submit(actor=sme, attempt=attempt, answers=right_answers(course))
    with pytest.raises(Conflict):
        services.attempt_submit(actor=sme, attempt=attempt, answers=wrong_answers(course))
    attempt.refresh_from_db()
    assert attempt.passed is True


def test_someone_elses_attempt_is_not_found(sme: User, outsider: User) -> None:
    course = make_course()
    attempt = services.attempt_start(actor=sme, course=course)
    with pytest.raises(Http404):
        services.attempt_submit(actor=outsider, attempt=attempt, answers=right_answers(course))


def test_unpublished_course_cannot_be_taken(sme: User) -> None:
    course = make_course(published=False)
    with pytest.raises(Http404):
        services.attempt_start(actor=sme, course=course)


def test_answers_to_another_course_write_nothing(sme: User) -> None:
    course = make_course()
    other = make_course()
    with pytest.raises(InvalidInput):
        services.attempt_take(actor=sme, course=course, answers=right_answers(other))
    assert not Attempt.objects.exists()


def test_publishing_checks_the_quiz(org_admin: User) -> None:
    course = make_course(published=False)
    question = course.questions.get(order=1)
    question.choices.update(is_correct=True)  # single choice with two right answers

    with pytest.raises(InvalidInput) as exc:
        services.course_publish(actor=org_admin, course=course)
    assert "single choice but has 2 correct choices" in exc.value.message

    question.kind = Question.Kind.MULTIPLE
    question.save()
    services.course_publish(actor=org_admin, course=course)
    course.refresh_from_db()
    assert course.is_published
    assert AuditEvent.objects.filter(action="course.published").count() == 1
