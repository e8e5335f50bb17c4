"""The activity figures read from the summary rows (dashboards/models.py) plus the transitions
past the watermark, read directly: the same figures as the audit trail gives (figures.py),
exact and fresh, at the cost of the range's summary rows instead of its events.

One statement reads, in one snapshot (after the watermark's value: two queries), the
watermark, the range's daily rows (grouped in SQL by
what the report shows), the repeat rows (a post that reached a state on two days of the range
counts once) and every transition in the range of the posts that have a transition past the
watermark. Python adds them up per slice: the summaries count each post's folded transitions;
for a post with newer ones, its folded share is taken out and its whole range counted again.

Days are the reporting zone's (`SOCIALHUB_TIME_ZONE`): a viewer in another zone gets the
figures from the audit trail (figures.py), as before — `covers` says which.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, F, Q, Value
from django.utils import timezone

from accounts.models import Department
from activity.models import AuditEvent
from approvals.models import Post
from channels_app.models import BrandAccount
from dashboards.models import DailyActivity, ReviewTurnaround, RollupWatermark, StateRepeat
from dashboards.reports.activity.figures import (
    APPROVE,
    POST_TARGET,
    REJECT,
    STATE_KEYS,
    Figures,
    Turnaround,
    review_rounds,
    state_keys_of,
)
from dashboards.reports.percentiles import percentiles_of_sql
from dashboards.reports.periods import Period, reporting_zone_name

# The ways to slice: the key of a daily row (a dict of its columns) for each.
SLICINGS = ("total", "week", "account", "author", "department")


def covers(period: Period) -> bool:
    """Whether the summary rows' days are the period's days (the viewer's zone is the
    reporting zone)."""
    return period.zone_name == reporting_zone_name()


@dataclass
class _Tally:
    posts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    events: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    last_at: datetime | None = None

    def figures(self) -> Figures:
        reviews = (
            self.events["approved"] + self.events["changes_requested"] + self.events["rejected"]
        )
        return Figures(
            **{key: self.posts[key] for key in STATE_KEYS},
            reviews=reviews,
            rejection_rate=self.events["rejected"] / reviews if reviews else None,
            changes_requested_rate=self.events["changes_requested"] / reviews if reviews else None,
            last_activity=self.last_at,
        )


@dataclass
class Rolled:
    """Figures per slicing and key, what the summaries held, and the accounts' names."""

    last_event_id: int = 0
    advanced_at: datetime | None = None
    zone: str = ""
    figures: dict[str, dict[Any, Figures]] = field(default_factory=dict)
    # Posts approved or rejected in the range by a transition past the watermark.
    decided_since: set[int] = field(default_factory=set)
    account_names: dict[int | None, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def current(self) -> bool:
        """The summaries are in the reporting zone (not waiting for a refold after a change)."""
        return self.zone == reporting_zone_name() or self.last_event_id == 0


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    # SQLite gives naive UTC (as Django stores it), or text for a computed column.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _null(kind: str) -> str:
    return f"CAST(NULL AS {kind})"


TIMESTAMP = "timestamp with time zone"
NO_KEY = "varchar(64)"


def _statement(
    period: Period, department: Department | None, by: Iterable[str], mark: int
) -> tuple[str, list[Any]]:
    ops = connection.ops
    q = ops.quote_name
    daily = q(DailyActivity._meta.db_table)
    repeat = q(StateRepeat._meta.db_table)
    watermark = q(RollupWatermark._meta.db_table)
    audit = q(AuditEvent._meta.db_table)
    post = q(Post._meta.db_table)
    account = q(BrandAccount._meta.db_table)
    by = set(by)
    first, last = (
        ops.adapt_datefield_value(period.first_day),
        ops.adapt_datefield_value(period.last_day),
    )
    start = ops.adapt_datetimefield_value(period.start)
    end = ops.adapt_datetimefield_value(period.end)
    in_department = " AND d.department_id = %s" if department else ""
    week = "d.week" if "week" in by else _null("date")
    names = "account" in by
    account_cols = (
        "d.account_id, a.display_name, a.platform"
        if names
        else f"{_null('bigint')}, {_null(NO_KEY)}, {_null(NO_KEY)}"
    )
    author = "d.author_id" if "author" in by else _null("bigint")
    groups = ["d.department_id", "d.state"]
    groups += ["d.week"] if "week" in by else []
    groups += ["d.account_id", "a.display_name", "a.platform"] if names else []
    groups += ["d.author_id"] if "author" in by else []
    join = f" LEFT JOIN {account} a ON a.id = d.account_id" if names else ""
    tail_department = " AND e.department_id = %s" if department else ""
    inner_department = " AND t.department_id = %s" if department else ""
    # Our own table and column names; every value is a parameter.
    sql = (
        f"SELECT 'w' AS kind, {_null('date')}, {_null('date')}, {_null('date')}, "  # noqa: S608
        f"{_null('bigint')}, {_null('bigint')}, {_null(NO_KEY)}, {_null(NO_KEY)}, "
        f"{_null('bigint')}, m.zone, {_null('bigint')}, {_null('bigint')}, m.advanced_at, "
        f"m.last_event_id, {_null(NO_KEY)}, {_null(NO_KEY)}, {_null(NO_KEY)} "
        f"FROM {watermark} m"
        " UNION ALL "
        f"SELECT 'd', {week}, {_null('date')}, {_null('date')}, d.department_id, {account_cols}, "
        f"{author}, d.state, SUM(d.posts), SUM(d.events), MAX(d.last_at), {_null('bigint')}, "
        f"{_null(NO_KEY)}, {_null(NO_KEY)}, {_null(NO_KEY)} "
        f"FROM {daily} d{join} WHERE d.day >= %s AND d.day <= %s{in_department} "
        f"GROUP BY {', '.join(groups)}"
        " UNION ALL "
        f"SELECT 'r', {_null('date')}, d.day, d.prev_day, d.department_id, d.account_id, "
        f"{_null(NO_KEY)}, {_null(NO_KEY)}, d.author_id, d.state, {_null('bigint')}, "
        f"{_null('bigint')}, {_null(TIMESTAMP)}, {_null('bigint')}, {_null(NO_KEY)}, "
        f"{_null(NO_KEY)}, {_null(NO_KEY)} "
        f"FROM {repeat} d WHERE d.day >= %s AND d.day <= %s AND d.prev_day >= %s{in_department}"
        " UNION ALL "
        f"SELECT 't', {_null('date')}, {_null('date')}, {_null('date')}, e.department_id, "
        f"p.brand_account_id, a.display_name, a.platform, p.author_id, e.action, "
        f"{_null('bigint')}, {_null('bigint')}, e.created_at, e.id, e.target_id, e.from_state, "
        "e.to_state "
        # The posts with a transition past the watermark first (through the primary key: a
        # few rows), then their transitions in the range (the index on target and time).
        f"FROM (SELECT DISTINCT t.target_id FROM {audit} t WHERE t.id > %s"
        " AND t.target_type = %s AND t.to_state <> ''"
        f" AND t.created_at >= %s AND t.created_at < %s{inner_department}) tp"
        f" JOIN {audit} e ON e.target_type = %s AND e.target_id = tp.target_id"
        f" LEFT JOIN {post} p ON p.id = CAST(e.target_id AS bigint)"
        f" LEFT JOIN {account} a ON a.id = p.brand_account_id"
        " WHERE e.to_state <> '' AND e.created_at >= %s"
        f" AND e.created_at < %s{tail_department}"
    )
    dept = [department.pk] if department else []
    params: list[Any] = [first, last, *dept, first, last, first, *dept]
    params += [mark, POST_TARGET, start, end, *dept, POST_TARGET, start, end, *dept]
    return sql, params


def rolled_figures(
    period: Period, *, department: Department | None = None, by: Iterable[str]
) -> Rolled:
    """Figures of the range per slicing in `by` (SLICINGS): {slicing: {key: Figures}}; the key is
    None for "total", the Monday for "week", the id for the others. Two queries."""
    by = tuple(by)
    # The watermark first, as a value: the planner then reads the transitions past it through
    # the primary key. The statement reads it again; if a fold committed in between, the
    # statement runs again with the new one (the daily rows must match the watermark).
    mark = RollupWatermark.objects.filter(pk=1).values_list("last_event_id", flat=True).first() or 0
    for _attempt in range(3):
        sql, params = _statement(period, department, by, mark)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        seen = next(((row[13] or 0) for row in rows if row[0] == "w"), 0)
        if seen == mark:
            break
        mark = seen
    found = Rolled()
    tallies: dict[str, dict[Any, _Tally]] = {name: defaultdict(_Tally) for name in by}
    tail: list[tuple[Any, ...]] = []
    for row in rows:
        kind = row[0]
        if kind == "w":
            found.zone, found.advanced_at, found.last_event_id = (
                row[9],
                _as_datetime(row[12]),
                row[13] or 0,
            )
        elif kind == "d":
            _add_daily(tallies, row, found)
        elif kind == "r":
            _take_repeat(tallies, row, period)
        else:
            tail.append(row)
    _add_tail(tallies, tail, period, found)
    found.figures = {
        name: {key: tally.figures() for key, tally in slices.items()}
        for name, slices in tallies.items()
    }
    return found


def _keys(
    by: Iterable[str], *, week: date | None, department: Any, account: Any, author: Any
) -> Iterable[tuple[str, Any]]:
    for name in by:
        if name == "total":
            yield name, None
        elif name == "week":
            yield name, week
        elif name == "account":
            yield name, account
        elif name == "author":
            yield name, author
        else:
            yield name, department


def _id(value: Any) -> int | None:
    return value or None  # 0 in a daily row: none


def _add_daily(tallies: dict[str, dict[Any, _Tally]], row: tuple[Any, ...], found: Rolled) -> None:
    _kind, week, _day, _prev, department, account, name, platform, author, state = row[:10]
    posts, events, last_at = row[10] or 0, row[11] or 0, _as_datetime(row[12])
    if "account" in tallies:
        found.account_names[_id(account)] = (name, platform)
    for slicing, key in _keys(
        tallies,
        week=_as_date(week),
        department=_id(department),
        account=_id(account),
        author=_id(author),
    ):
        tally = tallies[slicing][key]
        tally.events[state] += events
        tally.posts[state] += posts
        if last_at is not None and (tally.last_at is None or last_at > tally.last_at):
            tally.last_at = last_at


def _take_repeat(
    tallies: dict[str, dict[Any, _Tally]], row: tuple[Any, ...], period: Period
) -> None:
    """A post counted on this day and on an earlier day of the range: once less (in a week,
    only when the earlier day is in the same week)."""
    day, prev = _as_date(row[2]), _as_date(row[3])
    if day is None or prev is None:
        return
    state = row[9]
    for slicing, key in _keys(
        tallies, week=_monday(day), department=row[4], account=row[5], author=row[8]
    ):
        if slicing == "week" and prev < _monday(day):
            continue
        tallies[slicing][key].posts[state] -= 1


def _add_tail(
    tallies: dict[str, dict[Any, _Tally]],
    tail: list[tuple[Any, ...]],
    period: Period,
    found: Rolled,
) -> None:
    """The posts with transitions past the watermark: their folded share of the daily counts
    out, their whole range in."""
    folded: dict[tuple[str, Any, str], set[str]] = defaultdict(set)
    every: dict[tuple[str, Any, str], set[str]] = defaultdict(set)
    mark = found.last_event_id
    for row in tail:
        department, account, name, platform, author, action = row[4:10]
        created_at = _as_datetime(row[12])
        assert created_at is not None  # noqa: S101
        event_id, target_id, from_state, to_state = row[13], row[14], row[15], row[16]
        if "account" in tallies:
            found.account_names.setdefault(account, (name, platform))
        week = _monday(timezone.localtime(created_at, period.zone).date())
        states = state_keys_of(action, from_state, to_state)
        if event_id > mark and action in (APPROVE, REJECT):
            found.decided_since.add(int(target_id))
        for slicing, key in _keys(
            tallies, week=week, department=department, account=account, author=author
        ):
            tally = tallies[slicing][key]
            for state in states:
                every[(slicing, key, state)].add(target_id)
                if event_id <= mark:
                    folded[(slicing, key, state)].add(target_id)
            if event_id <= mark:
                continue
            for state in states or ("",):
                tally.events[state] += 1
            if tally.last_at is None or created_at > tally.last_at:
                tally.last_at = created_at
    for (slicing, key, state), posts in every.items():
        tallies[slicing][key].posts[state] += len(posts) - len(
            folded.get((slicing, key, state), ())
        )


def rolled_turnarounds(
    period: Period, *, department: Department | None, group: str | None, mark: int
) -> dict[Any, Turnaround]:
    """Turnaround percentiles over the summary's reviews up to the watermark and the events past
    it (exact: each review's duration is stored). One query."""
    ops = connection.ops
    table = ops.quote_name(ReviewTurnaround._meta.db_table)
    column = "department_id" if group else _null("bigint")
    in_department = " AND department_id = %s" if department else ""
    stored = (
        f"SELECT {column} AS {ops.quote_name('_group')}, seconds AS "  # noqa: S608
        f"{ops.quote_name('turnaround')} FROM {table} WHERE decided_at >= %s AND decided_at < %s"
        f" AND event_id <= %s{in_department}"
    )
    params: list[Any] = [
        ops.adapt_datetimefield_value(period.start),
        ops.adapt_datetimefield_value(period.end),
        mark,
        *([department.pk] if department else []),
    ]
    newer = (
        review_rounds(period, department=department)
        .filter(id__gt=mark)
        .order_by()
        .annotate(_group=F(group) if group else Value(None, output_field=BigIntegerField()))
        .values("_group", "turnaround")
    )
    newer_sql, newer_params = newer.query.get_compiler(using="default").as_sql()
    found = percentiles_of_sql(
        f"{stored} UNION ALL {newer_sql}", (*params, *newer_params), value="turnaround"
    )
    return {
        key: Turnaround(reviews=v["count"], median_seconds=v["median"], p90_seconds=v["p90"])
        for key, v in found.items()
    }


def rolled_decided_posts(period: Period, *, department: Department | None, rolled: Rolled) -> Q:
    """The posts approved or rejected in the range, as a filter on posts: the summary's reviews
    up to the watermark, and those past it (the statement of rolled_figures read them). No
    `OR` when there are none past it, so the database joins rather than scans every post."""
    stored = ReviewTurnaround.objects.filter(
        decided_at__gte=period.start,
        decided_at__lt=period.end,
        action__in=(APPROVE, REJECT),
        event_id__lte=rolled.last_event_id,
    )
    if department is not None:
        stored = stored.filter(department_id=department.pk)
    decided = Q(pk__in=stored.values("post_id"))
    if rolled.decided_since:
        decided |= Q(pk__in=sorted(rolled.decided_since))
    return decided


__all__ = [
    "SLICINGS",
    "Rolled",
    "covers",
    "rolled_decided_posts",
    "rolled_figures",
    "rolled_turnarounds",
]
