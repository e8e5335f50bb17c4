"""The training pages: My training, the course player, quiz, result and policy page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Department, User
from training import services
from training.models import Attempt, Lesson, PolicyAcknowledgement, TrainingNotice
from training.tests.factories import (
    brand_account,
    certify,
    make_course,
    make_policy,
    right_answers,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- My training -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in() -> None:
    response = Client().get("/training/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_training_shows_status_assignment_and_what_each_account_needs(
    sme: User, hr_user: User, sales: Department
) -> None:
    from accounts import authz

    x_course = make_course("Posting on X", platforms=("x",))
    basics = make_course("Basics", everywhere=True)
    certify(sme, basics, expires_at=timezone.now() + timedelta(days=10))
    services.assignment_create(
        actor=hr_user, course=x_course, user=sme, due_on=timezone.localdate() + timedelta(days=5)
    )
    account = brand_account("x", sales)
    authz.grant_to_group("draft_on", sales.group, account)
    make_policy()

    response = client_for(sme).get("/training/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Posting on X</a>\n        — due" in html  # assigned to me
    assert "Nothing expires within 30 days" not in html  # Basics expires in 10 days
    assert str(account) in html
    assert "Pass the course &#x27;Posting on X&#x27;." in html
    assert "Read and acknowledge the social media policy (version 1)." in html
    assert "You were assigned &#x27;Posting on X&#x27;" in html  # the in-app notice


def test_my_training_query_count_does_not_grow(
    sme: User, sales: Department, hr_user: User, django_assert_num_queries: Any
) -> None:
    from accounts import authz

    client = client_for(sme)
    make_policy()
    make_course(platforms=("x",))
    authz.grant_to_group("draft_on", sales.group, brand_account("x", sales))
    one = queries(client, "/training/")
    assert one == 15

    for _ in range(5):
        course = make_course(platforms=("x", "linkedin"))
        certify(sme, course)
        services.attempt_take(actor=sme, course=course, answers=wrong_answers(course))
        services.assignment_create(
            actor=hr_user, course=course, user=sme, due_on=timezone.localdate()
        )
        authz.grant_to_group("draft_on", sales.group, brand_account("linkedin", sales))
    # session, user, courses + requirements prefetch, my certificates, my attempts, assignments,
    # roles, memberships, draftable accounts (guardian), requirements with certificate state,
    # current policy, unread notices, my managed departments: the same whatever the numbers.
    # ... plus the layout's two: the crisis pauses in force and my unread notifications.
    with django_assert_num_queries(15):
        assert client.get("/training/").status_code == 200


def test_notice_is_dismissed_by_its_owner_only(sme: User, outsider: User, hr_user: User) -> None:
    services.assignment_create(
        actor=hr_user, course=make_course(), user=sme, due_on=timezone.localdate()
    )
    notice = TrainingNotice.objects.get(user=sme)
    assert client_for(outsider).post(f"/training/notices/{notice.pk}/dismiss/").status_code == 404
    assert client_for(sme).post(f"/training/notices/{notice.pk}/dismiss/").status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None


# --- Course player, quiz and result ------------------------------------------------------------


def test_course_player_shows_lessons_with_progress_and_sanitised_markdown(sme: User) -> None:
    course = make_course()
    Lesson.objects.create(
        course=course,
        order=2,
        title="Second",
        body="**Bold** <script>alert(1)</script> [x](javascript:alert(2)) [ok](https://a.test)",
    )
    client = client_for(sme)

    first = client.get(f"/training/courses/{course.pk}/").content.decode()
    second = client.get(f"/training/courses/{course.pk}/?lesson=2").content.decode()

    assert "Lesson 1 of 2, then the quiz" in first
    assert 'value="1"' in first  # the progress bar
    assert "Start the quiz" not in first  # the quiz comes after the lessons
    assert "<strong>Bold</strong>" in second
    assert "<script>" not in second
    assert "javascript:" not in second
    assert 'href="https://a.test"' in second
    assert "Start the quiz" in second


def test_unpublished_course_is_not_found(sme: User) -> None:
    course = make_course(published=False)
    assert client_for(sme).get(f"/training/courses/{course.pk}/").status_code == 404
    assert client_for(sme).post(f"/training/courses/{course.pk}/start/").status_code == 404


def test_the_quiz_page_never_contains_the_answers(sme: User) -> None:
    course = make_course()
    client = client_for(sme)
    response = client.post(f"/training/courses/{course.pk}/start/")
    attempt = Attempt.objects.get()
    assert response["Location"] == f"/training/attempts/{attempt.pk}/"

    html = client.get(f"/training/attempts/{attempt.pk}/").content.decode()

    assert "Question 1?" in html
    assert "Because of reason" not in html  # explanations come after submitting
    assert "is_correct" not in html
    assert "correct" not in html.lower().replace("correctly", "")


def test_fail_shows_score_and_explanations_then_a_retake_passes(sme: User) -> None:
    course = make_course()
    client = client_for(sme)
    client.post(f"/training/courses/{course.pk}/start/")
    attempt = Attempt.objects.get()
    answers = wrong_answers(course)

    response = client.post(
        f"/training/attempts/{attempt.pk}/", {f"q{k}": v for k, v in answers.items()}
    )
    assert response["Location"] == f"/training/attempts/{attempt.pk}/result/"
    html = client.get(response["Location"]).content.decode()
    assert "Not passed" in html
    assert "0 %" in html
    assert "Because of reason 1." in html
    assert "right answer you missed" in html

    client.post(f"/training/courses/{course.pk}/start/")
    retake = Attempt.objects.get(finished_at=None)
    answers = right_answers(course)
    client.post(f"/training/attempts/{retake.pk}/", {f"q{k}": v for k, v in answers.items()})
    html = client.get(f"/training/attempts/{retake.pk}/result/").content.decode()
    assert "Passed" in html
    assert "Your certificate is valid until" in html


def test_bad_answers_on_the_page_answer_400_and_write_nothing(sme: User) -> None:
    course = make_course()
    other = make_course()
    client = client_for(sme)
    client.post(f"/training/courses/{course.pk}/start/")
    attempt = Attempt.objects.get()
    first_question = course.questions.get(order=1)
    foreign_choice = other.questions.get(order=1).choices.first()
    assert foreign_choice is not None

    response = client.post(
        f"/training/attempts/{attempt.pk}/", {f"q{first_question.pk}": [foreign_choice.pk]}
    )

    assert response.status_code == 400
    assert f"Choice {foreign_choice.pk} is not a choice of question" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.finished_at is None


def test_an_unanswered_quiz_is_refused_scores_nothing_and_locks_nothing(sme: User) -> None:
    course = make_course(cooldown_minutes=60)
    client = client_for(sme)
    client.post(f"/training/courses/{course.pk}/start/")
    attempt = Attempt.objects.get()
    page = client.get(f"/training/attempts/{attempt.pk}/").content.decode()
    assert 'src="/static/training/quiz.js"' in page  # asks for confirmation before sending
    assert "data-confirm=" in page
    assert "<script>" not in page  # no inline script
    first = course.questions.get(order=1)
    answers = right_answers(course)

    for sent in ({}, {f"q{first.pk}": answers[str(first.pk)]}):
        response = client.post(f"/training/attempts/{attempt.pk}/", sent)
        assert response.status_code == 400
        assert "Answer every question before submitting" in response.content.decode()
    assert "question 2 has no answer yet" in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.finished_at, attempt.score) == (None, None)
    # Nothing locked: the same attempt is scored once every question has an answer.
    response = client.post(
        f"/training/attempts/{attempt.pk}/", {f"q{k}": v for k, v in answers.items()}
    )
    assert response["Location"] == f"/training/attempts/{attempt.pk}/result/"


def test_cooldown_is_shown_and_enforced_on_the_page(sme: User) -> None:
    course = make_course(cooldown_minutes=60)
    services.attempt_take(actor=sme, course=course, answers=wrong_answers(course))
    client = client_for(sme)

    html = client.get(f"/training/courses/{course.pk}/").content.decode()
    assert "You can retake the quiz from" in html
    response = client.post(f"/training/courses/{course.pk}/start/", follow=True)
    assert "You can retake this quiz from" in response.content.decode()
    assert Attempt.objects.count() == 1


def test_someone_elses_attempt_and_result_are_not_found(sme: User, outsider: User) -> None:
    course = make_course()
    attempt = services.attempt_take(actor=sme, course=course, answers=wrong_answers(course))
    open_attempt = services.attempt_start(actor=sme, course=make_course())
    client = client_for(outsider)
    assert client.get(f"/training/attempts/{attempt.pk}/result/").status_code == 404
    assert client.get(f"/training/attempts/{open_attempt.pk}/").status_code == 404
    assert client.post(f"/training/attempts/{open_attempt.pk}/", {}).status_code == 404


def test_course_player_query_count_does_not_grow(sme: User, django_assert_num_queries: Any) -> None:
    course = make_course(questions=1)
    client = client_for(sme)
    url = f"/training/courses/{course.pk}/"
    services.attempt_take(actor=sme, course=course, answers=wrong_answers(course))
    assert queries(client, url) == 14
    for order in range(2, 7):
        Lesson.objects.create(course=course, order=order, title=f"L{order}", body="Text")
        services.attempt_take(actor=sme, course=course, answers=wrong_answers(course))
    # session, user, course, its requirements, the course again with its lessons, questions
    # and choices, my certificate, my attempts, the last finished attempt (cool-down), roles.
    with django_assert_num_queries(14):
        assert client.get(url).status_code == 200


# --- Policy ------------------------------------------------------------------------------------


def test_policy_page_and_acknowledgement(sme: User) -> None:
    policy = make_policy()
    client = client_for(sme)

    html = client.get("/training/policy/").content.decode()
    assert "<h2>Rules</h2>" in html
    assert "I have read and accept version 1" in html

    response = client.post(f"/training/policy/{policy.pk}/acknowledge/")
    assert response.status_code == 302
    assert PolicyAcknowledgement.objects.filter(user=sme, policy=policy).exists()
    assert "You acknowledged this version on" in client.get("/training/policy/").content.decode()


def test_draft_policy_cannot_be_acknowledged(sme: User) -> None:
    draft = services.policy_create(actor=None, title="Draft", body="B", effective_at=timezone.now())
    response = client_for(sme).post(f"/training/policy/{draft.pk}/acknowledge/")
    assert response.status_code == 404
    assert not PolicyAcknowledgement.objects.exists()


def test_acknowledge_needs_post(sme: User) -> None:
    policy = make_policy()
    assert client_for(sme).get(f"/training/policy/{policy.pk}/acknowledge/").status_code == 405
