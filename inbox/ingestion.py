"""Ingestion: read each connected account's incoming items and store them, once each.

One poll of an account, page by page, each page in its own transaction:
1. lock the account's PollState row with SKIP LOCKED (a second poller of the same account finds
   it locked and stops: it would only read the same page again);
2. ask the connector for the items after the stored cursor;
3. insert them with ON CONFLICT DO NOTHING on (account, platform item id), group them into
   conversations by thread key, and store the new cursor — all in that transaction.
A worker killed mid-page rolls the page back with its cursor, so the next poll reads it again:
nothing is lost and, thanks to the unique constraint, nothing is stored twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from approvals.models import Post
from channels_app.connectors import (
    ConnectorError,
    Credentials,
    IncomingItem,
    IncomingPage,
    RateLimited,
    call_with_fresh_token,
    connector_for,
)
from channels_app.encryption import CredentialsUnreadable
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.platforms import Platform
from channels_app.selectors import connector_credentials
from channels_app.services import brand_account_store_refreshed_credentials
from inbox.models import Conversation, InboxItem, PollState, RoutingRule
from inbox.routing import active_rules, rule_for

logger = logging.getLogger(__name__)

PAGE_LIMIT = 80  # items a page at most; each connector clamps it to its platform's largest


@dataclass
class PollReport:
    account_id: int
    pages: int = 0
    stored: int = 0
    skipped: int = 0
    locked: bool = False  # another poller held the account: this one did nothing
    error: str = ""


# --- Which accounts, and when ------------------------------------------------------------------


def poll_interval(platform: str) -> float:
    intervals: dict[str, float] = settings.SOCIALHUB_INBOX_POLL_INTERVALS
    return float(intervals.get(platform, 300.0))


def pollable_accounts() -> QuerySet[BrandAccount]:
    """Active accounts that can be read: connected ones, and the internal feed's (which needs
    no connection), on platforms whose connector reads incoming items."""
    platforms = [p for p in Platform.values if _reads_incoming(p)]
    return BrandAccount.objects.filter(is_active=True, platform__in=platforms).filter(
        Q(platform=Platform.INTERNAL) | Q(connection__isnull=False)
    )


def _reads_incoming(platform: str) -> bool:
    try:
        return connector_for(platform).reads_incoming
    except LookupError:
        return False


def due_account_ids(*, now: datetime) -> list[int]:
    """Accounts whose next poll is due, each claimed for its interval by a conditional UPDATE
    (so two beat runs, or a slow worker, never queue the same account twice at once)."""
    accounts = list(pollable_accounts().values_list("pk", "platform"))
    PollState.objects.bulk_create(
        [PollState(brand_account_id=pk) for pk, _platform in accounts], ignore_conflicts=True
    )
    due: list[int] = []
    for pk, platform in accounts:
        claimed = (
            PollState.objects.filter(brand_account_id=pk)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .update(next_poll_at=now + timedelta(seconds=poll_interval(platform)))
        )
        if claimed:
            due.append(pk)
    return due


# --- One poll ------------------------------------------------------------------------------------


def _fetch(account: BrandAccount, cursor: str | None, limit: int) -> IncomingPage:
    connector = connector_for(account.platform)

    def save(credentials: dict[str, str]) -> None:
        brand_account_store_refreshed_credentials(account=account, credentials=credentials)

    def call(credentials: Credentials) -> IncomingPage:
        return connector.fetch_incoming(credentials, cursor=cursor, limit=limit)

    credentials = connector_credentials(account=account)
    return call_with_fresh_token(connector, credentials, call, save=save)


def account_poll(
    *,
    account: BrandAccount,
    now: Callable[[], datetime] = timezone.now,
    limit: int = PAGE_LIMIT,
    max_pages: int | None = None,
) -> PollReport:
    """Read the account's new incoming items, page after page while the platform says more are
    waiting (at most SOCIALHUB_INBOX_MAX_PAGES pages: the rest waits for the next poll)."""
    report = PollReport(account_id=account.pk)
    PollState.objects.get_or_create(brand_account=account)
    pages = max_pages if max_pages is not None else settings.SOCIALHUB_INBOX_MAX_PAGES
    while report.pages < pages:
        more = _poll_page(account, report, now=now, limit=limit)
        if not more:
            break
    return report


def _poll_page(
    account: BrandAccount, report: PollReport, *, now: Callable[[], datetime], limit: int
) -> bool:
    """One page in one transaction; True when the platform has more waiting."""
    with transaction.atomic():
        state = (
            PollState.objects.select_for_update(skip_locked=True)
            .filter(brand_account=account)
            .first()
        )
        if state is None:
            report.locked = True
            return False
        try:
            page = _fetch(account, state.cursor or None, limit)
        except RateLimited as exc:
            _record_error(state, exc, now=now(), wait=exc.retry_after_seconds)
            report.error = str(exc)
            return False
        except (ConnectorError, BrandAccountConnection.DoesNotExist, CredentialsUnreadable) as exc:
            _record_error(state, exc, now=now(), wait=None)
            report.error = str(exc) or type(exc).__name__
            return False
        stored = store_items(account, page.items, rules=active_rules())
        if page.skipped:
            logger.warning(
                "Brand account %s: %d incoming item(s) malformed or truncated, skipped.",
                account.pk,
                page.skipped,
            )
        moment = now()
        state.cursor = page.cursor or state.cursor
        state.failures = 0
        state.last_error = ""
        state.last_polled_at = moment
        state.items_stored = F("items_stored") + stored
        state.items_skipped = F("items_skipped") + page.skipped
        if not page.more:
            state.next_poll_at = moment + timedelta(seconds=poll_interval(account.platform))
        state.save()
        report.pages += 1
        report.stored += stored
        report.skipped += page.skipped
        return page.more


def _record_error(state: PollState, exc: Exception, *, now: datetime, wait: float | None) -> None:
    """A rate limit waits what the platform asked; any other error backs off exponentially.
    The cursor stays where it was, so nothing is skipped."""
    if wait is None:
        state.failures += 1
        wait = min(
            settings.SOCIALHUB_INBOX_BACKOFF_BASE * 2 ** (state.failures - 1),
            settings.SOCIALHUB_INBOX_BACKOFF_MAX,
        )
    state.next_poll_at = now + timedelta(seconds=max(wait, 1.0))
    state.last_error = (str(exc) or type(exc).__name__)[:2000]
    state.last_error_at = now
    state.save(update_fields=["next_poll_at", "failures", "last_error", "last_error_at"])
    logger.warning("Polling brand account %s failed: %s", state.brand_account_id, state.last_error)


# --- Storing a page ------------------------------------------------------------------------------


def store_items(
    account: BrandAccount, items: Sequence[IncomingItem], *, rules: Sequence[RoutingRule] = ()
) -> int:
    """Store the items (those already stored are left alone), grouped into conversations.
    Returns how many were new. Runs in the caller's transaction."""
    if not items:
        return 0
    known = set(
        InboxItem.objects.filter(
            brand_account=account, platform_item_id__in=[item.platform_item_id for item in items]
        ).values_list("platform_item_id", flat=True)
    )
    fresh: dict[str, IncomingItem] = {}
    for item in items:
        if item.platform_item_id not in known:
            fresh.setdefault(item.platform_item_id, item)
    if not fresh:
        return 0
    threads: dict[str, list[IncomingItem]] = defaultdict(list)
    for item in sorted(fresh.values(), key=lambda i: i.created_at):
        threads[item.thread_key].append(item)
    conversations, created = _conversations_for(account, threads, rules)
    InboxItem.objects.bulk_create(
        [
            InboxItem(
                conversation_id=conversations[item.thread_key],
                brand_account=account,
                platform_item_id=item.platform_item_id,
                kind=item.kind,
                author_id=item.author_id[:255],
                author_handle=item.author_handle[:255],
                author_name=item.author_name[:255],
                author_url=item.author_url[:500],
                text=item.text,
                url=item.url[:500],
                created_at=item.created_at,
                in_reply_to_platform_id=item.in_reply_to_platform_id[:500],
                is_private=item.is_private,
                raw_ref=dict(item.raw_ref),
            )
            for item in fresh.values()
        ],
        ignore_conflicts=True,
    )
    # New conversations were created with their counts; only those that existed grow.
    for key, thread in threads.items():
        if key in created:
            continue
        Conversation.objects.filter(pk=conversations[key]).update(
            item_count=F("item_count") + len(thread),
            first_item_at=Least(F("first_item_at"), thread[0].created_at),
            last_item_at=Greatest(F("last_item_at"), thread[-1].created_at),
        )
    return len(fresh)


def _conversations_for(
    account: BrandAccount,
    threads: dict[str, list[IncomingItem]],
    rules: Sequence[RoutingRule],
) -> tuple[dict[str, int], set[str]]:
    """({thread key: conversation id}, the keys of those created now), creating the
    conversations that do not exist yet with their items' count and times, their link to our
    post and the routing rules' suggestion."""
    existing = dict(
        Conversation.objects.filter(brand_account=account, thread_key__in=threads).values_list(
            "thread_key", "pk"
        )
    )
    missing = [key for key in threads if key not in existing]
    if missing:
        ours = _our_posts(account, [threads[key] for key in missing])
        new = []
        for key in missing:
            thread = threads[key]
            first = thread[0]
            rule = rule_for(rules, account=account, items=thread)
            post_id = next(
                (
                    ours[ref]
                    for ref in (key, *(i.in_reply_to_platform_id for i in thread))
                    if ref in ours
                ),
                None,
            )
            new.append(
                Conversation(
                    brand_account=account,
                    platform=account.platform,
                    thread_key=key,
                    subject=first.text[:300],
                    author_handle=first.author_handle[:255],
                    author_name=first.author_name[:255],
                    author_url=first.author_url[:500],
                    post_id=post_id,
                    is_private=any(i.is_private for i in thread),
                    item_count=len(thread),
                    first_item_at=first.created_at,
                    last_item_at=thread[-1].created_at,
                    suggested_outcome=rule.outcome if rule else "",
                    suggested_department_id=rule.department_id if rule else None,
                    suggested_assignee_id=rule.assignee_id if rule else None,
                )
            )
        # Another transaction cannot create these threads meanwhile (the account's poll state
        # is locked), but the constraint is the last word: ignore a conflict, then read back.
        Conversation.objects.bulk_create(new, ignore_conflicts=True)
        existing.update(
            Conversation.objects.filter(brand_account=account, thread_key__in=missing).values_list(
                "thread_key", "pk"
            )
        )
    return existing, set(missing)


def _our_posts(account: BrandAccount, threads: list[list[IncomingItem]]) -> dict[str, int]:
    """{external id: post id} of our posts on the account that these threads answer."""
    refs = {
        ref
        for thread in threads
        for item in thread
        for ref in (item.thread_key, item.in_reply_to_platform_id)
        if ref
    }
    if not refs:
        return {}
    return dict(
        Post.objects.filter(brand_account=account, external_id__in=refs).values_list(
            "external_id", "pk"
        )
    )
