"""Reads of listening, always scoped to what the person may see (listening.permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.errors import InvalidInput, whole_number
from listening.models import ListeningStream, StreamMatch, StreamTerm
from listening.permissions import visible_streams

STATUSES = ("active", "archived", "all")
VOLUME_DAYS = 30


def stream_list(*, user: Any, status: str = "active") -> QuerySet[ListeningStream]:
    """The streams the person reads, their terms, accounts and followers loaded (3 queries
    whatever their number) and their matches counted."""
    if status not in STATUSES:
        raise InvalidInput("Choose active, archived or all.", field="status")
    streams = visible_streams(user)
    if status != "all":
        streams = streams.filter(is_active=status == "active")
    return (
        streams.select_related("department")
        .prefetch_related("terms", "accounts", "followers")
        .annotate(match_count=Count("matches", distinct=True))
        .order_by("name", "id")
    )


def stream_terms(*, stream: ListeningStream) -> list[StreamTerm]:
    return list(stream.terms.all())


def parse_term_filter(stream: ListeningStream, raw: Any) -> int | None:
    """The ?term= filter: a term of this stream's, else 400."""
    if raw in (None, ""):
        return None
    pk = whole_number(raw, field="term")
    if not StreamTerm.objects.filter(stream=stream, pk=pk).exists():
        raise InvalidInput("No such term in this stream.", field="term")
    return pk


def match_list(
    *, stream: ListeningStream, term: int | None = None, platform: str = ""
) -> QuerySet[StreamMatch]:
    """The stream's matches, newest first, with what a row shows joined (one query a page)."""
    matches = StreamMatch.objects.filter(stream=stream)
    if term is not None:
        matches = matches.filter(term_id=term)
    if platform:
        matches = matches.filter(platform=platform)
    return matches.select_related("term", "brand_account", "sent_by").order_by("-posted_at", "-id")


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


def stream_volume(
    *, stream: ListeningStream, days: int = VOLUME_DAYS, today: date | None = None
) -> list[DayCount]:
    """Matches a day (by when they were posted) over the last `days` days, today included,
    days without any included as 0 (one query)."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    counts = dict(
        StreamMatch.objects.filter(stream=stream, posted_at__gte=start)
        .annotate(day=TruncDate("posted_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("day", "n")
    )
    return [
        DayCount(first + timedelta(days=n), counts.get(first + timedelta(days=n), 0))
        for n in range(days)
    ]


@dataclass(frozen=True)
class TermCount:
    term: StreamTerm
    count: int


def top_terms(*, stream: ListeningStream, terms: list[StreamTerm]) -> list[TermCount]:
    """Each term with how many matches it found, most first (one query)."""
    counts = dict(
        StreamMatch.objects.filter(stream=stream, term__isnull=False)
        .values("term_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("term_id", "n")
    )
    rows = [TermCount(term, counts.get(term.pk, 0)) for term in terms]
    return sorted(rows, key=lambda row: (-row.count, str(row.term).lower()))


def stream_with_relations(stream: ListeningStream) -> ListeningStream:
    """The stream's terms, accounts and followers loaded (one query each)."""
    prefetch_related_objects(
        [stream],
        Prefetch("terms", queryset=StreamTerm.objects.order_by("kind", "value")),
        "accounts",
        "followers",
    )
    return stream
