"""The `internal` platform: SocialHub's own feed, the organisation's internal-communications
channel (DESIGN §7). A real destination, published to through the same engine and interface as
the external platforms: a post becomes a `FeedEntry`, shown on its department's feed page
(members) and, for accounts flagged organisation-wide, on the organisation's feed (everyone).

Its "credentials" are the address of the destination: the brand account it publishes as
(`{"brand_account": "<id>"}`, built by the engine; there is nothing secret to store).
Exactly once: the entry carries the post's idempotency key, which the database keeps unique, so
a repeated publish returns the entry the first one made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from approvals.models import FeedEntry
from channels_app.connectors.base import (
    ConnectedIdentity,
    Connector,
    Credentials,
    PermanentError,
    PostPayload,
    PublishResult,
)
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from channels_app.rules import RULES


def entry_url(entry: FeedEntry) -> str:
    """The entry's page: absolute when SOCIALHUB_BASE_URL is set, else a site path."""
    return settings.SOCIALHUB_BASE_URL.rstrip("/") + reverse("feed_entry", args=[entry.pk])


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
        if payload.images:
            raise PermanentError(
                "Images are not published to the internal feed yet; remove them or post without.",
                platform=self.platform,
            )
        account = self._account(credentials)
        rules = RULES[Platform.INTERNAL]
        limit = rules.max_length
        if rules.length(payload.text) > limit:
            raise PermanentError(
                f"The internal feed takes at most {limit} characters.", platform=self.platform
            )
        if not payload.text.strip():
            raise PermanentError("The post is empty.", platform=self.platform)
        try:
            with transaction.atomic():
                entry, _created = FeedEntry.objects.get_or_create(
                    idempotency_key=payload.idempotency_key,
                    defaults={
                        "brand_account": account,
                        "department": account.department,
                        "org_wide": account.org_wide_feed,
                        "text": payload.text,
                        "published_at": timezone.now(),
                    },
                )
        except IntegrityError:  # a concurrent publish of the same post won: it is that entry
            entry = FeedEntry.objects.get(idempotency_key=payload.idempotency_key)
        return PublishResult(external_id=str(entry.pk), url=entry_url(entry))

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
