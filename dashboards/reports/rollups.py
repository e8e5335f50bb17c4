"""Folding the posts' audit trail into the summary rows the activity reports read
(dashboards/models.py; docs/dashboards.md, "Summary rows").

`rollups_advance` reads the post transitions past the watermark in id order, a chunk at a time,
and in ONE transaction per chunk adds them to the summary rows and moves the watermark to the
chunk's last event: a crash leaves either the whole chunk folded or none of it, and running it
twice folds nothing twice. The beat task `dashboards.advance_rollups` calls it every minute;
`rollups_rebuild` (`manage.py rebuild_rollups`) empties the rows and folds the whole trail.

An event's id is taken when its transaction inserts it, and the event is seen only when that
transaction commits: a transaction that took an id below the watermark and committed after it
moved would be skipped. So the fold goes up to a *horizon*, the last id that existed at least
`FOLD_LAG` ago (the watermark row remembers the last id and when it looked): no transition's
transaction stays open that long (the task and web time limits are far shorter). The reports
read the events past the watermark directly, so the lag costs no freshness. The rebuild folds
up to the last id when it starts, without waiting: run it when no transition is under way (a
deploy), or run it again.

Days are local days in the reporting zone (`SOCIALHUB_TIME_ZONE`), stored on the watermark; if
the setting changes, the next advance starts again from the first event.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from activity.models import AuditEvent
from approvals.models import Post
from dashboards.models import DailyActivity, ReviewTurnaround, RollupWatermark, StateRepeat
from dashboards.reports.activity.figures import CLOSING, POST_TARGET, state_keys_of, with_turnaround
from dashboards.reports.periods import reporting_zone, reporting_zone_name

CHUNK = 5_000
FOLD_LAG = timedelta(minutes=2)  # longer than any transaction writing a transition
_EVENT_FIELDS = (
    "id",
    "target_id",
    "action",
    "from_state",
    "to_state",
    "created_at",
    "department_id",
)


@dataclass
class _Slice:
    posts: int = 0
    events: int = 0
    last_at: datetime | None = None


@dataclass
class _Chunk:
    """What one chunk adds: daily slices, the touched (post, state, department) day sets."""

    zone: tzinfo
    daily: dict[tuple[Any, ...], _Slice] = field(default_factory=lambda: defaultdict(_Slice))
    days: dict[tuple[int, str, int | None], set[date]] = field(
        default_factory=lambda: defaultdict(set)
    )
    repeated: set[int] = field(default_factory=set)  # posts whose repeat rows change


def _post_events() -> Any:
    return AuditEvent.objects.filter(target_type=POST_TARGET).exclude(to_state="").order_by()


def _watermark() -> RollupWatermark:
    """The watermark row, locked for this transaction (created at the first advance)."""
    RollupWatermark.objects.get_or_create(pk=1)
    return RollupWatermark.objects.select_for_update().get(pk=1)


def rollups_advance(
    *,
    now: datetime | None = None,
    chunk: int = CHUNK,
    chunks: int = 0,
    lag: timedelta | None = None,
) -> int:
    """Fold the events past the watermark up to the horizon once it is `lag` (FOLD_LAG) old; at
    most `chunks` chunks when given. Returns how many events were folded."""
    now = now or timezone.now()
    lag = FOLD_LAG if lag is None else lag
    folded = 0
    done = 0
    while not chunks or done < chunks:
        with transaction.atomic():
            mark = _watermark()
            before = mark.last_event_id
            if mark.zone != reporting_zone_name():
                _empty()
                mark.last_event_id, mark.horizon_id, mark.horizon_at = 0, 0, None
                mark.zone = reporting_zone_name()
            if mark.horizon_at is None or mark.last_event_id >= mark.horizon_id:
                # Reached: what is committed now is the next horizon.
                mark.horizon_id = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
                mark.horizon_at = now
            bound = mark.horizon_id if mark.horizon_at <= now - lag else mark.last_event_id
            events = list(
                _post_events()
                .filter(id__gt=mark.last_event_id, id__lte=bound)
                .order_by("id")
                .values(*_EVENT_FIELDS)[:chunk]
            )
            if events:
                _fold(events, since=mark.last_event_id)
                mark.last_event_id = events[-1]["id"]
                mark.advanced_at = now
            elif bound > mark.last_event_id:
                mark.last_event_id = bound  # no post transition up to the horizon
                mark.advanced_at = now
            mark.save()
        folded += len(events)
        done += 1
        if mark.last_event_id == before:
            break  # caught up with the horizon, or it is not old enough yet
    return folded


def rollups_rebuild(*, now: datetime | None = None, chunk: int = CHUNK) -> int:
    """Empty the summary rows and fold the whole audit trail again, up to the events committed
    when it starts (the beat task folds the later ones)."""
    with transaction.atomic():
        mark = _watermark()
        _empty()
        mark.last_event_id, mark.zone, mark.advanced_at = 0, reporting_zone_name(), None
        mark.horizon_id, mark.horizon_at = 0, None
        mark.save()
    return rollups_advance(now=now, chunk=chunk, lag=timedelta(0))


def _empty() -> None:
    DailyActivity.objects.all().delete()
    StateRepeat.objects.all().delete()
    ReviewTurnaround.objects.all().delete()


def _fold(events: list[dict[str, Any]], *, since: int) -> None:
    zone = reporting_zone()
    post_ids = {int(e["target_id"]) for e in events}
    posts = {
        pk: (account, author)
        for pk, account, author in Post.objects.filter(pk__in=post_ids).values_list(
            "pk", "brand_account_id", "author_id"
        )
    }
    work = _Chunk(zone=zone)
    # Days on which these posts reached each state in what is folded already.
    earlier = (
        _post_events()
        .filter(target_id__in=[str(pk) for pk in post_ids], id__lte=since)
        .values_list("target_id", "action", "from_state", "to_state", "created_at", "department_id")
    )
    for target_id, action, from_state, to_state, created_at, department_id in earlier:
        day = timezone.localtime(created_at, zone).date()
        for key in state_keys_of(action, from_state, to_state):
            work.days[(int(target_id), key, department_id)].add(day)
    for event in events:
        _add(work, event, posts.get(int(event["target_id"]), (None, None)))
    _write_daily(work.daily)
    _write_repeats(work, posts)
    _write_turnarounds([e["id"] for e in events if e["action"] in CLOSING])


def _add(work: _Chunk, event: dict[str, Any], post: tuple[int | None, int | None]) -> None:
    post_id = int(event["target_id"])
    department_id = event["department_id"]
    day = timezone.localtime(event["created_at"], work.zone).date()
    keys = state_keys_of(event["action"], event["from_state"], event["to_state"]) or ("",)
    for key in keys:
        row = work.daily[(day, department_id or 0, post[0] or 0, post[1] or 0, key)]
        row.events += 1
        row.last_at = max(row.last_at or event["created_at"], event["created_at"])
        if not key:
            continue
        days = work.days[(post_id, key, department_id)]
        if day not in days:
            row.posts += 1
            days.add(day)
            if len(days) > 1:
                work.repeated.add(post_id)


def _write_daily(daily: dict[tuple[Any, ...], _Slice]) -> None:
    """Add each slice to its row: INSERT … ON CONFLICT DO UPDATE (PostgreSQL and SQLite)."""
    if not daily:
        return
    ops = connection.ops
    table = ops.quote_name(DailyActivity._meta.db_table)
    columns = "day, week, department_id, account_id, author_id, state, posts, events, last_at"
    rows = list(daily.items())
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        params: list[Any] = []
        for (day, department_id, account_id, author_id, key), found in batch:
            params += [
                ops.adapt_datefield_value(day),
                ops.adapt_datefield_value(day - timedelta(days=day.weekday())),
                department_id,
                account_id,
                author_id,
                key,
                found.posts,
                found.events,
                ops.adapt_datetimefield_value(found.last_at),
            ]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
        # Our own table and column names; every value is a parameter.
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
            "ON CONFLICT (day, department_id, account_id, author_id, state) DO UPDATE SET "
            f"posts = {table}.posts + excluded.posts, "
            f"events = {table}.events + excluded.events, "
            f"last_at = CASE WHEN excluded.last_at > {table}.last_at "
            f"THEN excluded.last_at ELSE {table}.last_at END"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _write_repeats(work: _Chunk, posts: dict[int, tuple[int | None, int | None]]) -> None:
    """Write again the repeat rows of the posts that reached a state on a new day and had
    reached it on another day before (days can arrive out of order: recomputed whole)."""
    if not work.repeated:
        return
    StateRepeat.objects.filter(post_id__in=work.repeated).delete()
    rows = []
    for (post_id, key, department_id), days in work.days.items():
        if post_id not in work.repeated or len(days) < 2:
            continue
        account_id, author_id = posts.get(post_id, (None, None))
        ordered = sorted(days)
        rows += [
            StateRepeat(
                post_id=post_id,
                state=key,
                department_id=department_id,
                account_id=account_id,
                author_id=author_id,
                day=day,
                prev_day=prev,
            )
            for prev, day in itertools.pairwise(ordered)
        ]
    StateRepeat.objects.bulk_create(rows, batch_size=500)


def _write_turnarounds(closing_ids: list[int]) -> None:
    if not closing_ids:
        return
    rounds = with_turnaround(AuditEvent.objects.filter(id__in=closing_ids).order_by()).values_list(
        "id", "created_at", "department_id", "target_id", "action", "turnaround"
    )
    ReviewTurnaround.objects.bulk_create(
        [
            ReviewTurnaround(
                event_id=event_id,
                decided_at=decided_at,
                department_id=department_id,
                post_id=int(target_id),
                action=action,
                seconds=seconds,
            )
            for event_id, decided_at, department_id, target_id, action, seconds in rounds
        ],
        batch_size=500,
    )
