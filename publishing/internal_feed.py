"""The `internal` platform: SocialHub's own feed, the organisation's internal-communications
channel (docs/design.md §7). A real destination, published to through the same engine and
interface as the external platforms: a post becomes a `FeedEntry`, shown on its department's feed
page (members) and, for accounts flagged organisation-wide, on the organisation's feed
(everyone).

Its "credentials" are the address of the destination: the brand account it publishes as
(`{"brand_account": "<id>"}`, built by the engine; there is nothing secret to store).
Exactly once: the entry carries the post's idempotency key, which the database keeps unique, so
a repeated publish returns the entry the first one made.

Images: each payload image is copied into the default storage under ``feed/<entry>/`` and
recorded as a `FeedImage` (alt text, order, size, type) in the same transaction as the entry; a
repeated publish finds the entry and writes nothing. The feed pages show them through
`publishing.views.feed_image`, which checks the same visibility as the entry.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from channels_app.connectors.base import (
    ConnectedIdentity,
    Connector,
    Credentials,
    Image,
    PermanentError,
    PostPayload,
    PublishResult,
)
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from channels_app.rules import RULES
from publishing.models import FeedEntry, FeedImage


def entry_url(entry: FeedEntry) -> str:
    """The entry's page: absolute when SOCIALHUB_BASE_URL is set, else a site path."""
    return settings.SOCIALHUB_BASE_URL.rstrip("/") + reverse("feed_entry", args=[entry.pk])


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


class InternalConnector(Connector):
    platform = Platform.INTERNAL
    label = "Internal feed"

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

    def publish(self, credentials: Credentials, payload: PostPayload) -> PublishResult:
        account = self._account(credentials)
        rules = RULES[Platform.INTERNAL]
        limit = rules.max_length
        if rules.length(payload.text) > limit:
            raise PermanentError(
                f"The internal feed takes at most {limit} characters.", platform=self.platform
            )
        if not payload.text.strip() and not payload.images:
            raise PermanentError("The post is empty.", platform=self.platform)
        self._check_images(payload.images)
        try:
            with transaction.atomic():
                entry, created = FeedEntry.objects.get_or_create(
                    idempotency_key=payload.idempotency_key,
                    defaults={
                        "brand_account": account,
                        "department": account.department,
                        "org_wide": account.org_wide_feed,
                        "text": payload.text,
                        "published_at": timezone.now(),
                    },
                )
                if created:
                    _store_images(entry, payload.images)
        except IntegrityError:  # a concurrent publish of the same post won: it is that entry
            entry = FeedEntry.objects.get(idempotency_key=payload.idempotency_key)
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

    def find_existing(self, credentials: Credentials, payload: PostPayload) -> PublishResult | None:
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
