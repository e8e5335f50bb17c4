"""One department's activity: its figures week by week, per brand account and per person, what
waits in review now, and its people's training coverage."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db.models import Avg, BigIntegerField, Count, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, TruncWeek

from accounts import authz
from accounts.models import Department, Membership, User
from approvals.models import Post
from channels_app.models import BrandAccount, BrandAccountPerm
from dashboards.reports.activity.figures import (
    APPROVE,
    REJECT,
    Figures,
    S,
    Turnaround,
    _figure_aggregates,
    _post_of_event,
    _turnarounds,
    post_events,
    review_rounds,
)
from dashboards.reports.activity.rolled import (
    covers,
    rolled_decided_posts,
    rolled_figures,
    rolled_turnarounds,
)
from dashboards.reports.case_figures import CaseFigures, case_totals, cases_by_person
from dashboards.reports.engagement_figures import DepartmentEngagement, department_engagement
from dashboards.reports.inbox_figures import (
    InboxFigures,
    InboxPersonRow,
    department_inbox,
)
from dashboards.reports.periods import Period, as_local_date
from training.requirements import annotate_requirement_coverage


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
    # The helpdesk cases of its conversations (dashboards/reports/case_figures.py).
    cases: CaseFigures = field(default_factory=CaseFigures)
    # The public figures of the posts published in the range
    # (dashboards/reports/engagement_figures.py).
    engagement: DepartmentEngagement = field(default_factory=DepartmentEngagement)
    # When the post figures came from the summary rows (dashboards/reports/rollups.py): the
    # time the summaries were last advanced (the transitions since are read directly).
    summaries_advanced_at: datetime | None = None
    from_summaries: bool = False


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


def _snapshots(
    period: Period, *, department: Department | None, decided: Q | None = None
) -> dict[int, Snapshot]:
    """{department id: Snapshot}: posts waiting now, and the revisions of the posts approved or
    rejected in the range (two queries). `decided` filters those posts when the summary rows
    say which they are (rolled.rolled_decided_posts)."""
    if decided is None:
        decided = Q(
            pk__in=post_events(period, department=department)
            .filter(action__in=(APPROVE, REJECT))
            .values(post_id=Cast("target_id", BigIntegerField()))
        )
    revisions = dict(
        Post.objects.filter(decided)
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
    found = {as_local_date(row["week"], period.zone): Figures.from_row(row) for row in rows}
    return [Week(start=day, figures=found.get(day, Figures())) for day in period.week_starts()]


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


def _people(
    period: Period, department: Department, by_author: dict[Any, Figures] | None = None
) -> list[PersonRow]:
    """Every member (with activity in the range or not) and every author with activity in the
    range who has left the department since. Two queries (one when `by_author` is given)."""
    if by_author is None:
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
    """Everything the department page, its CSV and the API show (nine queries for posts and
    coverage, the inbox's own: dashboards/reports/inbox_figures.py, and three for its
    helpdesk cases: dashboards/reports/case_figures.py, and four for the engagement of its
    published posts: dashboards/reports/engagement_figures.py)."""
    inbox, inbox_people = department_inbox(department=department, period=period, now=now)
    cases = case_totals(period=period, department=department)
    by_person = cases_by_person(department=department, period=period)
    inbox = with_case_copies(inbox, cases)
    inbox_people = [
        replace(row, figures=with_case_copies(row.figures, by_person.get(row.user_id)))
        for row in inbox_people
    ]
    report = _post_figures(period, department)
    report.generated_at = now
    report.coverage = _coverage(department, now)
    report.inbox, report.inbox_people, report.cases = inbox, inbox_people, cases
    report.engagement = department_engagement(department=department, period=period)
    return report


def _post_figures(period: Period, department: Department) -> DepartmentActivity:
    """The posts' figures: from the summary rows when their days are the period's (five
    queries), else from the audit trail (eight)."""
    if covers(period):
        rolled = rolled_figures(
            period, department=department, by=("total", "week", "account", "author")
        )
        if rolled.current:
            mark = rolled.last_event_id
            figures = rolled.figures
            accounts = [
                AccountRow(
                    account_id=pk,  # type: ignore[arg-type]
                    name=rolled.account_names.get(pk, (None, None))[0],  # type: ignore[arg-type]
                    platform=rolled.account_names.get(pk, (None, None))[1],  # type: ignore[arg-type]
                    figures=found,
                )
                for pk, found in figures["account"].items()
            ]
            accounts.sort(key=lambda row: (row.name or "", row.account_id or 0))
            turnaround = rolled_turnarounds(period, department=department, group=None, mark=mark)
            decided = rolled_decided_posts(period, department=department, rolled=rolled)
            return DepartmentActivity(
                department=department,
                period=period,
                generated_at=period.start,
                totals=figures["total"].get(None, Figures()),
                turnaround=turnaround.get(None, Turnaround()),
                snapshot=_snapshots(period, department=department, decided=decided).get(
                    department.pk, Snapshot()
                ),
                weeks=[
                    Week(start=day, figures=figures["week"].get(day, Figures()))
                    for day in period.week_starts()
                ],
                accounts=accounts,
                people=_people(period, department, figures["author"]),
                summaries_advanced_at=rolled.advanced_at,
                from_summaries=True,
            )
    totals_row = post_events(period, department=department).aggregate(**_figure_aggregates())
    turnaround = _turnarounds(review_rounds(period, department=department), group=None)
    snapshot = _snapshots(period, department=department).get(department.pk, Snapshot())
    return DepartmentActivity(
        department=department,
        period=period,
        generated_at=period.start,
        totals=Figures.from_row(totals_row),
        turnaround=turnaround.get(None, Turnaround()),
        snapshot=snapshot,
        weeks=_weeks(period, department),
        accounts=_accounts(period, department),
        people=_people(period, department),
    )


def with_case_copies(inbox: InboxFigures, cases: CaseFigures | None) -> InboxFigures:
    """The inbox figures with their copies of the case figures (for the API's earlier
    readers: ``inbox.cases_created`` and ``inbox.median_solve_seconds``)."""
    cases = cases or CaseFigures()
    return replace(
        inbox, cases_created=cases.created, median_solve_seconds=cases.median_solve_seconds
    )
