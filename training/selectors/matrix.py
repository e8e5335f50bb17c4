"""The certification matrix (people by courses, filtered) and each department's coverage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts import authz
from accounts.models import Department, Membership, User
from core.errors import InvalidInput, whole_number
from training.models import (
    EXPIRING_WITHIN,
    Assignment,
    Certification,
    CertStatus,
    Course,
    Policy,
    PolicyAcknowledgement,
)
from training.selectors.courses import status_of
from training.selectors.oversight import departments_visible, people_visible

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
    # (course, status, best certificate, open assignment) per course, in the courses' order
    cells: list[tuple[Course, str, Certification | None, Assignment | None]]
    policy_acknowledged: bool


def _open_assignments(
    *, ids: list[int], courses: list[Course], memberships: dict[int, set[int]]
) -> dict[tuple[int, int], Assignment]:
    """{(person, course): the open assignment due first}, the person's own or one of a
    department they belong to. One query."""
    department_ids = {d for ds in memberships.values() for d in ds}
    found: dict[tuple[int, int], Assignment] = {}
    assignments = Assignment.objects.filter(
        Q(user_id__in=ids) | Q(department_id__in=department_ids),
        cancelled_at=None,
        course_id__in=[c.pk for c in courses],
    ).order_by("-due_on", "-id")  # the one due first is written last and wins
    for assignment in assignments:
        if assignment.user_id is not None:
            people = [assignment.user_id]
        else:
            people = [pk for pk in ids if assignment.department_id in memberships[pk]]
        for pk in people:
            found[(pk, assignment.course_id)] = assignment
    return found


def matrix_rows(
    *,
    people: list[User],
    courses: list[Course],
    now: datetime,
    policy: Policy | None,
    with_assignments: bool = False,
) -> list[MatrixRow]:
    """Cells for a page of people: three queries (certificates, memberships, policy acks), and
    a fourth with_assignments (the open course assignments the page shows in each cell)."""
    ids = [p.pk for p in people]
    best: dict[tuple[int, int], Certification] = {}
    certs = Certification.objects.filter(user_id__in=ids, course_id__in=[c.pk for c in courses])
    for cert in certs.order_by("user_id", "course_id", "-issued_at"):
        current = best.get((cert.user_id, cert.course_id))
        if current is None or (current.revoked_at is not None and cert.revoked_at is None):
            best[(cert.user_id, cert.course_id)] = cert
    departments: dict[int, list[str]] = defaultdict(list)
    member_of: dict[int, set[int]] = defaultdict(set)
    for user_id, name, department_id in (
        Membership.objects.filter(user_id__in=ids)
        .order_by("department__name")
        .values_list("user_id", "department__name", "department_id")
    ):
        departments[user_id].append(name)
        member_of[user_id].add(department_id)
    assigned = (
        _open_assignments(ids=ids, courses=courses, memberships=member_of)
        if with_assignments
        else {}
    )
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
            cells.append((course, status_of(cert, now), cert, assigned.get((person.pk, course.pk))))
        rows.append(
            MatrixRow(
                person=person,
                departments=departments[person.pk],
                cells=cells,
                policy_acknowledged=person.pk in acknowledged,
            )
        )
    return rows


# --- The whole matrix for the CSV export, decided in SQL -----------------------------------------

# Department names are joined with a control character no name contains, then sorted and joined
# for people in Python: SQLite's group_concat has no ORDER BY before 3.44.
_NAME_SEPARATOR = "\x1f"


class _JoinedNames(Aggregate):
    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s)"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


@dataclass(frozen=True)
class CertificationLine:
    """One person's row of the export: plain values, no model instances."""

    email: str
    full_name: str
    departments: list[str]
    policy_acknowledged: bool
    cells: list[tuple[str, datetime | None]]  # (status, expires_at) per course, in order


def _best_certificates(course_id: int) -> QuerySet[Certification]:
    """The certificate the matrix shows for one course first: the latest unrevoked one, else the
    latest revoked one (the same choice as matrix_rows)."""
    return Certification.objects.filter(user=OuterRef("pk"), course_id=course_id).order_by(
        Case(When(revoked_at__isnull=True, then=Value(0)), default=Value(1)), "-issued_at"
    )


def _status_of_best(course_id: int, now: datetime) -> Coalesce:
    """CertStatus of that certificate, decided by the database (Certification.status_at)."""
    status = Case(
        When(revoked_at__isnull=False, then=Value(CertStatus.REVOKED)),
        When(expires_at__lte=now, then=Value(CertStatus.EXPIRED)),
        When(expires_at__lte=now + EXPIRING_WITHIN, then=Value(CertStatus.EXPIRING)),
        default=Value(CertStatus.VALID),
        output_field=CharField(),
    )
    best = _best_certificates(course_id).annotate(status=status).values("status")[:1]
    return Coalesce(Subquery(best, output_field=CharField()), Value(CertStatus.MISSING))


def certification_lines(
    *,
    people: QuerySet[User],
    courses: list[Course],
    now: datetime,
    policy: Policy | None,
    chunk_size: int = 500,
) -> Iterator[CertificationLine]:
    """The matrix for everyone in `people`, ordered by id, as ONE query streamed from the
    database in chunks: statuses, expiry dates, departments and the policy acknowledgement are
    all decided in SQL, so memory stays flat and nothing is decided per row in Python."""
    names = (
        Membership.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(joined=_JoinedNames("department__name", Value(_NAME_SEPARATOR)))
        .values("joined")
    )
    rows = people.order_by("pk").annotate(department_names=Subquery(names))
    if policy is not None:
        rows = rows.annotate(
            acknowledged=Exists(
                PolicyAcknowledgement.objects.filter(policy=policy, user=OuterRef("pk"))
            )
        )
    else:
        rows = rows.annotate(acknowledged=Value(False))
    fields = ["email", "full_name", "department_names", "acknowledged"]
    for course in courses:
        expires = _best_certificates(course.pk).values("expires_at")[:1]
        rows = rows.annotate(
            **{
                f"c{course.pk}_status": _status_of_best(course.pk, now),
                f"c{course.pk}_expires": Subquery(expires, output_field=DateTimeField()),
            }
        )
        fields += [f"c{course.pk}_status", f"c{course.pk}_expires"]
    for values in rows.values_list(*fields).iterator(chunk_size=chunk_size):
        email, full_name, joined, acknowledged = values[:4]
        rest = values[4:]
        yield CertificationLine(
            email=email,
            full_name=full_name,
            departments=sorted(joined.split(_NAME_SEPARATOR)) if joined else [],
            policy_acknowledged=bool(acknowledged),
            cells=[(rest[i], rest[i + 1]) for i in range(0, len(rest), 2)],
        )


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
    """Completion and coverage per visible department: two queries, whatever the head count
    (the per-member figures are summed by the database)."""
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
    # Grouped in the database: one row per department, however many members.
    full = (
        Case(When(valid_count__gte=course_total, then=Value(1)), default=Value(0))
        if course_total
        else Value(0)
    )
    grouped = (
        memberships.order_by()
        .values("department_id")
        .annotate(
            m=Count("pk"),
            v=Sum("valid_count"),
            f=Sum(full, output_field=IntegerField()),
            a=Sum(
                Case(When(acked=True, then=Value(1)), default=Value(0))
                if policy is not None
                else Value(0),
                output_field=IntegerField(),
            ),
        )
    )
    empty = {"m": 0, "v": 0, "f": 0, "a": 0}
    totals = {row["department_id"]: row for row in grouped}
    result = []
    for dept in departments:
        total = totals.get(dept.pk, empty)
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
