"""Review queue health, for comms: what waits at each stage and for how long, each reviewer's
load, and the scheduled posts that missed their time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.db.models import Count, F, Q

from accounts.models import Department
from approvals.models import Decision, Post, Verdict
from dashboards.reports.activity.department import _waiting_now
from dashboards.reports.activity.figures import S
from dashboards.reports.periods import week_start


@dataclass(frozen=True)
class QueueRow:
    department: Department
    waiting: int
    waiting_legal: int
    oldest_since: datetime | None


@dataclass(frozen=True)
class ReviewerRow:
    reviewer_id: int
    name: str
    email: str
    decisions: int
    approvals: int
    changes: int
    rejections: int


@dataclass
class QueueHealth:
    generated_at: datetime
    week_start: datetime
    departments: list[QueueRow]
    reviewers: list[ReviewerRow]
    overdue_count: int  # scheduled, time passed, not released yet
    held_count: int  # sent back by a crisis pause, not rescheduled yet
    missed: list[Post]  # the oldest of both kinds, for the table

    @property
    def waiting(self) -> int:
        return sum(row.waiting for row in self.departments)


MISSED_SHOWN = 50


def review_queue_health(*, now: datetime, zone: tzinfo) -> QueueHealth:
    """What waits per department, decisions per reviewer this week, missed schedule times.
    Five queries, whatever the size of the queue."""
    waiting = _waiting_now(department=None)
    departments = [
        QueueRow(
            department=department,
            waiting=waiting.get(department.pk, {}).get("waiting", 0),
            waiting_legal=waiting.get(department.pk, {}).get("waiting_legal", 0),
            oldest_since=waiting.get(department.pk, {}).get("oldest"),
        )
        for department in Department.objects.order_by("name")
    ]
    # Longest-waiting first; departments with nothing waiting after, by name.
    departments.sort(key=lambda row: (row.oldest_since is None, row.oldest_since or now))
    monday = week_start(now, zone)
    reviewers = [
        ReviewerRow(
            reviewer_id=row["reviewer_id"],
            name=row["reviewer__full_name"] or row["reviewer__email"],
            email=row["reviewer__email"],
            decisions=row["decisions"],
            approvals=row["approvals"],
            changes=row["changes"],
            rejections=row["rejections"],
        )
        for row in Decision.objects.filter(created_at__gte=monday, created_at__lte=now)
        .order_by()
        .values("reviewer_id", "reviewer__full_name", "reviewer__email")
        .annotate(
            decisions=Count("pk"),
            approvals=Count("pk", filter=Q(verdict=Verdict.APPROVE)),
            changes=Count("pk", filter=Q(verdict=Verdict.CHANGES)),
            rejections=Count("pk", filter=Q(verdict=Verdict.REJECT)),
        )
        .order_by("-decisions", "reviewer__email")
    ]
    overdue = Q(state=S.SCHEDULED, scheduled_at__lt=now)
    held = Q(state=S.APPROVED) & ~Q(notice="")
    counts = Post.objects.filter(overdue | held).aggregate(
        overdue=Count("pk", filter=overdue), held=Count("pk", filter=held)
    )
    missed = list(
        Post.objects.filter(overdue | held)
        .select_related("department", "brand_account", "author")
        .order_by(F("scheduled_at").asc(nulls_last=True), "updated_at", "id")[:MISSED_SHOWN]
    )
    return QueueHealth(
        generated_at=now,
        week_start=monday,
        departments=departments,
        reviewers=reviewers,
        overdue_count=counts["overdue"],
        held_count=counts["held"],
        missed=missed,
    )
