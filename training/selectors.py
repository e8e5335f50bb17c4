"""Reads for training and certification, always scoped to what the caller may see.

Who sees whose training: everyone their own; managers the people of the departments they
manage; HR and org admins everyone. A person outside the caller's scope answers 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import authz
from accounts.models import Department, Membership, User
from channels_app.models import BrandAccount
from core.errors import InvalidInput, whole_number
from training.models import (
    EXPIRING_WITHIN,
    Assignment,
    Attempt,
    Certification,
    CertificationRequirement,
    CertStatus,
    Course,
    Policy,
    PolicyAcknowledgement,
    TrainingNotice,
)
from training.requirements import current_policy_state, missing_requirements_for_accounts

# --- Courses -----------------------------------------------------------------------------------


def course_list(*, user: Any) -> QuerySet[Course]:
    """Published courses with their counts and what they certify for (two queries)."""
    return (
        Course.objects.published()
        .annotate(
            lesson_count=Count("lessons", distinct=True),
            question_count=Count("questions", distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=CertificationRequirement.objects.select_related("brand_account"),
            )
        )
        .order_by("title", "id")
    )


def course_get(*, user: Any, pk: Any) -> Course:
    """A published course, or 404 (a draft is invisible to learners, as a missing one)."""
    return authz.get_visible_or_404(course_list(user=user), pk=pk)


def course_content(*, course: Course) -> Course:
    """The course with its lessons and questions with choices, for the player (three queries)."""
    return (
        Course.objects.filter(pk=course.pk).prefetch_related("lessons", "questions__choices").get()
    )


def my_certification_map(
    *, user: Any, course_ids: Iterable[int] | None = None
) -> dict[int, Certification]:
    """{course id: the person's certificate that decides their status}: the unrevoked one when
    there is one, else the latest revoked one. One query."""
    rows = Certification.objects.filter(user=user)
    if course_ids is not None:
        rows = rows.filter(course_id__in=list(course_ids))
    best: dict[int, Certification] = {}
    for cert in rows.order_by("course_id", "-issued_at"):
        current = best.get(cert.course_id)
        if current is None or (current.revoked_at is not None and cert.revoked_at is None):
            best[cert.course_id] = cert
    return best


def status_of(cert: Certification | None, now: datetime) -> str:
    return CertStatus.MISSING if cert is None else cert.status_at(now)


def attempt_get(*, user: Any, pk: Any) -> Attempt:
    """One of the person's own attempts; anybody else's answers 404."""
    return authz.get_visible_or_404(
        Attempt.objects.filter(user=user).select_related("course", "certification"), pk=pk
    )


def attempt_list(*, user: Any, course: Course) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, course=course).order_by("-started_at", "-id")


# --- My training -------------------------------------------------------------------------------


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
    accounts = list(
        authz.objects_with_any_perm(
            user, ["draft_on"], BrandAccount.objects.filter(is_active=True)
        ).order_by("display_name", "id")
    )
    policy = current_policy_state(user, now=now)
    missing = missing_requirements_for_accounts(user, accounts, now=now, policy_state=policy)
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
        accounts=[(account, missing[account.pk]) for account in accounts],
        policy=policy,
        notices=list(
            TrainingNotice.objects.filter(user=user, read_at=None).select_related("course")[:20]
        ),
        revoked=[c for c in certs.values() if c.revoked_at is not None],
    )


# --- Policy ------------------------------------------------------------------------------------


def policy_current(*, now: datetime | None = None) -> Policy | None:
    return Policy.objects.in_force_at(now or timezone.now()).first()


def policy_upcoming(*, now: datetime | None = None) -> Policy | None:
    """A published version that takes effect later (people may acknowledge it ahead)."""
    return (
        Policy.objects.published()
        .filter(effective_at__gt=now or timezone.now())
        .order_by("effective_at", "version")
        .first()
    )


def policy_get_published(*, pk: Any) -> Policy:
    return authz.get_visible_or_404(Policy.objects.published(), pk=pk)


def policy_acknowledgement(*, user: Any, policy: Policy | None) -> PolicyAcknowledgement | None:
    if policy is None:
        return None
    return PolicyAcknowledgement.objects.filter(user=user, policy=policy).first()


# --- Whose training the caller may follow ------------------------------------------------------


def people_visible(*, user: Any) -> QuerySet[User]:
    """Active people whose training the caller follows: members of the departments in scope
    (HR and org admins: of every department). Managers without HR see only their teams."""
    scope = authz.training_department_scope(user)
    memberships = Membership.objects.all()
    if scope is not None:
        memberships = memberships.filter(department_id__in=scope)
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def departments_visible(*, user: Any) -> QuerySet[Department]:
    scope = authz.training_department_scope(user)
    departments = Department.objects.all()
    if scope is not None:
        departments = departments.filter(pk__in=scope)
    return departments.order_by("name")


def certification_list(*, user: Any) -> QuerySet[Certification]:
    """Certificates the caller may see: their own, plus those of the people they follow."""
    mine = Q(user=user)
    scope = authz.training_department_scope(user)
    if scope is None:
        visible = Q()
    else:
        members = Membership.objects.filter(department_id__in=scope).values("user_id")
        visible = mine | Q(user_id__in=members)
    return (
        Certification.objects.filter(visible)
        .select_related("user", "course", "revoked_by")
        .order_by("user__email", "course__title", "-issued_at", "-id")
    )


def certification_get(*, user: Any, pk: Any) -> Certification:
    return authz.get_visible_or_404(certification_list(user=user), pk=pk)


def assignment_list(*, user: Any) -> QuerySet[Assignment]:
    """Open assignments the caller may see and manage: HR everything; managers those to their
    departments or to their people."""
    assignments = Assignment.objects.filter(cancelled_at=None).select_related(
        "course", "user", "department", "assigned_by"
    )
    scope = authz.training_department_scope(user)
    if scope is not None:
        members = Membership.objects.filter(department_id__in=scope).values("user_id")
        assignments = assignments.filter(Q(department_id__in=scope) | Q(user_id__in=members))
    return assignments.order_by("due_on", "id")


# --- The certification matrix ------------------------------------------------------------------

STATUS_FILTERS = tuple(CertStatus.values)


@dataclass(frozen=True)
class MatrixFilters:
    department: Department | None = None
    status: str = ""
    course: Course | None = None
    search: str = ""


def parse_matrix_filters(*, user: Any, params: Any) -> MatrixFilters:
    """Filters from a query string: an unknown status is a 400; a department or course the
    caller may not see is a 404 (the same as a missing one)."""
    department = None
    slug = (params.get("department") or "").strip()
    if slug:
        department = authz.get_visible_or_404(departments_visible(user=user), slug=slug)
    status = (params.get("status") or "").strip()
    if status and status not in STATUS_FILTERS:
        raise InvalidInput(f"Status must be one of: {', '.join(STATUS_FILTERS)}.", field="status")
    course = None
    course_id = params.get("course") or ""
    if course_id:
        course = authz.get_visible_or_404(
            Course.objects.published(), pk=whole_number(course_id, field="course")
        )
    search = (params.get("q") or "").strip()[:100]
    return MatrixFilters(department=department, status=status, course=course, search=search)


def _status_condition(status: str, course_ids: list[int], now: datetime) -> Q | Exists:
    """People with at least one of the courses in this status (SQL, so paging stays exact)."""
    certs = Certification.objects.filter(user=OuterRef("pk"), course_id__in=course_ids)
    active = certs.filter(revoked_at__isnull=True)
    soon = now + EXPIRING_WITHIN
    if status == CertStatus.VALID:
        return Exists(active.filter(expires_at__gt=soon))
    if status == CertStatus.EXPIRING:
        return Exists(active.filter(expires_at__gt=now, expires_at__lte=soon))
    if status == CertStatus.EXPIRED:
        return Exists(active.filter(expires_at__lte=now))
    per_course = Certification.objects.filter(user=OuterRef(OuterRef("pk")), course=OuterRef("pk"))
    courses = Course.objects.filter(pk__in=course_ids)
    if status == CertStatus.REVOKED:
        return Exists(
            courses.filter(
                Exists(per_course.filter(revoked_at__isnull=False)),
                ~Exists(per_course.filter(revoked_at__isnull=True)),
            )
        )
    return Exists(courses.filter(~Exists(per_course)))  # missing


def matrix_courses(*, filters: MatrixFilters) -> list[Course]:
    if filters.course is not None:
        return [filters.course]
    return list(Course.objects.published().order_by("title", "id"))


def matrix_people(
    *, user: Any, filters: MatrixFilters, courses: list[Course], now: datetime
) -> QuerySet[User]:
    people = people_visible(user=user)
    if filters.department is not None:
        people = people.filter(
            pk__in=Membership.objects.filter(department=filters.department).values("user_id")
        )
    if filters.search:
        people = people.filter(
            Q(email__icontains=filters.search) | Q(full_name__icontains=filters.search)
        )
    if filters.status and courses:
        people = people.filter(_status_condition(filters.status, [c.pk for c in courses], now))
    elif filters.status:
        people = people.none()
    return people.order_by("full_name", "email", "pk")


@dataclass
class MatrixRow:
    person: User
    departments: list[str]
    cells: list[tuple[Course, str, Certification | None]]
    policy_acknowledged: bool


def matrix_rows(
    *, people: list[User], courses: list[Course], now: datetime, policy: Policy | None
) -> list[MatrixRow]:
    """Cells for a page of people: three queries (certificates, memberships, policy acks)."""
    ids = [p.pk for p in people]
    best: dict[tuple[int, int], Certification] = {}
    certs = Certification.objects.filter(user_id__in=ids, course_id__in=[c.pk for c in courses])
    for cert in certs.order_by("user_id", "course_id", "-issued_at"):
        current = best.get((cert.user_id, cert.course_id))
        if current is None or (current.revoked_at is not None and cert.revoked_at is None):
            best[(cert.user_id, cert.course_id)] = cert
    departments: dict[int, list[str]] = defaultdict(list)
    for user_id, name in (
        Membership.objects.filter(user_id__in=ids)
        .order_by("department__name")
        .values_list("user_id", "department__name")
    ):
        departments[user_id].append(name)
    acknowledged: set[int] = set()
    if policy is not None:
        acknowledged = set(
            PolicyAcknowledgement.objects.filter(policy=policy, user_id__in=ids).values_list(
                "user_id", flat=True
            )
        )
    rows = []
    for person in people:
        cells = []
        for course in courses:
            cert = best.get((person.pk, course.pk))
            cells.append((course, status_of(cert, now), cert))
        rows.append(
            MatrixRow(
                person=person,
                departments=departments[person.pk],
                cells=cells,
                policy_acknowledged=person.pk in acknowledged,
            )
        )
    return rows


@dataclass(frozen=True)
class DepartmentCoverage:
    department: Department
    members: int
    completion: int  # per cent of member-course cells currently certified
    fully_certified: int  # per cent of members certified in every published course
    policy_acknowledged: int  # per cent of members who acknowledged the current policy


def department_coverage(
    *, user: Any, now: datetime, policy: Policy | None, department: Department | None = None
) -> list[DepartmentCoverage]:
    """Completion and coverage per visible department: two queries, whatever the head count."""
    departments = list(departments_visible(user=user))
    if department is not None:
        departments = [d for d in departments if d.pk == department.pk]
    course_total = Course.objects.published().count()
    valid = (
        Certification.objects.valid_at(now)
        .filter(user=OuterRef("user_id"), course__is_published=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    memberships = Membership.objects.filter(
        department__in=departments, user__is_active=True
    ).annotate(valid_count=Coalesce(Subquery(valid, output_field=IntegerField()), Value(0)))
    if policy is not None:
        memberships = memberships.annotate(
            acked=Exists(
                PolicyAcknowledgement.objects.filter(policy=policy, user=OuterRef("user_id"))
            )
        )
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {"m": 0, "v": 0, "f": 0, "a": 0})
    fields = ["department_id", "valid_count"] + (["acked"] if policy is not None else [])
    # One row per membership, a few integers each: cheap even for ten thousand people.
    for row in memberships.values(*fields).iterator(chunk_size=2000):
        total = totals[row["department_id"]]
        total["m"] += 1
        total["v"] += row["valid_count"]
        total["f"] += bool(course_total) and row["valid_count"] >= course_total
        total["a"] += bool(row.get("acked"))
    result = []
    for dept in departments:
        total = totals[dept.pk]
        members, cells = total["m"], total["m"] * course_total
        result.append(
            DepartmentCoverage(
                department=dept,
                members=members,
                completion=(total["v"] * 100 // cells) if cells else 0,
                fully_certified=(total["f"] * 100 // members) if members else 0,
                policy_acknowledged=(total["a"] * 100 // members) if members else 0,
            )
        )
    return result


# --- Reminders ---------------------------------------------------------------------------------


def certification_ids_expiring(*, now: datetime) -> list[int]:
    """Unrevoked certificates of active people expiring within the longest reminder window."""
    return list(
        Certification.objects.filter(
            revoked_at=None,
            user__is_active=True,
            expires_at__gt=now,
            expires_at__lte=now + EXPIRING_WITHIN,
        )
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)
    )


def overdue_assignment_pairs(*, today: date, now: datetime) -> list[tuple[int, int]]:
    """(assignment id, person id) for open assignments past due whose person is not certified."""
    pairs: list[tuple[int, int]] = []
    overdue = Assignment.objects.filter(cancelled_at=None, due_on__lt=today).values_list(
        "pk", "course_id", "user_id", "department_id"
    )
    for pk, course_id, user_id, department_id in overdue:
        people = User.objects.filter(is_active=True)
        people = (
            people.filter(pk=user_id)
            if user_id is not None
            else people.filter(memberships__department_id=department_id)
        )
        certified = Certification.objects.valid_at(now).filter(
            course_id=course_id, user=OuterRef("pk")
        )
        pairs.extend(
            (pk, uid) for uid in people.filter(~Exists(certified)).values_list("pk", flat=True)
        )
    return pairs


# --- GET /api/v1/me/ ---------------------------------------------------------------------------


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
