"""The content calendar: scheduled and published posts by day, the crisis pauses and quiet
periods on the days they cover, and moving a scheduled post to another time (drag and drop, a
Move form, and Undo)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from approvals import content_calendar as calendar_grid
from approvals import permissions, selectors, services
from approvals.forms import ScheduleForm
from approvals.post_actions import post_actions_by_post
from approvals.state_machine import Action
from approvals.views.page_context import _next_or
from core.errors import DomainError, InvalidInput

# The last move, kept for one page view so the calendar can offer to undo it.
UNDO_KEY = "calendar_undo"


def _calendar_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
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
    # The month view shows a few posts a day and how many more there are; the week view shows
    # every post (a week of posts is what a team plans at once).
    per_day = calendar_grid.MONTH_POSTS_PER_DAY if view == "month" else None
    day_counts: dict[date, int] | None = None
    try:
        posts = list(
            selectors.calendar_posts(
                user=request.user,
                start=start,
                end=end,
                department=department,
                brand_account=account,
                per_day=per_day,
            )
        )
        if per_day is not None:
            day_counts = selectors.calendar_day_counts(
                user=request.user,
                start=start,
                end=end,
                department=department,
                brand_account=account,
            )
        pauses = selectors.calendar_crisis_pauses(start=start, end=end, brand_account=account)
        quiet = selectors.calendar_quiet_periods(
            user=request.user, start=start, end=end, brand_account=account
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        posts, pauses, quiet, status = [], [], [], exc.status_code
    # Which posts the person may move: the same answer as the post page's buttons, read for the
    # whole page at once.
    actions = post_actions_by_post(request.user, posts)
    # Scheduled posts a quiet period holds get a "Held" badge (one query, only when some fall
    # inside a window).
    held = services.held_post_ids(posts, quiet)
    for post in posts:
        post.can_move = Action.RESCHEDULE in actions.get(post.pk, [])  # type: ignore[attr-defined]
        post.held_by_quiet_period = post.pk in held  # type: ignore[attr-defined]
    departments, accounts = selectors.calendar_filter_choices(user=request.user)
    context = {
        "period": period,
        "weeks": calendar_grid.weeks(period, posts, pauses, quiet, day_counts),
        "departments": departments,
        "accounts": accounts,
        "department": department,
        "account": account,
        "post_count": sum(day_counts.values()) if day_counts is not None else len(posts),
        "user_timezone": timezone.get_current_timezone_name(),
        "here": request.get_full_path(),
        "undo": request.session.pop(UNDO_KEY, None),
    }
    return context, status


@login_required
def content_calendar(request: HttpRequest) -> HttpResponse:
    context, status = _calendar_context(request)
    return render(request, "approvals/calendar.html", context, status=status)


def _requested_time(request: HttpRequest) -> Any:
    """The new time: Undo sends the exact earlier time (ISO 8601 with its offset); the Move
    form and drag and drop a date and time in the person's zone."""
    undo_to = request.POST.get("undo_to", "")
    if undo_to:
        try:
            when = parse_datetime(undo_to)
        except ValueError:
            when = None
        if when is None:
            raise InvalidInput("That undo is not valid any more.", field="scheduled_at")
        return when
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("Pick a date and time to move the post to.", field="scheduled_at")
    return form.cleaned_data["scheduled_at"]


@login_required
@require_POST
def post_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a scheduled post (from the calendar); the calendar then offers to undo the move."""
    post = permissions.access_post(request.user, pk)
    try:
        post, previous = services.post_reschedule(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            scheduled_at=_requested_time(request),
        )
    except DomainError as exc:
        messages.error(request, f"Post #{pk} was not moved: {exc.message}")
        context, _ = _calendar_context(request)
        return render(request, "approvals/calendar.html", context, status=exc.status_code)
    local = timezone.localtime(post.scheduled_at)
    undoing = bool(request.POST.get("undo_to"))
    messages.success(
        request,
        f"Post #{post.pk} {'moved back' if undoing else 'moved'} to {local:%d %b %Y, %H:%M} "
        f"({local.tzname()}).",
    )
    if previous is not None and not undoing:
        request.session[UNDO_KEY] = {
            "post": post.pk,
            "to": previous.isoformat(),
            "label": f"{timezone.localtime(previous):%d %b %Y, %H:%M}",
        }
    return redirect(_next_or(request, "content_calendar"))
