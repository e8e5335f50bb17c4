"""Helpdesk cases on the activity reports: handed over, created, failed and solved in the range,
and the median time to solve, per department (the department of the conversation the case was
made for; none for a conversation of no department) and per person answering it.

Each figure counts what happened inside the range, read from the case rows, which the services
stamp as the case moves (inbox/services/cases.py, each move audited in the same transaction):
- handed over: the case was asked for (``created_at``);
- created: the helpdesk confirmed it (``delivered_at``);
- failed: it is failed now, and failed inside the range (a failed case changes only when it is
  retried, so its ``updated_at`` is when it failed); a retried case counts no longer;
- solved: the helpdesk reported it solved (``solved_at``);
- median time to solve: over the cases solved in the range, from handing over to solved.

A fixed number of queries for any number of cases: one for the counts, one for the medians.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import Department
from dashboards.reports.percentiles import SecondsBetween, duration_percentiles
from dashboards.reports.periods import Period
from inbox.models import Case, CaseDelivery

METRICS = ("handed_over", "created", "failed", "solved", "median_solve_seconds")


@dataclass(frozen=True)
class CaseFigures:
    handed_over: int = 0
    created: int = 0
    failed: int = 0
    solved: int = 0
    median_solve_seconds: float | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any], median: float | None = None) -> CaseFigures:
        counts = ("handed_over", "created", "failed", "solved")
        return cls(**{name: row.get(name) or 0 for name in counts}, median_solve_seconds=median)


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _cases(period: Period, department: Department | None) -> QuerySet[Case]:
    """Cases with anything to count in the range (the counts filter each figure again)."""
    rows = Case.objects.filter(
        _in("created_at", period)
        | _in("delivered_at", period)
        | _in("solved_at", period)
        | (Q(state=CaseDelivery.FAILED) & _in("updated_at", period))
    ).order_by()
    if department is not None:
        rows = rows.filter(conversation__department=department)
    return rows


def _counts(period: Period) -> dict[str, Any]:
    return {
        "handed_over": Count("pk", filter=_in("created_at", period)),
        "created": Count("pk", filter=Q(state=CaseDelivery.CREATED) & _in("delivered_at", period)),
        "failed": Count("pk", filter=Q(state=CaseDelivery.FAILED) & _in("updated_at", period)),
        "solved": Count("pk", filter=_in("solved_at", period)),
    }


def _medians(rows: QuerySet[Case], period: Period, group: str | None) -> dict[Any, Any]:
    solved = rows.filter(_in("solved_at", period)).annotate(
        solve=SecondsBetween(F("solved_at"), F("created_at"))
    )
    found = duration_percentiles(solved, value="solve", group=group)
    return {key: value["median"] for key, value in found.items()}


def case_totals(*, period: Period, department: Department | None = None) -> CaseFigures:
    """One department's figures, or the whole organisation's (two queries)."""
    rows = _cases(period, department)
    return CaseFigures.from_row(
        rows.aggregate(**_counts(period)), _medians(rows, period, None).get(None)
    )


def cases_by_department(*, period: Period) -> dict[int | None, CaseFigures]:
    """{department id (None: no department): figures} (two queries)."""
    rows = _cases(period, None).annotate(department_id=F("conversation__department_id"))
    medians = _medians(rows, period, "department_id")
    return {
        row["department_id"]: CaseFigures.from_row(row, medians.get(row["department_id"]))
        for row in rows.values("department_id").annotate(**_counts(period))
    }


def cases_by_person(*, department: Department, period: Period) -> dict[int | None, CaseFigures]:
    """{person id: figures} for the department's cases, by the person answering the
    conversation (its owner, else the person it was assigned to), as the inbox figures count
    them; counts only (one query)."""
    rows = _cases(period, department).annotate(
        person_id=Coalesce("conversation__owner_id", "conversation__assignee_id")
    )
    return {
        row["person_id"]: CaseFigures.from_row(row)
        for row in rows.values("person_id").annotate(**_counts(period))
    }
