"""Courses and certification requirements, authored in the admin: whether a course's quiz is
sound, publishing and unpublishing it, saving and deleting requirements."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import authz
from accounts.models import User
from activity.audit import audit_record
from core.errors import InvalidInput
from training.models import CertificationRequirement, Course, Question


def quiz_problems(course: Course) -> list[str]:
    """Why the course's quiz could not be taken or passed; empty when it is sound."""
    problems = []
    questions = list(course.questions.prefetch_related("choices"))
    if not course.lessons.exists():
        problems.append("Add at least one lesson.")
    if not questions:
        problems.append("Add at least one question.")
    for question in questions:
        choices = list(question.choices.all())
        correct = [c for c in choices if c.is_correct]
        label = f"Question '{question.text[:40]}'"
        if len(choices) < 2:
            problems.append(f"{label} needs at least two choices.")
        if not correct:
            problems.append(f"{label} has no correct choice.")
        if question.kind == Question.Kind.SINGLE and len(correct) > 1:
            problems.append(f"{label} is single choice but has {len(correct)} correct choices.")
    return problems


def course_publish(*, actor: User | None, course: Course) -> Course:
    """Make a course available. Its quiz must be passable. (actor None: the demo seed.)"""
    if actor is not None:
        authz.require(authz.can_author_training(actor), "Only course authors can publish courses.")
    if course.is_published:
        return course
    problems = quiz_problems(course)
    if problems:
        raise InvalidInput(" ".join(problems), field="is_published")
    with transaction.atomic():
        course.is_published = True
        course.published_at = timezone.now()
        course.save(update_fields=["is_published", "published_at", "updated_at"])
        audit_record(actor=actor, action="course.published", target=course, to_state="published")
    return course


def course_unpublish(*, actor: User, course: Course) -> Course:
    """Withdraw a course: nobody can start it, and its requirements stop being enforced."""
    authz.require(authz.can_author_training(actor), "Only course authors can withdraw courses.")
    if not course.is_published:
        return course
    with transaction.atomic():
        course.is_published = False
        course.save(update_fields=["is_published", "updated_at"])
        audit_record(
            actor=actor,
            action="course.unpublished",
            target=course,
            from_state="published",
            to_state="draft",
        )
    return course


def requirement_save(*, actor: User | None, requirement: CertificationRequirement) -> None:
    """Add or change which course an account or platform needs (it gates submitting: audited)."""
    if actor is not None:
        authz.require(authz.can_author_training(actor), "Only course authors can set requirements.")
    if requirement.platform and requirement.brand_account_id is not None:
        raise InvalidInput("Choose a platform or one brand account, not both.", field="platform")
    created = requirement.pk is None
    with transaction.atomic():
        try:
            with transaction.atomic():
                requirement.save()
        except IntegrityError as exc:
            raise InvalidInput("This course is already required there.", field="platform") from exc
        audit_record(
            actor=actor,
            action="requirement.added" if created else "requirement.changed",
            target=requirement.course,
            data={"scope": requirement.scope_label},
        )


def requirement_delete(*, actor: User, requirement: CertificationRequirement) -> None:
    authz.require(authz.can_author_training(actor), "Only course authors can set requirements.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="requirement.removed",
            target=requirement.course,
            data={"scope": requirement.scope_label},
        )
        requirement.delete()
