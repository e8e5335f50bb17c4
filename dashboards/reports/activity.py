"""Department activity, review queue health and the organisation overview (docs/design.md §5,
issue 7).

Every figure comes out of the database: counts are conditional aggregates over the posts' audit
trail (`AuditEvent`, one row per transition with its from and to states), weeks are grouped by
`TruncWeek` in the viewer's zone, turnaround percentiles come from `percentiles.py`, coverage
from `training.requirements.annotate_requirement_coverage`. Python only assembles the rows the
database returns (and fills weeks without activity with zeros). Each report costs a fixed
number of queries, whatever the number of posts.

What the figures mean (also in docs/dashboards.md):
- A post counts for a state when it *reached* that state inside the range (its transition's
  time), each post once per state: "drafted" is created, "sent to review" entered review from
  elsewhere (submitted, resubmitted, or edited after approval), "approved" is the final approval
  (every required stage), "published" and "failed" are the publishing outcomes.
- A review is one stay in review that ended with a decision inside the range: the final
  approval, a request for changes or a rejection. Its turnaround runs from the moment the post
  last entered review to that decision. Rejection and changes-requested rates are shares of
  those reviews. Stage approvals that leave the post in review do not end a review.
- Revisions per post: for the posts approved or rejected in the range, their number of
  revisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from django.db.models import (
    Avg,
    BigIntegerField,
    Count,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, NullIf, TruncWeek

from accounts import authz
from accounts.models import Department, Membership, User
from activity.models import AuditEvent
from approvals.models import Decision, Post, PostState, Verdict
from approvals.state_machine import Action
from channels_app.models import BrandAccount, BrandAccountPerm
from dashboards.reports.inbox_figures import (
    InboxFigures,
    InboxPersonRow,
    department_inbox,
    inbox_by_department,
)
from dashboards.reports.percentiles import SecondsBetween, duration_percentiles
from dashboards.reports.periods import Period, week_start
from training.requirements import annotate_requirement_coverage

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
    return (
        post_events(period, department=department)
        .filter(action__in=CLOSING)
        .annotate(entered_at=Subquery(entered))
        .annotate(turnaround=SecondsBetween(F("created_at"), F("entered_at")))
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


@dataclass(frozen=True)
class Week:
    start: date
    figures: Figures


@dataclass(frozen=True)
class AccountRow:
    account_id: int
    name: str
    platform: str
    figures: Figures


@dataclass(frozen=True)
class PersonRow:
    user_id: int
    name: str
    email: str
    role: str  # "manager", "member", or "" for someone no longer in the department
    figures: Figures


@dataclass(frozen=True)
class CoverageRow:
    account_id: int
    name: str
    platform: str
    members: int
    certified: int
    ready: int  # certified and current policy acknowledged: may submit today

    @property
    def certified_share(self) -> float | None:
        return self.certified / self.members if self.members else None

    @property
    def ready_share(self) -> float | None:
        return self.ready / self.members if self.members else None


@dataclass(frozen=True)
class Snapshot:
    """Now, not over the range: what waits for review, and revisions of decided posts."""

    waiting: int = 0
    oldest_waiting_since: datetime | None = None
    revisions_per_post: float | None = None


@dataclass
class DepartmentActivity:
    department: Department
    period: Period
    generated_at: datetime
    totals: Figures
    turnaround: Turnaround
    snapshot: Snapshot
    weeks: list[Week] = field(default_factory=list)
    accounts: list[AccountRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    # The inbox's conversations (dashboards/reports/inbox_figures.py).
    inbox: InboxFigures = field(default_factory=InboxFigures)
    inbox_people: list[InboxPersonRow] = field(default_factory=list)


def _waiting_now(*, department: Department | None) -> dict[int, dict[str, Any]]:
    """{department id: {"waiting", "waiting_legal", "oldest"}} for the posts in review now: one
    query that reads only those posts (the index on state), however many posts exist."""
    waiting = Post.objects.filter(state=S.IN_REVIEW).order_by()
    if department is not None:
        waiting = waiting.filter(department=department)
    rows = waiting.values("department_id").annotate(
        waiting=Count("pk"),
        waiting_legal=Count("pk", filter=Q(legal_required=True)),
        oldest=Min("submitted_at"),
    )
    return {row["department_id"]: row for row in rows}


def _snapshots(period: Period, *, department: Department | None) -> dict[int, Snapshot]:
    """{department id: Snapshot}: posts waiting now, and the revisions of the posts approved or
    rejected in the range (two queries)."""
    decided = (
        post_events(period, department=department)
        .filter(action__in=(APPROVE, REJECT))
        .values(post_id=Cast("target_id", BigIntegerField()))
    )
    revisions = dict(
        Post.objects.filter(pk__in=decided)
        .order_by()
        .values("department_id")
        .annotate(revisions=Avg("current_revision__number"))
        .values_list("department_id", "revisions")
    )
    waiting = _waiting_now(department=department)
    return {
        pk: Snapshot(
            waiting=waiting.get(pk, {}).get("waiting", 0),
            oldest_waiting_since=waiting.get(pk, {}).get("oldest"),
            revisions_per_post=revisions.get(pk),
        )
        for pk in set(waiting) | set(revisions)
    }


def _draft_grants() -> QuerySet[Any]:
    """Department groups' draft grants on active accounts: (department, account) pairs."""
    return authz.group_grants_of(BrandAccountPerm.DRAFT_ON.value, BrandAccount).filter(
        group__department__isnull=False, content_object__is_active=True
    )


def _coverage(department: Department, now: datetime) -> list[CoverageRow]:
    grants = annotate_requirement_coverage(
        _draft_grants().filter(group__department=department),
        account="content_object",
        department="group__department",
        now=now,
    )
    rows = grants.values(
        "content_object_id",
        "content_object__display_name",
        "content_object__platform",
        "members",
        "certified",
        "ready",
    ).order_by("content_object__display_name", "content_object_id")
    return [
        CoverageRow(
            account_id=row["content_object_id"],
            name=row["content_object__display_name"],
            platform=row["content_object__platform"],
            members=row["members"],
            certified=row["certified"],
            ready=row["ready"],
        )
        for row in rows
    ]


def _weeks(period: Period, department: Department | None) -> list[Week]:
    rows = (
        post_events(period, department=department)
        .annotate(week=TruncWeek("created_at", tzinfo=period.zone))
        .values("week")
        .annotate(**_figure_aggregates())
    )
    found = {_as_local_date(row["week"], period.zone): Figures.from_row(row) for row in rows}
    return [Week(start=day, figures=found.get(day, Figures())) for day in period.week_starts()]


def _as_local_date(value: datetime | date, zone: tzinfo) -> date:
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    return value


def _accounts(period: Period, department: Department) -> list[AccountRow]:
    post = _post_of_event()
    rows = (
        post_events(period, department=department)
        .annotate(
            account_id=Subquery(post.values("brand_account_id")),
            account_name=Subquery(post.values("brand_account__display_name")),
            account_platform=Subquery(post.values("brand_account__platform")),
        )
        .values("account_id", "account_name", "account_platform")
        .annotate(**_figure_aggregates())
        .order_by("account_name", "account_id")
    )
    return [
        AccountRow(
            account_id=row["account_id"],
            name=row["account_name"],
            platform=row["account_platform"],
            figures=Figures.from_row(row),
        )
        for row in rows
    ]


def _people(period: Period, department: Department) -> list[PersonRow]:
    """Every member (with activity in the range or not) and every author with activity in the
    range who has left the department since. Two queries."""
    post = _post_of_event()
    activity = (
        post_events(period, department=department)
        .annotate(author_id=Subquery(post.values("author_id")))
        .values("author_id")
        .annotate(**_figure_aggregates())
    )
    by_author = {row["author_id"]: Figures.from_row(row) for row in activity}
    memberships = Membership.objects.filter(department=department)
    people = (
        User.objects.filter(
            Q(pk__in=memberships.values("user_id"))
            | Q(pk__in=[pk for pk in by_author if pk is not None])
        )
        .annotate(
            department_role=Subquery(memberships.filter(user=OuterRef("pk")).values("role")[:1])
        )
        .order_by("full_name", "email", "pk")
    )
    return [
        PersonRow(
            user_id=person.pk,
            name=person.full_name or person.email,
            email=person.email,
            role=person.department_role or "",  # type: ignore[attr-defined]
            figures=by_author.get(person.pk, Figures()),
        )
        for person in people
    ]


def department_activity(
    *, department: Department, period: Period, now: datetime
) -> DepartmentActivity:
    """Everything the department page, its CSV and the API show (thirteen queries: nine for
    posts and coverage, four for the inbox)."""
    inbox, inbox_people = department_inbox(department=department, period=period, now=now)
    totals_row = post_events(period, department=department).aggregate(**_figure_aggregates())
    turnaround = _turnarounds(review_rounds(period, department=department), group=None)
    snapshot = _snapshots(period, department=department).get(department.pk, Snapshot())
    return DepartmentActivity(
        department=department,
        period=period,
        generated_at=now,
        totals=Figures.from_row(totals_row),
        turnaround=turnaround.get(None, Turnaround()),
        snapshot=snapshot,
        weeks=_weeks(period, department),
        accounts=_accounts(period, department),
        people=_people(period, department),
        coverage=_coverage(department, now),
        inbox=inbox,
        inbox_people=inbox_people,
    )


# --- The organisation overview: one row per department -----------------------------------------


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    figures: Figures
    turnaround: Turnaround
    snapshot: Snapshot
    members: int
    member_accounts: int  # member x draftable account pairs
    certified_pairs: int
    inbox: InboxFigures = field(default_factory=InboxFigures)

    @property
    def certified_share(self) -> float | None:
        return self.certified_pairs / self.member_accounts if self.member_accounts else None


def organisation_activity(*, period: Period, now: datetime) -> list[DepartmentRow]:
    """Every department with the same figures as its own page (nine queries for any number)."""
    departments = list(Department.objects.order_by("name"))
    inbox = inbox_by_department(period=period, now=now)
    figures = {
        row["department_id"]: Figures.from_row(row)
        for row in post_events(period).values("department_id").annotate(**_figure_aggregates())
    }
    turnarounds = _turnarounds(review_rounds(period), group="department_id")
    snapshots = _snapshots(period, department=None)
    members = dict(
        Membership.objects.filter(user__is_active=True)
        .order_by()
        .values("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    coverage = {
        row["group__department"]: row
        for row in annotate_requirement_coverage(
            _draft_grants(), account="content_object", department="group__department", now=now
        )
        .values("group__department")
        .annotate(pairs=Sum("members"), certified_pairs=Sum("certified"))
    }
    rows = []
    for department in departments:
        cover = coverage.get(department.pk, {})
        rows.append(
            DepartmentRow(
                department=department,
                figures=figures.get(department.pk, Figures()),
                turnaround=turnarounds.get(department.pk, Turnaround()),
                snapshot=snapshots.get(department.pk, Snapshot()),
                members=members.get(department.pk, 0),
                member_accounts=cover.get("pairs") or 0,
                certified_pairs=cover.get("certified_pairs") or 0,
                inbox=inbox.get(department.pk, InboxFigures()),
            )
        )
    return rows


# --- Review queue health (comms) ----------------------------------------------------------------


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
