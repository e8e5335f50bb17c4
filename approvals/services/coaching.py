"""Coaching from review outcomes: the review-reason taxonomy and the streak rule.

A reviewer who requests changes or rejects says why, with one reason of the taxonomy org
admins edit (tone, accuracy, confidentiality…). When one person collects
SOCIALHUB_COACHING_THRESHOLD decisions with the same reason within
SOCIALHUB_COACHING_WINDOW_DAYS, the reason's course (if it has one) is assigned to them through
training's assignment service, due SOCIALHUB_COACHING_DUE_DAYS later; they and their
department managers are told why. The decisions of that streak are spent: the next assignment
needs a new streak of decisions made after it, so nothing is assigned twice for one streak.

The check runs inside the decision's transaction, with the author's row locked, so two
reviewers deciding at once cannot both start (or both miss) a streak.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts import authz
from accounts.models import Membership, User
from activity.audit import audit_record
from activity.models import Notification
from activity.notifications import notify
from approvals.models import CoachingAssignment, Decision, ReviewReason, Verdict
from core.dates import date_text
from core.errors import InvalidInput, NotAllowed
from training.models import Course
from training.services import assignment_create_for_coaching

if TYPE_CHECKING:
    from approvals.models import Post

# The reason a decision carries when the caller names none (older API clients, bulk review).
FALLBACK_REASON = "other"
MAX_NAME = 80
MAX_DESCRIPTION = 300


def _require_admin(actor: Any) -> None:
    if not authz.is_org_admin(actor):
        raise NotAllowed("Only org admins edit the review reasons.")


def _clean_fields(
    *, name: str, description: str, course: Course | None, exclude: int | None
) -> tuple[str, str]:
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise InvalidInput("Give the reason a name.", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Keep the name under {MAX_NAME} characters.", field="name")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"Keep the description under {MAX_DESCRIPTION} characters.", field="description"
        )
    same_name = ReviewReason.objects.filter(name__iexact=name)
    if exclude is not None:
        same_name = same_name.exclude(pk=exclude)
    if same_name.exists():
        raise InvalidInput(f"There is already a reason called '{name}'.", field="name")
    if course is not None and not course.is_published:
        raise InvalidInput("Link a published course.", field="course")
    return name, description


def review_reason_create(
    *, actor: User, name: str, description: str = "", course: Course | None = None
) -> ReviewReason:
    _require_admin(actor)
    name, description = _clean_fields(
        name=name, description=description, course=course, exclude=None
    )
    slug = slugify(name)[:40] or "reason"
    if ReviewReason.objects.filter(slug=slug).exists():
        slug = f"{slug[:30]}-{ReviewReason.objects.count() + 1}"
    with transaction.atomic():
        try:
            with transaction.atomic():
                reason = ReviewReason.objects.create(
                    slug=slug,
                    name=name,
                    description=description,
                    course=course,
                    position=ReviewReason.objects.count() + 1,
                )
        except IntegrityError as exc:  # the same name saved at the same moment
            raise InvalidInput(f"There is already a reason called '{name}'.", field="name") from exc
        audit_record(
            actor=actor,
            action="review_reason.created",
            target=reason,
            data={"name": name, "course": course.title if course else None},
        )
    return reason


def review_reason_update(
    *,
    actor: User,
    reason: ReviewReason,
    name: str,
    description: str = "",
    course: Course | None = None,
    is_active: bool = True,
) -> ReviewReason:
    """Rename, re-describe, link another course or retire a reason. Decisions already taken keep
    their reason; a retired one is no longer offered to reviewers."""
    _require_admin(actor)
    name, description = _clean_fields(
        name=name, description=description, course=course, exclude=reason.pk
    )
    if not is_active and reason.slug == FALLBACK_REASON:
        raise InvalidInput("'Other' stays: it is the reason when none is given.", field="is_active")
    with transaction.atomic():
        locked = ReviewReason.objects.select_for_update().get(pk=reason.pk)
        before = {
            "name": locked.name,
            "course": locked.course.title if locked.course else None,
            "is_active": locked.is_active,
        }
        locked.name, locked.description, locked.course = name, description, course
        locked.is_active = is_active
        locked.save(update_fields=["name", "description", "course", "is_active"])
        audit_record(
            actor=actor,
            action="review_reason.updated",
            target=locked,
            data={
                "before": before,
                "after": {
                    "name": name,
                    "course": course.title if course else None,
                    "is_active": is_active,
                },
            },
        )
    return locked


def review_reason_retire(*, actor: User, reason: ReviewReason) -> ReviewReason:
    """No longer offered to reviewers; decisions already taken keep it (the API's DELETE)."""
    return review_reason_update(
        actor=actor,
        reason=reason,
        name=reason.name,
        description=reason.description,
        course=reason.course,
        is_active=False,
    )


def clean_reason(value: ReviewReason | str | None, *, verdict: str) -> ReviewReason | None:
    """The reason a decision carries: none for an approval; for changes or a rejection the one
    named (an active reason, by slug or object), or 'other' when none is named."""
    if verdict == Verdict.APPROVE:
        if value:
            raise InvalidInput("An approval carries no reason.", field="reason")
        return None
    if isinstance(value, ReviewReason):
        if not value.is_active:
            raise InvalidInput(f"'{value.name}' is no longer offered.", field="reason")
        return value
    slug = (value or FALLBACK_REASON).strip()
    reason = ReviewReason.objects.filter(slug=slug, is_active=True).first()
    if reason is None:
        offered = ", ".join(
            ReviewReason.objects.filter(is_active=True).values_list("slug", flat=True)
        )
        raise InvalidInput(f"Choose one of the reasons: {offered}.", field="reason")
    return reason


def coaching_check(*, decision: Decision, post: Post) -> CoachingAssignment | None:
    """Called in the decision's transaction. Start coaching when this decision completes a
    streak of one reason for the post's author."""
    threshold = settings.SOCIALHUB_COACHING_THRESHOLD
    reason = decision.reason
    if threshold <= 0 or reason is None or reason.course_id is None:
        return None
    author = User.objects.select_for_update().get(pk=post.author_id)  # one streak at a time
    window = settings.SOCIALHUB_COACHING_WINDOW_DAYS
    since = timezone.now() - timedelta(days=window)
    spent = (
        CoachingAssignment.objects.filter(person=author, reason=reason)
        .order_by("-last_decision_id")
        .values_list("last_decision_id", flat=True)
        .first()
    )
    streak = Decision.objects.filter(
        post__author=author, reason=reason, created_at__gte=since, pk__lte=decision.pk
    )
    if spent is not None:
        streak = streak.filter(pk__gt=spent)
    count = streak.count()
    if count < threshold:
        return None
    course = reason.course
    assert course is not None  # checked above  # noqa: S101
    due_on = timezone.localdate() + timedelta(days=settings.SOCIALHUB_COACHING_DUE_DAYS)
    why = f"{count} reviews found '{reason.name}' within {window} days"
    assignment = assignment_create_for_coaching(
        user=author, course=course, due_on=due_on, note=f"Coaching: {why}."
    )
    coaching = CoachingAssignment.objects.create(
        person=author,
        reason=reason,
        last_decision=decision,
        count=count,
        window_days=window,
        assignment=assignment,
    )
    audit_record(
        actor=None,
        action="coaching.assigned",
        target=coaching,
        data={
            "person": author.email,
            "reason": reason.slug,
            "count": count,
            "course": course.title,
            "assignment": assignment.pk if assignment else None,
        },
    )
    if assignment is not None:
        due = f"'{course.title}' is assigned to you, due {date_text(due_on)}"
    else:
        due = f"you already have '{course.title}' assigned"
    notify(
        recipients=[author],
        kind=Notification.Kind.COACHING,
        subject=f"Coaching: {course.title}",
        message=f"{why.capitalize()}: {due}.",
        target=coaching,
        url="/my-feedback/",
    )
    managers = User.objects.filter(
        pk__in=Membership.objects.managers()
        .filter(department__memberships__user=author)
        .values("user_id")
    )
    notify(
        recipients=managers,
        kind=Notification.Kind.COACHING,
        subject=f"Coaching for {author}",
        message=f"{author}: {why}; '{course.title}' assigned for coaching.",
        target=coaching,
        url="/review-reasons/summary/",
    )
    return coaching
