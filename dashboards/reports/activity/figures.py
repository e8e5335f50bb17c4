"""What the activity reports count, and the queries they all build on: the posts' transitions in a
period (from the audit trail), review rounds and their turnaround."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, NullIf

from accounts.models import Department
from activity.models import AuditEvent
from approvals.models import Post, PostState
from approvals.state_machine import Action
from dashboards.reports.percentiles import SecondsBetween, duration_percentiles
from dashboards.reports.periods import Period

POST_TARGET = "approvals.post"
CREATED = "post.created"
APPROVE = f"post.{Action.APPROVE}"
REQUEST_CHANGES = f"post.{Action.REQUEST_CHANGES}"
REJECT = f"post.{Action.REJECT}"
CLOSING = (APPROVE, REQUEST_CHANGES, REJECT)

S = PostState

# (key, label, which transitions make a post count) — the order of every table and chart.
STATES: tuple[tuple[str, str, Q], ...] = (
    ("drafted", "Drafted", Q(action=CREATED)),
    ("submitted", "Sent to review", Q(to_state=S.IN_REVIEW) & ~Q(from_state=S.IN_REVIEW)),
    ("changes_requested", "Changes requested", Q(action=REQUEST_CHANGES)),
    ("approved", "Approved", Q(action=APPROVE)),
    ("rejected", "Rejected", Q(action=REJECT)),
    ("published", "Published", Q(to_state=S.PUBLISHED) & ~Q(from_state=S.PUBLISHED)),
    ("failed", "Failed", Q(to_state=S.FAILED) & ~Q(from_state=S.FAILED)),
)
STATE_KEYS = tuple(key for key, _label, _q in STATES)
STATE_LABELS = {key: label for key, label, _q in STATES}


def state_keys_of(action: str, from_state: str, to_state: str) -> tuple[str, ...]:
    """The states a transition makes its post count for: STATES's conditions, in Python, for
    folding events into summary rows (a test checks both agree on every transition)."""
    keys = []
    if action == CREATED:
        keys.append("drafted")
    if to_state == S.IN_REVIEW and from_state != S.IN_REVIEW:
        keys.append("submitted")
    if action == REQUEST_CHANGES:
        keys.append("changes_requested")
    if action == APPROVE:
        keys.append("approved")
    if action == REJECT:
        keys.append("rejected")
    if to_state == S.PUBLISHED and from_state != S.PUBLISHED:
        keys.append("published")
    if to_state == S.FAILED and from_state != S.FAILED:
        keys.append("failed")
    return tuple(keys)


@dataclass(frozen=True)
class Figures:
    """Counts of one slice (a department, an account, a person, a week) over the range."""

    drafted: int = 0
    submitted: int = 0
    changes_requested: int = 0
    approved: int = 0
    rejected: int = 0
    published: int = 0
    failed: int = 0
    reviews: int = 0  # decisions that ended a stay in review
    rejection_rate: float | None = None  # share of reviews, None without any
    changes_requested_rate: float | None = None
    last_activity: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Figures:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__ if name in row})

    def counts(self) -> list[tuple[str, str, int]]:
        return [(key, STATE_LABELS[key], getattr(self, key)) for key in STATE_KEYS]


def _figure_aggregates() -> dict[str, Any]:
    """Conditional aggregates over audit events: distinct posts per state, reviews and rates."""
    aggregates: dict[str, Any] = {
        key: Count("target_id", distinct=True, filter=condition)
        for key, _label, condition in STATES
    }
    reviews = Count("pk", filter=Q(action__in=CLOSING))
    aggregates["reviews"] = reviews
    for name, action in (("rejection_rate", REJECT), ("changes_requested_rate", REQUEST_CHANGES)):
        aggregates[name] = Cast(Count("pk", filter=Q(action=action)), FloatField()) / NullIf(
            Cast(reviews, FloatField()), 0.0
        )
    aggregates["last_activity"] = Max("created_at")
    return aggregates


def post_events(period: Period, *, department: Department | None = None) -> QuerySet[AuditEvent]:
    """Transitions of posts inside the range (state changes only: comments do not count)."""
    events = AuditEvent.objects.filter(
        target_type=POST_TARGET,
        created_at__gte=period.start,
        created_at__lt=period.end,
    ).exclude(to_state="")
    if department is not None:
        events = events.filter(department=department)
    return events.order_by()


def _post_of_event() -> QuerySet[Post]:
    return Post.objects.filter(pk=Cast(OuterRef("target_id"), BigIntegerField())).order_by()


def review_rounds(period: Period, *, department: Department | None = None) -> QuerySet[Any]:
    """One row per review ended inside the range, with `entered_at` (when the post last entered
    review before the decision) and `turnaround` (seconds between the two)."""
    return with_turnaround(post_events(period, department=department).filter(action__in=CLOSING))


def with_turnaround(closing: QuerySet[AuditEvent]) -> QuerySet[Any]:
    """Closing events annotated with `entered_at` and `turnaround` (also what the summary rows
    store, dashboards/reports/rollups.py: the same SQL, so the same milliseconds)."""
    entered = (
        AuditEvent.objects.filter(
            target_type=POST_TARGET,
            target_id=OuterRef("target_id"),
            to_state=S.IN_REVIEW,
            id__lt=OuterRef("id"),  # the trail is append-only: ids follow time
        )
        .exclude(from_state=S.IN_REVIEW)
        .order_by("-id")
        .values("created_at")[:1]
    )
    return closing.annotate(entered_at=Subquery(entered)).annotate(
        turnaround=SecondsBetween(F("created_at"), F("entered_at"))
    )


@dataclass(frozen=True)
class Turnaround:
    reviews: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None


def _turnarounds(rounds: QuerySet[Any], *, group: str | None) -> dict[Any, Turnaround]:
    found = duration_percentiles(rounds, value="turnaround", group=group)
    return {
        key: Turnaround(reviews=v["count"], median_seconds=v["median"], p90_seconds=v["p90"])
        for key, v in found.items()
    }
