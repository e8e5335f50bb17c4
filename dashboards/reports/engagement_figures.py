"""Engagement on the activity reports: the public figures (likes, reposts, replies, quotes,
views) of the posts published in the range, each post counted with its latest reading, per
department, brand account, person and week of publishing (docs/insights.md).

Everything is read from ``publishing.LatestEngagement``: one row per watched post, with its
department, account, author and publishing time, whose figures the collection replaces in the
transaction that stores each snapshot (publishing/engagement.py). So every slice is one
GROUP BY over one indexed table (department, published_at), never a look-up per post.

A figure no post of the slice reports (Mastodon has no views; an account whose figures the
platform refused) is None, shown as "—", never 0; a sum covers the posts that report it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from accounts.models import Department
from dashboards.reports.periods import Period, as_local_date
from publishing.models import LatestEngagement

# The platforms' figures, in the order of every table, chart and CSV.
FIGURES: tuple[tuple[str, str], ...] = (
    ("likes", "Likes"),
    ("reposts", "Reposts"),
    ("replies", "Replies"),
    ("quotes", "Quotes"),
    ("views", "Views"),
)
FIGURE_KEYS = tuple(key for key, _label in FIGURES)
# How many posts: published in the range (and watched), read, unavailable, not read yet.
COUNTS = ("posts", "read", "unavailable", "pending")
METRICS = (*COUNTS, *FIGURE_KEYS, "interactions")


@dataclass(frozen=True)
class EngagementFigures:
    posts: int = 0  # published in the range, their engagement watched
    read: int = 0  # their latest reading has figures
    unavailable: int = 0  # their latest reading is unavailable (refused, deleted, not connected)
    pending: int = 0  # not read yet (the first reading comes an hour after publishing)
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None
    # One of the platforms' reasons, when some reading was unavailable.
    unavailable_reason: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EngagementFigures:
        # The aggregates are named apart from the columns they read (``_aggregates``). A
        # PostgreSQL SUM of a bigint column is a numeric: back to int.
        def total(key: str) -> int | None:
            value = row.get(f"sum_{key}")
            return None if value is None else int(value)

        return cls(
            posts=row.get("n_posts") or 0,
            read=row.get("n_read") or 0,
            unavailable=row.get("n_unavailable") or 0,
            pending=row.get("n_pending") or 0,
            likes=total("likes"),
            reposts=total("reposts"),
            replies=total("replies"),
            quotes=total("quotes"),
            views=total("views"),
            unavailable_reason=row.get("some_reason") or "",
        )

    @property
    def interactions(self) -> int | None:
        """Likes, reposts, replies and quotes together; None when none of them is reported."""
        found = [getattr(self, key) for key in ("likes", "reposts", "replies", "quotes")]
        reported = [value for value in found if value is not None]
        return sum(reported) if reported else None

    @property
    def status(self) -> str:
        """ "none" (no post published), "pending" (none read yet), "unavailable" (every reading
        unavailable), or "read"."""
        if not self.posts:
            return "none"
        if self.read:
            return "read"
        return "unavailable" if self.unavailable else "pending"

    def values(self) -> list[tuple[str, str, int | None]]:
        return [(key, label, getattr(self, key)) for key, label in FIGURES]


@dataclass(frozen=True)
class EngagementWeek:
    start: date
    figures: EngagementFigures


@dataclass(frozen=True)
class EngagementAccountRow:
    account_id: int
    name: str
    platform: str
    figures: EngagementFigures


@dataclass(frozen=True)
class EngagementPersonRow:
    user_id: int
    name: str
    email: str
    figures: EngagementFigures


@dataclass(frozen=True)
class DepartmentEngagement:
    totals: EngagementFigures = field(default_factory=EngagementFigures)
    weeks: list[EngagementWeek] = field(default_factory=list)
    accounts: list[EngagementAccountRow] = field(default_factory=list)
    people: list[EngagementPersonRow] = field(default_factory=list)


def _aggregates() -> dict[str, Any]:
    read = Q(taken_at__isnull=False) & Q(unavailable="")
    return {
        "n_posts": Count("pk"),
        "n_read": Count("pk", filter=read),
        "n_unavailable": Count("pk", filter=~Q(unavailable="")),
        "n_pending": Count("pk", filter=Q(taken_at__isnull=True)),
        **{f"sum_{key}": Sum(key) for key in FIGURE_KEYS},
        # "" sorts before any reason: the greatest is one of the reasons, if there is one.
        "some_reason": Max("unavailable"),
    }


def _published(period: Period, department: Department | None) -> QuerySet[LatestEngagement]:
    rows = LatestEngagement.objects.filter(
        published_at__gte=period.start, published_at__lt=period.end
    ).order_by()
    if department is not None:
        rows = rows.filter(department=department)
    return rows


def department_engagement(*, department: Department, period: Period) -> DepartmentEngagement:
    """The department's engagement: in all, per week of publishing (Monday to Sunday in the
    period's zone), per brand account and per author (four queries)."""
    rows = _published(period, department)
    totals = EngagementFigures.from_row(rows.aggregate(**_aggregates()))
    by_week = {
        as_local_date(row["week"], period.zone): EngagementFigures.from_row(row)
        for row in rows.annotate(week=TruncWeek("published_at", tzinfo=period.zone))
        .values("week")
        .annotate(**_aggregates())
    }
    accounts = [
        EngagementAccountRow(
            account_id=row["brand_account_id"],
            name=row["brand_account__display_name"],
            platform=row["brand_account__platform"],
            figures=EngagementFigures.from_row(row),
        )
        for row in rows.values(
            "brand_account_id", "brand_account__display_name", "brand_account__platform"
        )
        .annotate(**_aggregates())
        .order_by("brand_account__display_name", "brand_account_id")
    ]
    people = [
        EngagementPersonRow(
            user_id=row["author_id"],
            name=row["author__full_name"] or row["author__email"],
            email=row["author__email"],
            figures=EngagementFigures.from_row(row),
        )
        for row in rows.values("author_id", "author__full_name", "author__email")
        .annotate(**_aggregates())
        .order_by("author__full_name", "author__email", "author_id")
    ]
    return DepartmentEngagement(
        totals=totals,
        weeks=[
            EngagementWeek(start=day, figures=by_week.get(day, EngagementFigures()))
            for day in period.week_starts()
        ],
        accounts=accounts,
        people=people,
    )


def engagement_by_department(*, period: Period) -> dict[int, EngagementFigures]:
    """{department id: figures} for the organisation overview (one query)."""
    return {
        row["department_id"]: EngagementFigures.from_row(row)
        for row in _published(period, None).values("department_id").annotate(**_aggregates())
    }
