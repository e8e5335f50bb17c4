"""A person's own training: their courses with their status, assignments and notices, and the
training part of GET /api/v1/me/."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import authz
from accounts.models import Membership
from channels_app.models import BrandAccount
from training.models import Assignment, Attempt, Certification, CertStatus, Course, TrainingNotice
from training.requirements import current_policy_state, missing_requirements_for_accounts
from training.selectors.courses import course_list, my_certification_map, status_of


@dataclass
class CourseRow:
    course: Course
    status: str
    certification: Certification | None
    open_attempt: Attempt | None = None
    last_attempt: Attempt | None = None
    assignment: Assignment | None = None


@dataclass
class MyTraining:
    courses: list[CourseRow]
    assigned: list[CourseRow]
    in_progress: list[CourseRow]
    certified: list[CourseRow]
    expiring: list[CourseRow]
    accounts: list[tuple[Any, list[Any]]]
    policy: dict[str, Any] | None
    notices: list[TrainingNotice]
    revoked: list[Certification] = field(default_factory=list)


def assignments_for_person(*, user: Any) -> QuerySet[Assignment]:
    """Open assignments that concern the person: to them, or to a department they belong to."""
    return Assignment.objects.filter(cancelled_at=None).filter(
        Q(user=user)
        | Q(department_id__in=Membership.objects.filter(user=user).values("department_id"))
    )


def _draftable_accounts_missing(
    user: Any, now: datetime
) -> tuple[list[tuple[Any, list[Any]]], dict[str, Any] | None]:
    """Each active account the person may draft on, with what they still miss to publish on it,
    and their policy state (three queries)."""
    accounts = list(
        authz.objects_with_any_perm(
            user, ["draft_on"], BrandAccount.objects.filter(is_active=True)
        ).order_by("display_name", "id")
    )
    policy = current_policy_state(user, now=now)
    missing = missing_requirements_for_accounts(user, accounts, now=now, policy_state=policy)
    return [(account, missing[account.pk]) for account in accounts], policy


def my_training(*, user: Any, now: datetime | None = None) -> MyTraining:
    """Everything the My training page shows, in a fixed number of queries."""

    now = now or timezone.now()
    courses = list(course_list(user=user))
    certs = my_certification_map(user=user)
    attempts = list(Attempt.objects.filter(user=user).order_by("course_id", "-started_at", "-id"))
    open_by_course: dict[int, Attempt] = {}
    last_by_course: dict[int, Attempt] = {}
    for attempt in attempts:
        if attempt.finished_at is None:
            open_by_course.setdefault(attempt.course_id, attempt)
        else:
            last_by_course.setdefault(attempt.course_id, attempt)
    assignments: dict[int, Assignment] = {}
    for assignment in assignments_for_person(user=user).order_by("due_on"):
        assignments.setdefault(assignment.course_id, assignment)

    rows = [
        CourseRow(
            course=course,
            status=status_of(certs.get(course.pk), now),
            certification=certs.get(course.pk),
            open_attempt=open_by_course.get(course.pk),
            last_attempt=last_by_course.get(course.pk),
            assignment=assignments.get(course.pk),
        )
        for course in courses
    ]
    held = {CertStatus.VALID, CertStatus.EXPIRING}
    accounts, policy = _draftable_accounts_missing(user, now)
    return MyTraining(
        courses=rows,
        assigned=[r for r in rows if r.assignment is not None and r.status not in held],
        in_progress=[
            r
            for r in rows
            if r.status not in held and (r.open_attempt is not None or r.last_attempt is not None)
        ],
        certified=[r for r in rows if r.status in held or r.status == CertStatus.EXPIRED],
        expiring=[r for r in rows if r.status == CertStatus.EXPIRING],
        accounts=accounts,
        policy=policy,
        notices=list(
            TrainingNotice.objects.filter(user=user, read_at=None).select_related("course")[:20]
        ),
        revoked=[c for c in certs.values() if c.revoked_at is not None],
    )


def training_profile(*, user: Any, now: datetime | None = None) -> dict[str, Any]:
    """The training part of GET me/: certificates (two queries with the policy state)."""
    now = now or timezone.now()
    certifications = [
        {
            "id": cert.pk,
            "course_id": cert.course_id,
            "course": cert.course.title,
            "status": cert.status_at(now),
            "issued_at": cert.issued_at.isoformat(),
            "expires_at": cert.expires_at.isoformat(),
            "revoked_at": cert.revoked_at.isoformat() if cert.revoked_at else None,
        }
        for cert in Certification.objects.filter(user=user)
        .select_related("course")
        .order_by("course__title", "-issued_at")
    ]
    state = current_policy_state(user, now=now)
    policy = None
    if state is not None:
        policy = {
            "id": state["id"],
            "version": state["version"],
            "title": state["title"],
            "effective_at": state["effective_at"].isoformat(),
            "acknowledged": state["acknowledged"],
        }
    return {"certifications": certifications, "policy": policy}


@dataclass
class HomeTraining:
    """The training panel of the home page: what the person still needs on each account they
    may draft on, certificates expiring soon or revoked, assignments still to do."""

    accounts: list[tuple[Any, list[Any]]]
    expiring: list[Certification]
    revoked: list[Certification]
    assignments: list[Assignment]

    @property
    def anything(self) -> bool:
        return bool(
            any(missing for _account, missing in self.accounts)
            or self.expiring
            or self.revoked
            or self.assignments
        )


def home_training(*, user: Any, now: datetime | None = None) -> HomeTraining:
    """Five queries whatever the number of accounts, certificates and assignments: the
    accounts, the policy state, the requirements, the certificates, the assignments."""
    now = now or timezone.now()
    accounts, _policy = _draftable_accounts_missing(user, now)
    certs = list(
        Certification.objects.filter(user=user)
        .select_related("course")
        .order_by("expires_at", "id")
    )
    held = {
        cert.course_id
        for cert in certs
        if cert.status_at(now) in (CertStatus.VALID, CertStatus.EXPIRING)
    }
    # A revoked certificate no longer matters once the course was passed again.
    revoked = [c for c in certs if c.revoked_at is not None and c.course_id not in held]
    assignments: dict[int, Assignment] = {}
    for assignment in (
        assignments_for_person(user=user)
        .filter(course__is_published=True)
        .select_related("course")
        .order_by("due_on", "id")
    ):
        if assignment.course_id not in held:
            assignments.setdefault(assignment.course_id, assignment)
    return HomeTraining(
        accounts=accounts,
        expiring=[c for c in certs if c.status_at(now) == CertStatus.EXPIRING],
        revoked=revoked,
        assignments=list(assignments.values()),
    )
