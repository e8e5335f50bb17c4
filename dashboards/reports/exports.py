"""The activity reports as CSV, streamed line by line, and the small formatting the pages share.

The department CSV is "long": one figure per line (section, subject, metric, value), so every
figure of the page is there and a spreadsheet pivot turns it into any table. Cells that start
with =, +, -, @ are prefixed with ' so a spreadsheet never runs them as formulas. Times are ISO
8601 in UTC; durations in seconds; rates as fractions (0.25).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from dashboards.reports.activity import (
    STATE_KEYS,
    DepartmentActivity,
    DepartmentRow,
    Figures,
    QueueHealth,
)
from dashboards.reports.case_figures import METRICS as CASE_METRICS
from dashboards.reports.engagement_figures import METRICS as ENGAGEMENT_METRICS
from dashboards.reports.engagement_figures import EngagementFigures
from dashboards.reports.inbox_figures import METRICS as INBOX_METRICS
from dashboards.reports.inbox_figures import InboxFigures


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, float):
        return repr(round(value, 6))
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


FIGURE_METRICS = (
    *STATE_KEYS,
    "reviews",
    "rejection_rate",
    "changes_requested_rate",
    "last_activity",
)


def _figure_rows(section: str, subject: str, figures: Figures) -> Iterator[list[Any]]:
    for metric in FIGURE_METRICS:
        yield [section, subject, metric, getattr(figures, metric)]


def _inbox_rows(section: str, subject: str, figures: InboxFigures) -> Iterator[list[Any]]:
    for metric in INBOX_METRICS:
        yield [section, subject, metric, getattr(figures, metric)]


def _engagement_rows(section: str, subject: str, figures: EngagementFigures) -> Iterator[list[Any]]:
    """A figure no post reports is an empty cell, never 0."""
    for metric in ENGAGEMENT_METRICS:
        yield [section, subject, metric, getattr(figures, metric)]
    if figures.unavailable_reason:
        yield [section, subject, "unavailable_reason", figures.unavailable_reason]


def department_rows(report: DepartmentActivity) -> Iterator[list[Any]]:
    period = report.period
    yield ["section", "subject", "metric", "value"]
    yield ["report", "", "department", report.department.slug]
    yield ["report", "", "from", period.first_day.isoformat()]
    yield ["report", "", "to", period.last_day.isoformat()]
    yield ["report", "", "time_zone", period.zone_name]
    yield ["report", "", "generated_at", report.generated_at]
    yield from _figure_rows("totals", "", report.totals)
    yield ["turnaround", "", "reviews", report.turnaround.reviews]
    yield ["turnaround", "", "median_seconds", report.turnaround.median_seconds]
    yield ["turnaround", "", "p90_seconds", report.turnaround.p90_seconds]
    yield ["now", "", "waiting_for_review", report.snapshot.waiting]
    yield ["now", "", "oldest_waiting_since", report.snapshot.oldest_waiting_since]
    yield ["totals", "", "revisions_per_post", report.snapshot.revisions_per_post]
    for week in report.weeks:
        for key in STATE_KEYS:
            yield ["week", week.start.isoformat(), key, getattr(week.figures, key)]
    for account in report.accounts:
        yield from _figure_rows("account", account.name, account.figures)
    for person in report.people:
        yield from _figure_rows("person", person.email, person.figures)
    for row in report.coverage:
        yield ["coverage", row.name, "members", row.members]
        yield ["coverage", row.name, "certified", row.certified]
        yield ["coverage", row.name, "certified_share", row.certified_share]
        yield ["coverage", row.name, "ready_to_submit", row.ready]
    yield from _inbox_rows("inbox", "", report.inbox)
    for inbox_person in report.inbox_people:
        yield from _inbox_rows("inbox_person", inbox_person.email, inbox_person.figures)
    for metric in CASE_METRICS:
        yield ["cases", "", metric, getattr(report.cases, metric)]
    engagement = report.engagement
    yield from _engagement_rows("engagement", "", engagement.totals)
    for engagement_week in engagement.weeks:
        yield from _engagement_rows(
            "engagement_week", engagement_week.start.isoformat(), engagement_week.figures
        )
    for engagement_account in engagement.accounts:
        yield from _engagement_rows(
            "engagement_account", engagement_account.name, engagement_account.figures
        )
    for engagement_person in engagement.people:
        yield from _engagement_rows(
            "engagement_person", engagement_person.email, engagement_person.figures
        )


def department_csv(report: DepartmentActivity) -> Iterator[str]:
    return _lines(department_rows(report))


OVERVIEW_COLUMNS = (
    "department",
    "name",
    *STATE_KEYS,
    "reviews",
    "rejection_rate",
    "changes_requested_rate",
    "median_turnaround_seconds",
    "p90_turnaround_seconds",
    "revisions_per_post",
    "waiting_for_review",
    "oldest_waiting_since",
    "members",
    "certified_share",
    "last_activity",
    *(f"inbox_{metric}" for metric in INBOX_METRICS),
    *(f"cases_{metric}" for metric in CASE_METRICS),
    *(f"engagement_{metric}" for metric in ENGAGEMENT_METRICS),
)


def overview_values(row: DepartmentRow) -> dict[str, Any]:
    figures = row.figures
    return {
        "department": row.department.slug,
        "name": row.department.name,
        **{key: getattr(figures, key) for key in STATE_KEYS},
        "reviews": figures.reviews,
        "rejection_rate": figures.rejection_rate,
        "changes_requested_rate": figures.changes_requested_rate,
        "median_turnaround_seconds": row.turnaround.median_seconds,
        "p90_turnaround_seconds": row.turnaround.p90_seconds,
        "revisions_per_post": row.snapshot.revisions_per_post,
        "waiting_for_review": row.snapshot.waiting,
        "oldest_waiting_since": row.snapshot.oldest_waiting_since,
        "members": row.members,
        "certified_share": row.certified_share,
        "last_activity": figures.last_activity,
        **{f"inbox_{metric}": getattr(row.inbox, metric) for metric in INBOX_METRICS},
        **{f"cases_{metric}": getattr(row.cases, metric) for metric in CASE_METRICS},
        **{
            f"engagement_{metric}": getattr(row.engagement, metric) for metric in ENGAGEMENT_METRICS
        },
    }


def overview_csv(rows: list[DepartmentRow]) -> Iterator[str]:
    def table() -> Iterator[list[Any]]:
        yield list(OVERVIEW_COLUMNS)
        for row in rows:
            values = overview_values(row)
            yield [values[column] for column in OVERVIEW_COLUMNS]

    return _lines(table())


def queue_csv(health: QueueHealth) -> Iterator[str]:
    def table() -> Iterator[list[Any]]:
        yield ["section", "subject", "metric", "value"]
        yield ["report", "", "generated_at", health.generated_at]
        yield ["report", "", "week_start", health.week_start]
        for row in health.departments:
            yield ["waiting", row.department.slug, "posts", row.waiting]
            yield ["waiting", row.department.slug, "legal", row.waiting_legal]
            yield ["waiting", row.department.slug, "oldest_since", row.oldest_since]
        for reviewer in health.reviewers:
            yield ["reviewer", reviewer.email, "decisions", reviewer.decisions]
            yield ["reviewer", reviewer.email, "approvals", reviewer.approvals]
            yield ["reviewer", reviewer.email, "changes_requested", reviewer.changes]
            yield ["reviewer", reviewer.email, "rejections", reviewer.rejections]
        yield ["missed", "", "scheduled_time_passed", health.overdue_count]
        yield ["missed", "", "held_by_crisis_pause", health.held_count]

    return _lines(table())


# --- Formatting for the pages -------------------------------------------------------------------


def duration_text(seconds: float | None) -> str:
    """3 d 4 h, 5 h 20 min, 12 min, 40 s — two units at most, rounded down."""
    if seconds is None:
        return "—"
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def percent_text(share: float | None) -> str:
    if share is None:
        return "—"
    value = share * 100
    return f"{value:.0f} %" if value == int(value) else f"{value:.1f} %"
