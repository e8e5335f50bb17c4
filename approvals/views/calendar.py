"""The content calendar: scheduled and published posts by day."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from approvals import content_calendar as calendar_grid
from approvals import selectors
from core.errors import DomainError


@login_required
def content_calendar(request: HttpRequest) -> HttpResponse:
    view = "month" if request.GET.get("view") == "month" else "week"
    try:
        around = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        around = timezone.localdate()
    period = calendar_grid.period_for(view, around)
    start, end = period.bounds()
    department = request.GET.get("department", "")
    account = request.GET.get("brand_account", "")
    status = 200
    try:
        posts = list(
            selectors.calendar_posts(
                user=request.user,
                start=start,
                end=end,
                department=department,
                brand_account=account,
            )
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        posts, status = [], exc.status_code
    departments, accounts = selectors.calendar_filter_choices(user=request.user)
    context = {
        "period": period,
        "weeks": calendar_grid.weeks(period, posts),
        "departments": departments,
        "accounts": accounts,
        "department": department,
        "account": account,
        "post_count": len(posts),
        "user_timezone": timezone.get_current_timezone_name(),
    }
    return render(request, "approvals/calendar.html", context, status=status)
