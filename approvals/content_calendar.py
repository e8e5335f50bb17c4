"""The content calendar's grid: weeks of days in the viewer's time zone, posts placed by their
scheduled or published time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

# The month view shows at most this many posts a day, then a "+N more" link to the day's list.
MONTH_POSTS_PER_DAY = 4


@dataclass
class Day:
    date: date
    in_range: bool
    is_today: bool
    posts: list[Any] = field(default_factory=list)
    pauses: list[Any] = field(default_factory=list)
    quiet_periods: list[Any] = field(default_factory=list)
    total: int = 0  # posts on this day in all, shown or not

    @property
    def more(self) -> int:
        """Posts of the day not shown (the month view shows a few a day)."""
        return max(self.total - len(self.posts), 0)


@dataclass(frozen=True)
class Period:
    view: str  # "week" or "month"
    first: date  # first day shown (a Monday)
    last: date  # last day shown (a Sunday)
    anchor: date  # the Monday of the week, or the 1st of the month
    previous: date
    next: date

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in the current (the viewer's) time zone."""
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.first, time.min, tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)
        return start, end


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, 1)


def period_for(view: str, around: date) -> Period:
    if view == "month":
        anchor = around.replace(day=1)
        following = _add_months(anchor, 1)
        first = _monday(anchor)
        last = _monday(following - timedelta(days=1)) + timedelta(days=6)
        return Period("month", first, last, anchor, _add_months(anchor, -1), following)
    anchor = _monday(around)
    return Period(
        "week",
        anchor,
        anchor + timedelta(days=6),
        anchor,
        anchor - timedelta(days=7),
        anchor + timedelta(days=7),
    )


def weeks(
    period: Period,
    posts: Iterable[Any],
    pauses: Iterable[Any] = (),
    quiet_periods: Iterable[Any] = (),
    day_counts: dict[date, int] | None = None,
) -> list[list[Day]]:
    """Rows of seven days; each post on the day of its time in the viewer's zone, each crisis
    pause on every day it covers (from the day it started to the day it was lifted, or on), each
    quiet period on every day with some of its window (its end is excluded: a window ending at
    midnight does not show on the next day). day_counts: each day's number of posts when posts
    holds only some of them (the month view); else every post is there."""
    today = timezone.localdate()
    days: dict[date, Day] = {}
    current = period.first
    while current <= period.last:
        in_range = period.view == "week" or current.month == period.anchor.month
        days[current] = Day(current, in_range, current == today)
        current += timedelta(days=1)
    for post in posts:
        local = timezone.localtime(post.calendar_at).date()
        if local in days:
            days[local].posts.append(post)
    for day in days.values():
        day.total = day_counts.get(day.date, 0) if day_counts is not None else len(day.posts)
    for pause in pauses:
        first = timezone.localtime(pause.started_at).date()
        last = timezone.localtime(pause.lifted_at).date() if pause.lifted_at else period.last
        for day in days.values():
            if first <= day.date <= last:
                day.pauses.append(pause)
    for quiet in quiet_periods:
        first = timezone.localtime(quiet.starts_at).date()
        last = timezone.localtime(quiet.ends_at - timedelta(microseconds=1)).date()
        for day in days.values():
            if first <= day.date <= last:
                day.quiet_periods.append(quiet)
    ordered = list(days.values())
    return [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
