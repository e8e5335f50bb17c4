"""The certification matrix (people by courses, filtered) and each department's coverage."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts import authz
from accounts.models import Department, Membership, User
from core.errors import InvalidInput, whole_number
from training.models import (
    EXPIRING_WITHIN,
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
