"""The `internal` platform: SocialHub's own feed, the organisation's internal-communications
channel (docs/design.md §7). A real destination, published to through the same engine and
interface as the external platforms: a post becomes a `FeedEntry`, shown on its department's feed
page (members) and, for accounts flagged organisation-wide, on the organisation's feed
(everyone).

Its "credentials" are the address of the destination: the brand account it publishes as
(`{"brand_account": "<id>"}`, built by the engine; there is nothing secret to store).
Exactly once: the entry carries the post's idempotency key, which the database keeps unique, so
a repeated publish returns the entry the first one made.

Two-way: employees comment on entries or ask questions under them (`FeedComment`,
publishing.feed_comments). `fetch_incoming` reads the comments under the account's entries as
incoming items (the cursor is the last comment id read; the thread is the entry; a comment
answers the entry, whose external id is the entry's id, or the comment it is under). A reply
post publishes the brand's answer as a comment under the one it answers, once per post (its
idempotency key, unique in the database). There are no private answers on the feed.

Images: each payload image is copied into the default storage under ``feed/<entry>/`` and
recorded as a `FeedImage` (alt text, order, size, type) in the same transaction as the entry; a
repeated publish finds the entry and writes nothing. The feed pages show them through
`publishing.views.feed_image`, which checks the same visibility as the entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from channels_app.connectors.base import (
    ConnectedIdentity,
    Connector,
    Credentials,
    Engagement,
    EngagementBatch,
    Image,
    IncomingItem,
    IncomingKind,
    IncomingPage,
    PermanentError,
    PostPayload,
    PublishResult,
    ReplyTarget,
)
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from channels_app.rules import RULES
from publishing.models import FeedComment, FeedEntry, FeedImage


def entry_url(entry: FeedEntry) -> str:
    """The entry's page: absolute when SOCIALHUB_BASE_URL is set, else a site path."""
    return settings.SOCIALHUB_BASE_URL.rstrip("/") + reverse("feed_entry", args=[entry.pk])


# A comment's platform id: distinct from an entry's (its bare id), which a comment answers.
COMMENT_PREFIX = "comment-"


def comment_item_id(comment: FeedComment) -> str:
    return f"{COMMENT_PREFIX}{comment.pk}"


def comment_url(comment: FeedComment) -> str:
    return f"{entry_url(comment.entry)}#comment-{comment.pk}"


def _comment_result(comment: FeedComment) -> PublishResult:
    return PublishResult(external_id=comment_item_id(comment), url=comment_url(comment))


def _incoming(comment: FeedComment) -> IncomingItem:
    author = comment.author
    return IncomingItem(
        platform_item_id=comment_item_id(comment),
        kind=IncomingKind.COMMENT,
        thread_key=str(comment.entry_id),
        text=comment.text,
        created_at=comment.created_at,
        in_reply_to_platform_id=(
            f"{COMMENT_PREFIX}{comment.parent_id}" if comment.parent_id else str(comment.entry_id)
        ),
        author_id=str(author.pk) if author else "",
        author_handle=author.email if author else "",
        author_name=(author.full_name or author.email) if author else "",
        url=comment_url(comment),
        raw_ref={"comment": str(comment.pk), "entry": str(comment.entry_id)},
    )


def _store_images(entry: FeedEntry, images: tuple[Image, ...]) -> None:
    """Copy the payload's images next to the entry (called in the entry's transaction, only when
    the entry was just made). Names come from the entry, order and checksum: a file left by a
    rolled-back attempt is reused, never duplicated."""
    for order, image in enumerate(images):
        checksum = image.checksum
        name = f"feed/{entry.pk}/{order}-{checksum}.{image.extension}"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(image.data))
        FeedImage.objects.create(
            entry=entry,
            file=name,
            alt_text=image.alt_text,
            order=order,
            width=image.width,
            height=image.height,
            content_type=image.content_type,
            checksum=checksum,
        )


def _insert_new(entry: FeedEntry, *, commit_asynchronously: bool = False) -> bool:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING id: True (entry.pk set) when
    the entry is new; False, with nothing written, when the post's key is in the feed already.
    One statement, where get_or_create takes a read, a savepoint and the insert.

    `commit_asynchronously` (PostgreSQL; only for a transaction of the entry's own): the
    statement sets `synchronous_commit = off` for its own transaction (`set_config(…, true)`,
    so no SET of its own), and the COMMIT does not wait for the WAL to reach the disk. Safe for
    exactly once, because losing the entry is recoverable and cannot outlive its outcome:
    - the engine's claim (attempt, idempotency key) committed, synchronously, before this;
    - the outcome commits, synchronously, after this, and a flush of the WAL up to its commit
      record flushes the entry's WAL too (the log is written in order): an outcome on disk
      means the entry on disk;
    - if the server crashes in between, the entry may be gone and the outcome is not written:
      the attempt's lease runs out, the next claim marks it interrupted and checks the feed
      (`find_existing`, by the post's key), finds nothing and sends again, under the same key.
    Claims and outcomes always commit synchronously (publishing/engine)."""
    meta = FeedEntry._meta
    q = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    source = f"VALUES ({', '.join(['%s'] * len(fields))})"
    if commit_asynchronously and connection.vendor == "postgresql":
        source = (
            f"SELECT {', '.join(['%s'] * len(fields))} "  # noqa: S608 - placeholders only
            "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode"
        )
    statement = (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
        f"{source} "
        f"ON CONFLICT ({q(meta.get_field('idempotency_key').column)}) DO NOTHING "
        f"RETURNING {q(meta.pk.column)}"
    )
    params = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        return False
    entry.pk = int(row[0])
    entry._state.adding = False
    return True


class InternalConnector(Connector):
    platform = Platform.INTERNAL
    label = "Internal feed"
    reads_incoming = True
    can_reply = True
    can_reply_privately = False

    def _account(self, credentials: Credentials) -> BrandAccount:
        raw = str(credentials.get("brand_account", ""))
        account = None
        if raw.isdigit():
            account = (
                BrandAccount.objects.select_related("department")
                .filter(pk=int(raw), platform=Platform.INTERNAL)
                .first()
            )
        if account is None:
            raise PermanentError(
                "This internal feed account no longer exists.", platform=self.platform
            )
        return account

    def _audience(self, credentials: Credentials) -> tuple[int, int, bool]:
        """The account, its department and whether the organisation reads it: from the
        credentials when the engine put them there (channels_app.selectors.
        connector_credentials, from the account it claimed the post with), else read."""
        raw = [str(credentials.get(name, "")) for name in ("brand_account", "department")]
        if all(value.isascii() and value.isdigit() for value in raw):
            return int(raw[0]), int(raw[1]), bool(credentials.get("org_wide_feed"))
        account = self._account(credentials)
        return account.pk, account.department_id, account.org_wide_feed

    def publish(self, credentials: Credentials, payload: PostPayload) -> PublishResult:
        target = self.check_reply(payload)
        if target is not None:
            return self._answer(self._account(credentials), target, payload)
        rules = RULES[Platform.INTERNAL]
        limit = rules.max_length
        if rules.length(payload.text) > limit:
            raise PermanentError(
                f"The internal feed takes at most {limit} characters.", platform=self.platform
            )
        if not payload.text.strip() and not payload.images:
            raise PermanentError("The post is empty.", platform=self.platform)
        self._check_images(payload.images)
        account_id, department_id, org_wide = self._audience(credentials)
        entry = FeedEntry(
            brand_account_id=account_id,
            department_id=department_id,
            org_wide=org_wide,
            text=payload.text,
            idempotency_key=payload.idempotency_key,
            published_at=timezone.now(),
        )
        # The entry's own transaction (not a caller's) may commit without waiting for the disk:
        # _insert_new says why that keeps exactly once.
        own = not connection.in_atomic_block
        if payload.images:
            with transaction.atomic():  # the entry with its images, or neither
                if _insert_new(entry, commit_asynchronously=own):
                    _store_images(entry, payload.images)
        else:
            # One statement: no transaction of its own needed.
            _insert_new(entry, commit_asynchronously=own)
        if entry.pk is None:  # a repeated publish (or a concurrent one that won): that entry
            entry.pk = (
                FeedEntry.objects.filter(idempotency_key=payload.idempotency_key)
                .values_list("pk", flat=True)
                .get()
            )
        return PublishResult(external_id=str(entry.pk), url=entry_url(entry))

    def _check_images(self, images: tuple[Image, ...]) -> None:
        """The same limits as the upload form (channels_app/rules.py), checked again: a payload
        may come from elsewhere than an upload SocialHub checked."""
        rules = RULES[Platform.INTERNAL]
        if len(images) > rules.max_images:
            raise PermanentError(
                f"The internal feed takes at most {rules.max_images} images.",
                platform=self.platform,
            )
        for number, image in enumerate(images, start=1):
            if image.content_type not in rules.image_types:
                raise PermanentError(
                    f"Image {number} is not a JPEG, PNG, GIF or WebP image.",
                    platform=self.platform,
                )
            if not image.data or len(image.data) > rules.max_image_bytes:
                raise PermanentError(
                    f"Image {number} is empty or larger than the internal feed takes.",
                    platform=self.platform,
                )

    # --- engagement ------------------------------------------------------------------------

    reads_engagement = True
    engagement_batch_size = 500

    def fetch_engagement(
        self, credentials: Credentials, external_ids: Sequence[str]
    ) -> EngagementBatch:
        """Employees' comments under our entries (the brand's own answers not counted); the
        feed has no likes or reposts, and does not count readers."""
        account = self._account(credentials)
        ids = [int(value) for value in self._engagement_ids(external_ids) if value.isdigit()]
        entries = set(
            FeedEntry.objects.filter(pk__in=ids, brand_account=account).values_list("pk", flat=True)
        )
        comments = dict(
            FeedComment.objects.filter(entry_id__in=entries, author__isnull=False)
            .values("entry_id")
            .annotate(total=Count("pk"))
            .values_list("entry_id", "total")
        )
        found = {str(pk): Engagement(replies=comments.get(pk, 0)) for pk in entries}
        missing = {
            value: "The entry is no longer in the feed."
            for value in external_ids
            if value not in found
        }
        return EngagementBatch(found=found, missing=missing)

    # --- comments: the read side and the brand's answers -----------------------------------

    def fetch_incoming(
        self, credentials: Credentials, *, cursor: str | None, limit: int = 50
    ) -> IncomingPage:
        account = self._account(credentials)
        comments = (
            FeedComment.objects.filter(entry__brand_account=account, author__isnull=False)
            .select_related("author", "entry")
            .order_by("id")
        )
        if cursor is None:
            # The first poll takes the newest page only: no history is imported.
            newest = list(comments.order_by("-id")[:limit])
            newest.reverse()
            last = newest[-1].pk if newest else None
            return IncomingPage(
                items=tuple(_incoming(c) for c in newest),
                cursor=str(last) if last is not None else None,
            )
        if not cursor.isascii() or not cursor.isdigit():
            raise PermanentError(
                f"The internal feed's cursor is a comment id, not {cursor[:40]!r}.",
                platform=self.platform,
            )
        batch = list(comments.filter(pk__gt=int(cursor))[: limit + 1])
        more = len(batch) > limit
        batch = batch[:limit]
        return IncomingPage(
            items=tuple(_incoming(c) for c in batch),
            cursor=str(batch[-1].pk) if batch else cursor,
            more=more,
        )

    def _answered(self, account: BrandAccount, target: ReplyTarget) -> FeedComment:
        """The comment a reply answers, under one of this account's entries."""
        raw = target.platform_item_id
        number = raw[len(COMMENT_PREFIX) :] if raw.startswith(COMMENT_PREFIX) else ""
        comment = None
        if number.isascii() and number.isdigit():
            comment = (
                FeedComment.objects.select_related("entry")
                .filter(pk=int(number), entry__brand_account=account)
                .first()
            )
        if comment is None:
            raise PermanentError(
                "The comment this reply answers is not under one of this account's entries.",
                platform=self.platform,
            )
        return comment

    def _answer(
        self, account: BrandAccount, target: ReplyTarget, payload: PostPayload
    ) -> PublishResult:
        text = payload.text.strip()
        if not text:
            raise PermanentError("The reply is empty.", platform=self.platform)
        if payload.images:
            raise PermanentError(
                "Answers to comments on the internal feed are text only.", platform=self.platform
            )
        rules = RULES[Platform.INTERNAL]
        if rules.length(text) > rules.max_length:
            raise PermanentError(
                f"The internal feed takes at most {rules.max_length} characters.",
                platform=self.platform,
            )
        answered = self._answered(account, target)
        try:
            with transaction.atomic():
                answer, _ = FeedComment.objects.get_or_create(
                    idempotency_key=payload.idempotency_key,
                    defaults={
                        "entry": answered.entry,
                        "parent": answered,
                        "brand_account": account,
                        "text": text,
                    },
                )
        except IntegrityError:  # a concurrent publish of the same post won: it is that one
            answer = FeedComment.objects.get(idempotency_key=payload.idempotency_key)
        answer.entry = answered.entry
        return _comment_result(answer)

    def find_existing(self, credentials: Credentials, payload: PostPayload) -> PublishResult | None:
        if payload.reply_to is not None:
            answer = (
                FeedComment.objects.select_related("entry")
                .filter(idempotency_key=payload.idempotency_key)
                .first()
            )
            return _comment_result(answer) if answer else None
        entry = FeedEntry.objects.filter(idempotency_key=payload.idempotency_key).first()
        return PublishResult(external_id=str(entry.pk), url=entry_url(entry)) if entry else None

    def verify(self, credentials: Credentials) -> ConnectedIdentity:
        account = self._account(credentials)
        return ConnectedIdentity(
            account_id=str(account.pk),
            handle=account.handle,
            name=account.display_name,
            url=settings.SOCIALHUB_BASE_URL.rstrip("/")
            + reverse("department_feed", args=[account.department.slug]),
            max_characters=RULES[Platform.INTERNAL].max_length,
        )
