"""Collecting a stream's matches: each term searched through each of the stream's accounts
whose platform can look for it, page by page from a stored cursor.

The guarantees are the inbox's (inbox/ingestion.py): one read of one (term, account) is one
transaction that locks its StreamCursor row with SKIP LOCKED (a second reader finds it locked
and leaves), asks the connector for the posts after the stored cursor, inserts them with ON
CONFLICT DO NOTHING on (stream, platform, platform item id) and stores the new cursor. A worker
killed mid-read rolls the page back with its cursor: nothing is lost, nothing stored twice.
Listening never answers anything: a match reaches the inbox only when a person sends it there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels_app.connectors import (
    ConnectorError,
    Credentials,
    IncomingPage,
    RateLimited,
    SearchTerm,
    call_with_fresh_token,
    connector_for,
)
from channels_app.encryption import CredentialsUnreadable
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.selectors import connection_credentials
from channels_app.services import brand_account_store_refreshed_credentials
from listening.models import StreamCursor, StreamMatch, StreamTerm

logger = logging.getLogger(__name__)

PAGE_LIMIT = 100  # posts a page at most; each connector clamps it to its platform's largest


@dataclass
class ReadReport:
    cursor_id: int
    pages: int = 0
    stored: int = 0
    locked: bool = False
    error: str = ""


def read_interval() -> timedelta:
    return timedelta(seconds=float(settings.SOCIALHUB_LISTENING_INTERVAL))


def _searches(platform: str, kind: str) -> bool:
    try:
        return kind in connector_for(platform).searches
    except LookupError:
        return False


def cursors_ensure() -> int:
    """A cursor row for every active stream's term and each of its accounts (active and
    connected) whose platform can look for that kind of term."""
    terms = StreamTerm.objects.filter(stream__is_active=True).prefetch_related("stream__accounts")
    wanted = [
        StreamCursor(term=term, brand_account=account)
        for term in terms
        for account in term.stream.accounts.all()
        if account.is_active and _searches(account.platform, term.kind)
    ]
    StreamCursor.objects.bulk_create(wanted, ignore_conflicts=True)
    return len(wanted)


def due_cursor_ids(*, now: datetime) -> list[int]:
    """Cursors whose next read is due, each claimed for the interval by a conditional UPDATE
    (two beat runs never read the same one at once)."""
    cursors_ensure()
    candidates = list(
        StreamCursor.objects.filter(
            Q(next_read_at__isnull=True) | Q(next_read_at__lte=now),
            term__stream__is_active=True,
            brand_account__is_active=True,
        ).values_list("pk", flat=True)
    )
    due = []
    for pk in candidates:
        claimed = (
            StreamCursor.objects.filter(pk=pk)
            .filter(Q(next_read_at__isnull=True) | Q(next_read_at__lte=now))
            .update(next_read_at=now + read_interval())
        )
        if claimed:
            due.append(pk)
    return due


def _search(account: BrandAccount, term: SearchTerm, cursor: str | None) -> IncomingPage:
    connector = connector_for(account.platform)

    def save(credentials: dict[str, str]) -> None:
        brand_account_store_refreshed_credentials(account=account, credentials=credentials)

    def call(credentials: Credentials) -> IncomingPage:
        return connector.search_posts(credentials, term=term, cursor=cursor, limit=PAGE_LIMIT)

    credentials = connection_credentials(account=account)
    return call_with_fresh_token(connector, credentials, call, save=save)


def cursor_read(*, cursor_id: int, now: datetime | None = None, max_pages: int = 20) -> ReadReport:
    """Read one term through one account, page after page while the platform has more."""
    report = ReadReport(cursor_id=cursor_id)
    while report.pages < max_pages:
        if not _read_page(report, now=now or timezone.now()):
            break
    return report


def _read_page(report: ReadReport, *, now: datetime) -> bool:
    with transaction.atomic():
        row = (
            StreamCursor.objects.select_for_update(skip_locked=True)
            .select_related("term__stream", "brand_account")
            .filter(pk=report.cursor_id)
            .first()
        )
        if row is None:
            report.locked = True
            return False
        term, account = row.term, row.brand_account
        try:
            page = _search(account, SearchTerm(term.kind, term.value), row.cursor or None)
        except RateLimited as exc:
            _failed(row, exc, now=now, wait=exc.retry_after_seconds)
            report.error = str(exc)
            return False
        except (ConnectorError, BrandAccountConnection.DoesNotExist, CredentialsUnreadable) as exc:
            _failed(row, exc, now=now, wait=None)
            report.error = str(exc) or type(exc).__name__
            return False
        stored = store_matches(term, account, page, now=now)
        row.cursor = page.cursor or row.cursor
        row.failures = 0
        row.last_error = ""
        row.last_read_at = now
        row.save(update_fields=["cursor", "failures", "last_error", "last_read_at"])
        report.pages += 1
        report.stored += stored
        return page.more


def store_matches(
    term: StreamTerm, account: BrandAccount, page: IncomingPage, *, now: datetime
) -> int:
    """The page's posts as the stream's matches (those already stored are left alone); how many
    were new. Runs in the caller's transaction."""
    if not page.items:
        return 0
    stream = term.stream
    ids = [item.platform_item_id for item in page.items]
    known = set(
        StreamMatch.objects.filter(
            stream=stream, platform=account.platform, platform_item_id__in=ids
        ).values_list("platform_item_id", flat=True)
    )
    fresh = {
        item.platform_item_id: item for item in page.items if item.platform_item_id not in known
    }
    StreamMatch.objects.bulk_create(
        [
            StreamMatch(
                stream=stream,
                term=term,
                brand_account=account,
                platform=account.platform,
                platform_item_id=item.platform_item_id[:500],
                author_id=item.author_id[:255],
                author_handle=item.author_handle[:255],
                author_name=item.author_name[:255],
                author_url=item.author_url[:500],
                text=item.text,
                url=item.url[:500],
                in_reply_to_platform_id=item.in_reply_to_platform_id[:500],
                raw_ref=dict(item.raw_ref),
                posted_at=item.created_at,
                found_at=now,
            )
            for item in fresh.values()
        ],
        ignore_conflicts=True,
    )
    return len(fresh)


def _failed(row: StreamCursor, exc: Exception, *, now: datetime, wait: float | None) -> None:
    """A rate limit waits what the platform asked; any other error backs off exponentially
    (the interval times 2^(errors in a row - 1), at most a day). The cursor stays."""
    if wait is None:
        row.failures += 1
        wait = min(
            read_interval().total_seconds() * 2 ** (row.failures - 1),
            timedelta(days=1).total_seconds(),
        )
    row.next_read_at = now + timedelta(seconds=max(wait, 1.0))
    row.last_error = str(exc)[:1000]
    row.save(update_fields=["failures", "next_read_at", "last_error"])


def streams_read(*, now: datetime | None = None) -> int:
    """Every due (term, account), one after the other; how many matches were new."""
    now = now or timezone.now()
    return sum(cursor_read(cursor_id=pk, now=now).stored for pk in due_cursor_ids(now=now))
