"""Delivering a claimed post, outside any transaction: the payload (text and images), fresh
credentials, and the connector's send or check."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from approvals.media import DatabaseMediaUploads, images_for_revision
from approvals.models import Revision
from channels_app.connectors import (
    Connector,
    Credentials,
    OutcomeUnknownError,
    PermanentError,
    PostPayload,
    PublishResult,
    RetryableError,
    call_with_fresh_token,
    connector_for,
)
from channels_app.connectors.base import redact
from channels_app.encryption import CredentialsUnreadable
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.selectors import connector_credentials
from channels_app.services import brand_account_store_refreshed_credentials
from channels_app.tasks import check_connection
from publishing.engine.claim import Claim
from publishing.models import AttemptKind, AttemptOutcome

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger("socialhub.publishing")


@dataclass(frozen=True)
class Delivery:
    """What the platform said (or did not say)."""

    outcome: str
    message: str = ""
    result: PublishResult | None = None
    retry_after: float | None = None


def _saver(account: BrandAccount) -> Callable[[dict[str, str]], None]:
    def save(credentials: dict[str, str]) -> None:
        brand_account_store_refreshed_credentials(account=account, credentials=credentials)

    return save


def _have_connection_checked(account: BrandAccount) -> None:
    """Queue a check of the account's connection (channels_app): if the platform refuses the
    stored credentials, the account is marked "reconnect needed" and its managers are told."""
    try:
        check_connection.delay(account.pk)
    except Exception as exc:  # the broker is down: the daily check finds it
        logger.warning(
            "Could not queue a connection check of brand account %s (%s).",
            account.pk,
            type(exc).__name__,
        )


def _with_images(claim: Claim) -> PostPayload:
    """The claim's payload with the revision's images, read outside any transaction; uploads
    are remembered in the database so a retry never sends an accepted image twice."""
    if claim.revision_id is None or not claim.has_images:
        return claim.payload
    revision = Revision.objects.get(pk=claim.revision_id)
    images = tuple(images_for_revision(revision))
    if not images:
        return claim.payload
    return replace(claim.payload, images=images, uploads=DatabaseMediaUploads())


def _deliver(claim: Claim) -> Delivery:
    account = claim.account
    secret_values: list[str] = []
    try:
        credentials: Credentials = connector_credentials(account=account)
        connector: Connector = connector_for(account.platform)
        secret_values = [v for v in connector.secrets_in(credentials) if v]
        payload = _with_images(claim)
        if claim.kind == AttemptKind.CHECK:
            found = call_with_fresh_token(
                connector,
                credentials,
                lambda c: connector.find_existing(c, payload),
                save=_saver(account),
            )
            if found is None:
                return Delivery(AttemptOutcome.NOT_FOUND, "Not found on the platform.")
            return Delivery(AttemptOutcome.FOUND, "Found on the platform.", result=found)
        result = call_with_fresh_token(
            connector, credentials, lambda c: connector.publish(c, payload), save=_saver(account)
        )
        return Delivery(AttemptOutcome.PUBLISHED, result=result)
    except BrandAccountConnection.DoesNotExist:
        return Delivery(
            AttemptOutcome.FAILED,
            f"{account.display_name} is not connected: an org admin must enter its credentials.",
        )
    except CredentialsUnreadable:
        return Delivery(
            AttemptOutcome.FAILED,
            f"The stored credentials of {account.display_name} cannot be decrypted with the "
            "configured keys: an org admin must connect the account again.",
        )
    except OutcomeUnknownError as exc:
        kind = AttemptOutcome.RETRY if claim.kind == AttemptKind.CHECK else AttemptOutcome.UNKNOWN
        return Delivery(kind, redact(exc.message, secret_values))
    except RetryableError as exc:
        return Delivery(
            AttemptOutcome.RETRY, redact(exc.message, secret_values), retry_after=exc.retry_after
        )
    except PermanentError as exc:
        if exc.status in (401, 403):  # the platform refused who we are, not only this post
            _have_connection_checked(account)
        return Delivery(AttemptOutcome.FAILED, redact(exc.message, secret_values))
    except Exception as exc:  # a bug, a time limit, the database: the request may have left
        trace = redact("".join(traceback.format_exception(exc)), secret_values)
        logger.error("Post %s: attempt %s stopped: %s", claim.post_id, claim.number, trace)
        message = f"SocialHub stopped unexpectedly ({type(exc).__name__})."
        if claim.kind == AttemptKind.CHECK:
            return Delivery(AttemptOutcome.RETRY, message)
        return Delivery(AttemptOutcome.UNKNOWN, message)
