"""Pages of the activity reports: thin views (parse, read, render) and their CSV downloads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import authz
from accounts.permissions import access_department_activity
from core.errors import InvalidInput
from dashboards.reports import (
    activity,
    case_figures,
    charts,
    engagement_figures,
    exports,
    inbox_figures,
    selectors,
)
from dashboards.reports.periods import Period, parse_period, reporting_zone_name, viewer_zone

ALL_ACTIVITY = "Activity reports are for department managers, comms reviewers and org admins."


def _csv_response(lines: Any, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def reports_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    authz.require(authz.may_open_activity_reports(user), ALL_ACTIVITY)
    departments = list(selectors.activity_departments(user=user))
    queue = authz.can_see_review_queue_health(user)
    overview = authz.can_see_organisation_activity(user)
    if len(departments) == 1 and not (queue or overview):
        return redirect("department_activity", slug=departments[0].slug)
    return render(
        request,
        "dashboards/reports/home.html",
        {"departments": departments, "show_queue": queue, "show_overview": overview},
    )


def _period_or_error(request: HttpRequest) -> tuple[Period | None, dict[str, str]]:
    try:
        return parse_period(request.GET, zone=viewer_zone(request.user)), {}
    except InvalidInput as exc:
        return None, {exc.field or "from": exc.message}


def _weeks_chart(report: activity.DepartmentActivity) -> Any:
    return charts.grouped_bars(
        chart_id="weekly-activity",
        title=f"{report.department.name}: posts per week by state",
        desc=(
            "For each week of the range (weeks start on Monday, in your time zone), the number "
            "of posts that reached each state that week. The same numbers are in the table "
            "below the chart."
        ),
        groups=[week.start.strftime("%d %b") for week in report.weeks],
        series=[charts.Series(key, label) for key, label, _q in activity.STATES],
        values=[[count for _k, _l, count in week.figures.counts()] for week in report.weeks],
    )


def _coverage_chart(report: activity.DepartmentActivity) -> Any:
    return charts.horizontal_bars(
        chart_id="certification-coverage",
        title=f"{report.department.name}: certification coverage per brand account",
        desc=(
            "For each brand account the department drafts on, the share of its members who hold "
            "every certification the account requires. The table below gives the numbers."
        ),
        rows=[
            (
                row.name,
                row.certified_share,
                f"{exports.percent_text(row.certified_share)} ({row.certified} of {row.members})",
            )
            for row in report.coverage
        ],
        maximum=1.0,
        empty="The department drafts on no active brand account.",
    )


# Counts of reactions, drawn per week (views, on another scale, are in the table only).
INTERACTIONS = tuple((key, label) for key, label in engagement_figures.FIGURES if key != "views")


def _engagement_weeks_chart(report: activity.DepartmentActivity) -> Any:
    return charts.grouped_bars(
        chart_id="weekly-engagement",
        title=f"{report.department.name}: engagement per week of publishing",
        desc=(
            "For each week of the range (weeks start on Monday, in your time zone), the likes, "
            "reposts, replies and quotes of the posts published that week, as their latest "
            "reading counted them. A figure no platform reports is drawn as no bar. The same "
            "numbers, with views, are in the table below the chart."
        ),
        groups=[week.start.strftime("%d %b") for week in report.engagement.weeks],
        series=[charts.Series(key, label) for key, label in INTERACTIONS],
        values=[
            [getattr(week.figures, key) or 0 for key, _label in INTERACTIONS]
            for week in report.engagement.weeks
        ],
    )


def _engagement_status_text(figures: engagement_figures.EngagementFigures) -> str:
    if figures.status == "unavailable":
        return "unavailable"
    if figures.status == "pending":
        return "not read yet"
    if figures.interactions is None:
        return "not reported"
    return f"{figures.interactions} interactions"


def _engagement_accounts_chart(report: activity.DepartmentActivity) -> Any:
    return charts.horizontal_bars(
        chart_id="account-engagement",
        title=f"{report.department.name}: interactions per brand account",
        desc=(
            "For each brand account, the likes, reposts, replies and quotes together of the "
            "posts published in the range. An account whose platform gave no figures says "
            "unavailable instead of a bar. The table below gives every figure."
        ),
        rows=[
            (
                row.name,
                row.figures.interactions if row.figures.status == "read" else None,
                _engagement_status_text(row.figures),
            )
            for row in report.engagement.accounts
        ],
        empty="No post was published in this range.",
    )


@login_required
@require_GET
def department_activity(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_activity(request.user, slug)
    period, errors = _period_or_error(request)
    context: dict[str, Any] = {
        "department": department,
        "errors": errors,
        "values": {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")},
    }
    if period is None:
        return render(request, "dashboards/reports/department.html", context, status=400)
    report = activity.department_activity(department=department, period=period, now=timezone.now())
    context.update(
        {
            "report": report,
            "reporting_zone": reporting_zone_name(),
            "period": period,
            "values": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
            "weeks_chart": _weeks_chart(report),
            "coverage_chart": _coverage_chart(report),
            "engagement_weeks_chart": _engagement_weeks_chart(report),
            "engagement_accounts_chart": _engagement_accounts_chart(report),
            "engagement_figures": engagement_figures.FIGURES,
            "states": activity.STATES,
            "inbox_outcomes": inbox_figures.OUTCOME_COLUMNS,
            "other_departments": selectors.activity_departments(user=request.user).exclude(
                pk=department.pk
            ),
        }
    )
    return render(request, "dashboards/reports/department.html", context)


@login_required
@require_GET
def department_activity_csv(
    request: HttpRequest, slug: str
) -> HttpResponse | StreamingHttpResponse:
    department = access_department_activity(request.user, slug)
    period, errors = _period_or_error(request)
    if period is None:
        return _bad_request(" ".join(errors.values()))
    report = activity.department_activity(department=department, period=period, now=timezone.now())
    name = f"activity-{department.slug}-{period.first_day}-{period.last_day}.csv"
    return _csv_response(exports.department_csv(report), name)


# --- Review queue health -----------------------------------------------------------------------


def _queue(request: HttpRequest) -> activity.QueueHealth:
    authz.require(
        authz.can_see_review_queue_health(request.user),
        "Review queue health is for comms reviewers and org admins.",
    )
    return activity.review_queue_health(now=timezone.now(), zone=viewer_zone(request.user))


@login_required
@require_GET
def review_queue_health(request: HttpRequest) -> HttpResponse:
    health = _queue(request)
    chart = charts.horizontal_bars(
        chart_id="queue-waiting",
        title="Posts waiting for review, per department",
        desc="The number of posts in review now, per department. The table below gives the "
        "numbers with the age of the oldest.",
        rows=[(row.department.name, row.waiting, str(row.waiting)) for row in health.departments],
        empty="No department yet.",
    )
    return render(
        request,
        "dashboards/reports/queue.html",
        {"health": health, "chart": chart, "now": timezone.now()},
    )


@login_required
@require_GET
def review_queue_health_csv(request: HttpRequest) -> StreamingHttpResponse:
    health = _queue(request)
    return _csv_response(
        exports.queue_csv(health), f"review-queue-{health.generated_at:%Y%m%d}.csv"
    )


# --- Organisation overview ---------------------------------------------------------------------

SORTABLE = tuple(column for column in exports.OVERVIEW_COLUMNS if column != "department")


def parse_sort(raw: str) -> tuple[str, bool]:
    """(column, descending) from ?sort=column or ?sort=-column; 400 for an unknown column."""
    raw = (raw or "name").strip()
    descending = raw.startswith("-")
    column = raw.lstrip("-")
    if column not in SORTABLE:
        raise InvalidInput(f"Sort by one of: {', '.join(SORTABLE)}.", field="sort")
    return column, descending


def sort_rows(
    rows: list[activity.DepartmentRow], column: str, descending: bool
) -> list[activity.DepartmentRow]:
    """Order the departments by a figure; departments without it (no reviews...) come last."""
    keyed = [(exports.overview_values(row)[column], row) for row in rows]
    present = [(value, row) for value, row in keyed if value is not None]
    missing = [row for value, row in keyed if value is None]
    present.sort(key=lambda pair: (pair[0], pair[1].department.name), reverse=descending)
    return [row for _value, row in present] + missing


def _overview(request: HttpRequest) -> tuple[Period | None, dict[str, str], Any]:
    authz.require(
        authz.can_see_organisation_activity(request.user),
        "The organisation overview is for org admins.",
    )
    period, errors = _period_or_error(request)
    try:
        column, descending = parse_sort(request.GET.get("sort", ""))
    except InvalidInput as exc:
        return period, {**errors, "sort": exc.message}, None
    if period is None:
        return None, errors, None
    rows = activity.organisation_activity(period=period, now=timezone.now())
    return period, errors, (sort_rows(rows, column, descending), column, descending)


@login_required
@require_GET
def organisation_activity(request: HttpRequest) -> HttpResponse:
    period, errors, result = _overview(request)
    context: dict[str, Any] = {
        "errors": errors,
        "values": {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")},
    }
    if result is None or period is None:
        return render(request, "dashboards/reports/organisation.html", context, status=400)
    rows, column, descending = result
    context["freshness"] = rows[0] if rows else None
    context["reporting_zone"] = reporting_zone_name()
    headers = [
        (key, label, key == column, descending)
        for key, label in (
            ("name", "Department"),
            *((key, label) for key, label, _q in activity.STATES),
            ("rejection_rate", "Rejection rate"),
            ("median_turnaround_seconds", "Median turnaround"),
            ("p90_turnaround_seconds", "90th percentile"),
            ("revisions_per_post", "Revisions per post"),
            ("waiting_for_review", "Waiting now"),
            ("certified_share", "Certification coverage"),
            ("inbox_conversations", "Conversations"),
            ("inbox_no_response", "No response"),
            ("inbox_customer_service", "Customer service"),
            ("inbox_public_response", "Public response"),
            ("inbox_median_first_response_seconds", "Median first response"),
            ("inbox_breaches", "SLA breaches"),
            ("cases_created", "Cases created"),
            ("cases_solved", "Cases solved"),
            ("cases_failed", "Cases failed"),
            ("cases_median_solve_seconds", "Median time to solve"),
            ("engagement_posts", "Published posts watched"),
            *((f"engagement_{key}", label) for key, label in engagement_figures.FIGURES),
            ("engagement_unavailable", "Figures unavailable"),
        )
    ]
    context.update(
        {
            "period": period,
            "rows": rows,
            "headers": headers,
            "sort": ("-" if descending else "") + column,
            "state_keys": activity.STATE_KEYS,
            "inbox_totals": inbox_figures.inbox_totals(period=period, now=timezone.now()),
            "case_totals": case_figures.case_totals(period=period),
            "values": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
        }
    )
    return render(request, "dashboards/reports/organisation.html", context)


@login_required
@require_GET
def organisation_activity_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    period, errors, result = _overview(request)
    if result is None or period is None:
        return _bad_request(" ".join(errors.values()))
    rows = result[0]
    return _csv_response(
        exports.overview_csv(rows),
        f"organisation-activity-{period.first_day}-{period.last_day}.csv",
    )
