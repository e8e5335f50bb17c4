"""Date ranges for the activity reports, read in the viewer's own time zone.

A range is two calendar dates, both included, in the viewer's zone (`User.timezone`, else the
organisation's default): from the start of the first day to the start of the day after the
last one. Those instants are what the database compares against (storage stays UTC), so a
day that is 23 or 25 hours long because of a daylight-saving change still counts as one day.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.utils import timezone

from core.errors import InvalidInput

DEFAULT_DAYS = 30
MAX_DAYS = 366  # a year (leap or not): the weekly chart stays readable and the queries bounded


def viewer_zone(user: Any) -> tzinfo:
    """The person's zone. Read from the user, not the activated zone: token-authenticated API
    calls are authenticated after the middleware that activates it has run."""
    name = getattr(user, "timezone", "") or ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone()


def reporting_zone() -> tzinfo:
    """The zone whose days the activity reports' summary rows count (dashboards/models.py): the
    organisation's `SOCIALHUB_TIME_ZONE`."""
    return timezone.get_default_timezone()


def reporting_zone_name() -> str:
    return str(reporting_zone())


def local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    zone: tzinfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after the last one."""
        return local_midnight(self.last_day + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def zone_name(self) -> str:
        return str(self.zone)

    def week_starts(self) -> list[date]:
        """Mondays of every week the range touches (ISO weeks, as TruncWeek counts them)."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        weeks = []
        while monday <= self.last_day:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks

    def query(self) -> str:
        return f"from={self.first_day.isoformat()}&to={self.last_day.isoformat()}"


def _parse_day(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"Give the date as YYYY-MM-DD (e.g. 2025-03-31), not {raw[:20]!r}.", field=field
        ) from None


def parse_period(params: Any, *, zone: tzinfo, today: date | None = None) -> Period:
    """from/to (YYYY-MM-DD, both included) from a query string; each defaults so that the range
    covers the last 30 days up to today in the viewer's zone. Bad input is a 400 on its field."""
    today = today or timezone.localdate(timezone=zone)
    raw_from = (params.get("from") or "").strip()
    raw_to = (params.get("to") or "").strip()
    last = _parse_day(raw_to, "to") if raw_to else None
    first = _parse_day(raw_from, "from") if raw_from else None
    if last is None:
        last = today if first is None else min(today, first + timedelta(days=DEFAULT_DAYS - 1))
        last = max(last, first) if first is not None else last
    if first is None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput("The start date must be on or before the end date.", field="from")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"Choose a range of at most {MAX_DAYS} days.", field="to")
    return Period(first_day=first, last_day=last, zone=zone)


def week_start(now: datetime, zone: tzinfo) -> datetime:
    """Monday 00:00 of the current week in the zone."""
    today = timezone.localtime(now, zone).date()
    return local_midnight(today - timedelta(days=today.weekday()), zone)


def as_local_date(value: datetime | date, zone: tzinfo) -> date:
    """A grouped day or week as the database returns it (a date, or an aware datetime on
    PostgreSQL's date_trunc) as the date it is in the zone."""
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    return value
