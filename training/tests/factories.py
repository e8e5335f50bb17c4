"""Builders for training tests. Courses are published through the service (which checks the
quiz); certificates can be placed at exact instants to test expiry at the second."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from training import services
from training.models import (
    Certification,
    CertificationRequirement,
    Choice,
    Course,
    Lesson,
    Policy,
    Question,
)

_counter = {"n": 0}


def make_course(
    title: str | None = None,
    *,
    questions: int = 2,
    multiple: bool = True,
    pass_mark: int = 100,
    validity_days: int = 365,
    cooldown_minutes: int = 0,
    published: bool = True,
    platforms: tuple[str, ...] = (),
    everywhere: bool = False,
) -> Course:
    """A course with one lesson and `questions` questions. Question 1 is single choice (the
    first choice is right); when multiple is set, the last question is multiple choice with
    two right choices out of three."""
    _counter["n"] += 1
    course = Course.objects.create(
        title=title or f"Course {_counter['n']}",
        summary="A course for tests.",
        pass_mark=pass_mark,
        validity_days=validity_days,
        retake_cooldown_minutes=cooldown_minutes,
    )
    Lesson.objects.create(course=course, order=1, title="Lesson one", body="Read **this**.")
    for order in range(1, questions + 1):
        is_multiple = multiple and order == questions and questions > 1
        question = Question.objects.create(
            course=course,
            order=order,
            text=f"Question {order}?",
            kind=Question.Kind.MULTIPLE if is_multiple else Question.Kind.SINGLE,
            explanation=f"Because of reason {order}.",
        )
        if is_multiple:
            Choice.objects.create(question=question, order=1, text="Right A", is_correct=True)
            Choice.objects.create(question=question, order=2, text="Right B", is_correct=True)
            Choice.objects.create(question=question, order=3, text="Wrong C", is_correct=False)
        else:
            Choice.objects.create(question=question, order=1, text="Right", is_correct=True)
            Choice.objects.create(question=question, order=2, text="Wrong", is_correct=False)
    if published:
        services.course_publish(actor=None, course=course)
    for platform in platforms:
        CertificationRequirement.objects.create(course=course, platform=platform)
    if everywhere:
        CertificationRequirement.objects.create(course=course)
    return course


def right_answers(course: Course) -> dict[str, list[int]]:
    return {
        str(q.pk): [c.pk for c in q.choices.all() if c.is_correct]
        for q in course.questions.prefetch_related("choices")
    }


def wrong_answers(course: Course) -> dict[str, list[int]]:
    return {
        str(q.pk): [next(c.pk for c in q.choices.all() if not c.is_correct)]
        for q in course.questions.prefetch_related("choices")
    }


def certify(
    user: User,
    course: Course,
    *,
    issued_at: datetime | None = None,
    expires_at: datetime | None = None,
    revoked: bool = False,
) -> Certification:
    """A certificate placed at exact instants (the pass itself is tested through services)."""
    issued = issued_at or timezone.now() - timedelta(days=1)
    return Certification.objects.create(
        user=user,
        course=course,
        issued_at=issued,
        first_issued_at=issued,
        expires_at=expires_at or issued + timedelta(days=course.validity_days),
        revoked_at=timezone.now() if revoked else None,
        revoked_reason="Revoked in a test." if revoked else "",
    )


def make_policy(
    *, version_title: str = "Social media policy", effective_at: datetime | None = None
) -> Policy:
    policy = services.policy_create(
        actor=None,
        title=version_title,
        body="## Rules\n\nBe kind.",
        effective_at=effective_at or timezone.now() - timedelta(days=1),
    )
    return services.policy_publish(actor=None, policy=policy)


def brand_account(platform: str = "x", department: Any = None, handle: str | None = None) -> Any:
    """A brand account row (the channels app owns the model; tests only need the row)."""
    from channels_app.models import BrandAccount

    _counter["n"] += 1
    return BrandAccount.objects.create(
        platform=platform,
        handle=handle or f"@acct{_counter['n']}",
        display_name=f"Account {_counter['n']}",
        department=department,
    )
