"""Assigning training to a person or a department, and cancelling an assignment."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import authz
from accounts.models import Department, Membership, User
from activity.audit import audit_record
from core.dates import date_text
from core.errors import Conflict, InvalidInput, NotAllowed
from core.links import public_base_url
from training import emails
from training.models import Assignment, Course, TrainingNotice
from training.selectors.my_training import assignments_for_person

MAX_DUE_DAYS = 366 * 2


def _check_can_assign_to(actor: User, *, user: User | None, department: Department | None) -> None:
    scope = authz.training_department_scope(actor)
    if scope is None:
        return
    if not scope:
        raise NotAllowed("Only HR, org admins and department managers can assign courses.")
    if department is not None and department.pk not in scope:
        raise InvalidInput(
            "You can assign courses to your own department only.", field="department"
        )
    if (
        user is not None
        and not Membership.objects.filter(user=user, department_id__in=scope).exists()
    ):
        raise InvalidInput(
            "You can assign courses to people in your department only.", field="user"
        )


def assignment_create(
    *,
    actor: User,
    course: Course,
    due_on: date,
    user: User | None = None,
    department: Department | None = None,
    note: str = "",
) -> Assignment:
    """Assign a published course to a person or to a whole department, due on a date."""
    authz.require(
        authz.can_follow_training(actor),
        "Only HR, org admins and department managers can assign courses.",
    )
    if (user is None) == (department is None):
        raise InvalidInput("Assign to one person or to one department.", field="user")
    if not course.is_published:
        raise InvalidInput("This course is not published.", field="course")
    today = timezone.localdate()
    if due_on < today:
        raise InvalidInput("The due date is in the past.", field="due_on")
    if due_on > today + timedelta(days=MAX_DUE_DAYS):
        raise InvalidInput("Choose a due date within two years.", field="due_on")
    if len(note) > 500:
        raise InvalidInput("Keep the note under 500 characters.", field="note")
    _check_can_assign_to(actor, user=user, department=department)
    return _assign(
        actor=actor, course=course, due_on=due_on, user=user, department=department, note=note
    )


def assignment_create_for_coaching(
    *, user: User, course: Course, due_on: date, note: str
) -> Assignment | None:
    """Assign a course to a person because of what their reviews keep finding (approvals'
    coaching decides when). Nobody acts: the audit event has no actor. A course the person
    already has open — assigned to them or to one of their departments — is left as it is
    (None), also when someone assigns it at the same moment: the reviewer's decision, in whose
    transaction this runs, must not fail for it."""
    if not course.is_published:
        return None
    if assignments_for_person(user=user).filter(course=course).exists():
        return None
    try:
        return _assign(
            actor=None, course=course, due_on=due_on, user=user, department=None, note=note
        )
    except InvalidInput:  # assigned meanwhile (the unique open assignment refused a second)
        return None


def _assign(
    *,
    actor: User | None,
    course: Course,
    due_on: date,
    user: User | None,
    department: Department | None,
    note: str,
) -> Assignment:
    with transaction.atomic():
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    course=course,
                    user=user,
                    department=department,
                    due_on=due_on,
                    note=note.strip(),
                    assigned_by=actor,
                )
        except IntegrityError as exc:
            who = "this person" if user is not None else "this department"
            raise InvalidInput(
                f"'{course.title}' is already assigned to {who}; cancel that assignment first.",
                field="course",
            ) from exc
        audit_record(
            actor=actor,
            action="assignment.created",
            target=assignment,
            department=department,
            data={
                "course": course.title,
                "user": user.email if user else None,
                "due_on": due_on.isoformat(),
            },
        )
        people = (
            [user]
            if user is not None
            else list(User.objects.filter(memberships__department=department, is_active=True))
        )
        notices = TrainingNotice.objects.bulk_create(
            [
                TrainingNotice(
                    user=person,
                    kind=TrainingNotice.Kind.ASSIGNED,
                    key=f"assigned:{assignment.pk}:{person.pk}",
                    course=course,
                    message=f"You were assigned '{course.title}', due {date_text(due_on)}.",
                )
                for person in people
                if person is not None
            ]
        )
        base_url = public_base_url()  # the request's address, known now, not at sending
        transaction.on_commit(lambda: emails.send_assigned(assignment, notices, base_url=base_url))
    return assignment


def assignment_cancel(*, actor: User, assignment: Assignment) -> Assignment:
    """Cancel an open assignment. The row is locked first, as certification_revoke does: of two
    people cancelling at once one cancels (one audit event), the other is told it already was."""
    authz.require(
        authz.can_follow_training(actor),
        "Only HR, org admins and department managers can cancel assignments.",
    )
    if assignment.assigned_by_id != actor.pk:
        _check_can_assign_to(actor, user=assignment.user, department=assignment.department)
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("department")
            .get(pk=assignment.pk)
        )
        if locked.cancelled_at is not None:
            raise Conflict("This assignment was already cancelled.")
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["cancelled_at"])
        audit_record(
            actor=actor,
            action="assignment.cancelled",
            target=locked,
            department=locked.department,
            to_state="cancelled",
        )
    assignment.cancelled_at = locked.cancelled_at
    return locked
