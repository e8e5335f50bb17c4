"""Engagement of published posts: their public figures read back from the platforms at set
steps after publishing (docs/insights.md).

A beat task (publishing.collect_engagement) runs `engagement_collect`:
1. every post published within the watch window gets an EngagementWatch (one INSERT … ON
   CONFLICT DO NOTHING for all of them);
2. due watches are claimed with a conditional UPDATE that stamps them with this run's token and
   a lease, so two runs (or a run that outlives its interval) never read the same post twice;
3. the claimed posts are read per account, in the batches the connector takes, outside any
   transaction (never hold a transaction over a platform call);
4. each batch's snapshots, the posts' latest figures (LatestEngagement, what the activity
   reports read) and the watches' next steps are written in one transaction; the unique
   (post, step) constraint keeps a step that was somehow read twice stored once.
A rate limit leaves the account's claimed posts for the time the platform asked; any other
temporary error for a few minutes. A platform that refuses (a missing permission) or no longer
shows a post records the step as unavailable, with its reason.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from approvals.models import Post, PostState
from channels_app.connectors import (
    ConnectorError,
    Credentials,
    EngagementBatch,
    RateLimited,
    RetryableError,
    call_with_fresh_token,
    connector_for,
)
from channels_app.encryption import CredentialsUnreadable
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.selectors import connector_credentials
from channels_app.services import brand_account_store_refreshed_credentials
from publishing.models import EngagementSnapshot, EngagementWatch, LatestEngagement

logger = logging.getLogger(__name__)

# How long a run holds the posts it claimed; a run that dies leaves them to the next one after.
CLAIM_LEASE = timedelta(minutes=15)
# After a temporary error that named no wait.
RETRY_AFTER = timedelta(minutes=5)


@dataclass
class CollectReport:
    enrolled: int = 0
    claimed: int = 0
    stored: int = 0
    unavailable: int = 0
    postponed: int = 0
    calls: int = 0


def engagement_steps() -> list[timedelta]:
    """The steps after publishing at which figures are read, earliest first."""
    hours: Sequence[float] = settings.SOCIALHUB_ENGAGEMENT_AFTER_HOURS
    return [timedelta(hours=float(h)) for h in sorted(hours)]


def _step_to_take(published_at: datetime, step: int, now: datetime) -> int:
    """The latest step already due (steps missed while nothing ran are taken once, as one)."""
    steps = engagement_steps()
    taken = step
    while taken + 1 < len(steps) and published_at + steps[taken + 1] <= now:
        taken += 1
    return taken


# --- 1. Enrolment ------------------------------------------------------------------------------


def engagement_enrol(*, now: datetime) -> int:
    """A watch for every post published within the window that has none yet, and its latest
    figures row (empty until the first reading), in one transaction."""
    steps = engagement_steps()
    if not steps:
        return 0
    window_start = now - steps[-1] - CLAIM_LEASE
    fresh = Post.objects.filter(
        state=PostState.PUBLISHED,
        published_at__gte=window_start,
        engagement__isnull=True,
        reply_private=False,  # a private reply has no public figures
    ).values_list("pk", "published_at", "department_id", "brand_account_id", "author_id")
    watches, latest = [], []
    for pk, published_at, department_id, account_id, author_id in fresh:
        watches.append(
            EngagementWatch(
                post_id=pk, published_at=published_at, step=0, next_due_at=published_at + steps[0]
            )
        )
        latest.append(
            LatestEngagement(
                post_id=pk,
                department_id=department_id,
                brand_account_id=account_id,
                author_id=author_id,
                published_at=published_at,
            )
        )
    with transaction.atomic():
        EngagementWatch.objects.bulk_create(watches, ignore_conflicts=True, batch_size=1000)
        LatestEngagement.objects.bulk_create(latest, ignore_conflicts=True, batch_size=1000)
    return len(watches)


# --- 2. Claiming ---------------------------------------------------------------------------------


def _claim(*, now: datetime, limit: int) -> tuple[str, list[EngagementWatch]]:
    token = uuid.uuid4().hex
    due = list(
        EngagementWatch.objects.filter(next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return token, []
    EngagementWatch.objects.filter(pk__in=due, next_due_at__lte=now).update(
        claim=token, next_due_at=now + CLAIM_LEASE
    )
    claimed = list(
        EngagementWatch.objects.filter(claim=token).select_related(
            "post__brand_account__connection"
        )
    )
    return token, claimed


# --- 3. Reading ----------------------------------------------------------------------------------


def _read(account: BrandAccount, credentials: Credentials, ids: list[str]) -> EngagementBatch:
    connector = connector_for(account.platform)

    def save(refreshed: dict[str, str]) -> None:
        brand_account_store_refreshed_credentials(account=account, credentials=refreshed)

    return call_with_fresh_token(
        connector, credentials, lambda c: connector.fetch_engagement(c, ids), save=save
    )


def _chunks(items: list[EngagementWatch], size: int) -> Iterable[list[EngagementWatch]]:
    for start in range(0, len(items), max(size, 1)):
        yield items[start : start + max(size, 1)]


def engagement_collect(*, now: datetime | None = None, limit: int | None = None) -> CollectReport:
    """One run: enrol, claim what is due (at most ``limit`` posts), read, store."""
    now = now or timezone.now()
    limit = limit or settings.SOCIALHUB_ENGAGEMENT_RUN_LIMIT
    report = CollectReport(enrolled=engagement_enrol(now=now))
    _token, claimed = _claim(now=now, limit=limit)
    report.claimed = len(claimed)
    by_account: dict[int, list[EngagementWatch]] = defaultdict(list)
    for watch in claimed:
        by_account[watch.post.brand_account_id].append(watch)
    for watches in by_account.values():
        _collect_account(watches, now=now, report=report)
    return report


def _collect_account(
    watches: list[EngagementWatch], *, now: datetime, report: CollectReport
) -> None:
    account = watches[0].post.brand_account
    try:
        connector = connector_for(account.platform)
    except LookupError:
        _store(watches, EngagementBatch(), now=now, refused="This platform has no connector.")
        report.unavailable += len(watches)
        return
    if not connector.reads_engagement:
        _store(
            watches,
            EngagementBatch(),
            now=now,
            refused=f"{connector.label} does not report engagement.",
        )
        report.unavailable += len(watches)
        return
    try:
        credentials = connector_credentials(account=account)
    except (BrandAccountConnection.DoesNotExist, CredentialsUnreadable):
        refused = f"{account.display_name} is not connected (or its credentials cannot be read)."
        _store(watches, EngagementBatch(), now=now, refused=refused)
        report.unavailable += len(watches)
        return
    pending = list(watches)
    while pending:
        chunk, pending = (
            pending[: connector.engagement_batch_size],
            pending[connector.engagement_batch_size :],
        )
        ids = [watch.post.external_id for watch in chunk if watch.post.external_id]
        report.calls += 1
        try:
            batch = _read(account, credentials, ids) if ids else EngagementBatch()
        except RateLimited as exc:
            # The account is left alone for as long as the platform asked, the rest included.
            _postpone([*chunk, *pending], until=now + timedelta(seconds=exc.retry_after_seconds))
            report.postponed += len(chunk) + len(pending)
            logger.info("Engagement of account %s rate limited: %s", account.pk, exc)
            return
        except RetryableError as exc:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else RETRY_AFTER
            _postpone(chunk, until=now + wait)
            report.postponed += len(chunk)
            continue
        except ConnectorError as exc:
            _store(chunk, EngagementBatch(), now=now, refused=str(exc))
            report.unavailable += len(chunk)
            continue
        stored, unavailable = _store(chunk, batch, now=now)
        report.stored += stored
        report.unavailable += unavailable


# --- 4. Storing ----------------------------------------------------------------------------------

# What a reading replaces in the post's latest figures.
LATEST_FIGURES = (
    "step",
    "taken_at",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "views",
    "unavailable",
)


def _postpone(watches: list[EngagementWatch], *, until: datetime) -> None:
    EngagementWatch.objects.filter(pk__in=[w.pk for w in watches]).update(
        claim="", next_due_at=until
    )


def _store(
    watches: list[EngagementWatch], batch: EngagementBatch, *, now: datetime, refused: str = ""
) -> tuple[int, int]:
    """The snapshots of one batch, the posts' latest figures and each watch's next step, in one
    transaction. A post the platform no longer shows, or a refusal, is stored as unavailable
    with the reason."""
    snapshots: list[EngagementSnapshot] = []
    stored = unavailable = 0
    taken: dict[int, list[int]] = defaultdict(list)  # step taken -> watches
    watch_published: dict[int, datetime] = {}
    for watch in watches:
        post = watch.post
        watch_published[post.pk] = watch.published_at
        step = _step_to_take(watch.published_at, watch.step, now)
        taken[step].append(watch.pk)
        figures = batch.found.get(post.external_id)
        if figures is not None:
            snapshots.append(
                EngagementSnapshot(
                    post_id=post.pk,
                    step=step,
                    taken_at=now,
                    likes=figures.likes,
                    reposts=figures.reposts,
                    replies=figures.replies,
                    quotes=figures.quotes,
                    views=figures.views,
                )
            )
            stored += 1
        else:
            reason = (
                refused
                or batch.missing.get(post.external_id)
                or (
                    "The platform did not report this post."
                    if post.external_id
                    else "The post has no platform id to look it up by."
                )
            )
            snapshots.append(
                EngagementSnapshot(
                    post_id=post.pk, step=step, taken_at=now, unavailable=reason[:500]
                )
            )
            unavailable += 1
    steps = engagement_steps()
    posts = {watch.post_id: watch.post for watch in watches}
    latest = [
        LatestEngagement(
            post_id=snapshot.post_id,
            department_id=posts[snapshot.post_id].department_id,
            brand_account_id=posts[snapshot.post_id].brand_account_id,
            author_id=posts[snapshot.post_id].author_id,
            published_at=watch_published[snapshot.post_id],
            **{name: getattr(snapshot, name) for name in LATEST_FIGURES},
        )
        for snapshot in snapshots
    ]
    with transaction.atomic():
        EngagementSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
        # One upsert: the row made at enrolment (or, for a post watched before the reports
        # read this table, a new one) takes this reading's figures.
        LatestEngagement.objects.bulk_create(
            latest,
            update_conflicts=True,
            unique_fields=["post"],
            update_fields=list(LATEST_FIGURES),
        )
        # One UPDATE per step taken (a batch usually takes one): the next due time is the
        # post's publishing time plus the next step, computed by the database.
        for step, pks in taken.items():
            following = step + 1
            EngagementWatch.objects.filter(pk__in=pks).update(
                step=following,
                next_due_at=F("published_at") + steps[following]
                if following < len(steps)
                else None,
                claim="",
            )
    return stored, unavailable


# --- Reading the figures back ------------------------------------------------------------------


def engagement_for_post(post: Post) -> tuple[list[EngagementSnapshot], datetime | None]:
    """The post's snapshots, earliest first, and when the next is due (None: no more)."""
    snapshots = list(EngagementSnapshot.objects.filter(post=post).order_by("step"))
    watch = EngagementWatch.objects.filter(post=post).only("next_due_at").first()
    return snapshots, watch.next_due_at if watch else None
