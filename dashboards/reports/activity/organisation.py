"""The organisation overview: one row of figures per department."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Subquery, Sum

from accounts.models import Department, Membership
from dashboards.reports.activity.department import (
    Snapshot,
    _draft_grants,
    _snapshots,
    with_case_copies,
)
from dashboards.reports.activity.figures import (
    Figures,
    Turnaround,
    _figure_aggregates,
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
from dashboards.reports.case_figures import CaseFigures, cases_by_department
from dashboards.reports.engagement_figures import EngagementFigures, engagement_by_department
from dashboards.reports.inbox_figures import InboxFigures, inbox_by_department
from dashboards.reports.periods import Period
from training.requirements import annotate_requirement_coverage


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
    cases: CaseFigures = field(default_factory=CaseFigures)
    engagement: EngagementFigures = field(default_factory=EngagementFigures)
    # When the figures came from the summary rows: when they were last advanced.
    summaries_advanced_at: datetime | None = None
    from_summaries: bool = False

    @property
    def certified_share(self) -> float | None:
        return self.certified_pairs / self.member_accounts if self.member_accounts else None


def organisation_activity(*, period: Period, now: datetime) -> list[DepartmentRow]:
    """Every department with the same figures as its own page (twelve queries for any
    number)."""
    departments = list(
        Department.objects.annotate(
            n_members=Subquery(
                Membership.objects.filter(department=OuterRef("pk"), user__is_active=True)
                .order_by()
                .values("department")
                .annotate(n=Count("pk"))
                .values("n")
            )
        ).order_by("name")
    )
    inbox = inbox_by_department(period=period, now=now)
    cases = cases_by_department(period=period)
    engagement = engagement_by_department(period=period)
    figures, turnarounds, snapshots, advanced_at, from_summaries = _post_figures(period)
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
                members=department.n_members or 0,  # type: ignore[attr-defined]
                member_accounts=cover.get("pairs") or 0,
                certified_pairs=cover.get("certified_pairs") or 0,
                inbox=with_case_copies(
                    inbox.get(department.pk, InboxFigures()), cases.get(department.pk)
                ),
                cases=cases.get(department.pk, CaseFigures()),
                engagement=engagement.get(department.pk, EngagementFigures()),
                summaries_advanced_at=advanced_at,
                from_summaries=from_summaries,
            )
        )
    return rows


def _post_figures(
    period: Period,
) -> tuple[dict[Any, Figures], dict[Any, Turnaround], dict[int, Snapshot], datetime | None, bool]:
    """Figures, turnarounds and snapshots per department: from the summary rows when their days
    are the period's, else from the audit trail (four queries either way). The last item is
    when the summaries were advanced, and whether they were read."""
    if covers(period):
        rolled = rolled_figures(period, by=("department",))
        if rolled.current:
            mark = rolled.last_event_id
            return (
                rolled.figures["department"],
                rolled_turnarounds(period, department=None, group="department_id", mark=mark),
                _snapshots(
                    period,
                    department=None,
                    decided=rolled_decided_posts(period, department=None, rolled=rolled),
                ),
                rolled.advanced_at,
                True,
            )
    figures = {
        row["department_id"]: Figures.from_row(row)
        for row in post_events(period).values("department_id").annotate(**_figure_aggregates())
    }
    turnarounds = _turnarounds(review_rounds(period), group="department_id")
    return figures, turnarounds, _snapshots(period, department=None), None, False
