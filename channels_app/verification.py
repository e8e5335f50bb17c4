"""Asking the platform whether credentials work, and who they speak as, before anything is
stored (docs/design.md §4: `verify` checks credentials when they are saved and shows the identity).

The services call this before they open their transaction: a slow platform must not keep a
row locked. Nothing here writes to the database; the caller stores what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.views.decorators.debug import sensitive_variables

from channels_app.connectors import (
    ConnectedIdentity,
    ConnectorError,
    OutcomeUnknownError,
    RetryableError,
    call_with_fresh_token,
    connector_for,
)
from channels_app.handles import normalise_handle
from channels_app.models import BrandAccountConnection
from channels_app.platforms import Platform
from core.errors import InvalidInput, Unavailable


@dataclass(frozen=True)
class Verified:
    """What the platform said: who the credentials speak as, and the credentials to store (as
    given, or with an access token the platform renewed during the check)."""

    identity: ConnectedIdentity
    credentials: dict[str, str] = field(repr=False)


class CredentialsRefused(InvalidInput):
    """The platform refused the credentials (revoked token, wrong app password, no access to
    the page): 400 on `credentials`, with the platform's own message."""

    def __init__(self, message: str, *, code: str = "credentials_refused") -> None:
        super().__init__(message, field="credentials", code=code)


@sensitive_variables("credentials", "renewed")
def verify_credentials(
    platform: str,
    credentials: Mapping[str, str],
    *,
    save_renewed: Callable[[dict[str, str]], None] | None = None,
) -> Verified:
    """Ask the platform. An expired OAuth access token is renewed first where the platform
    allows; `save_renewed`, when given, stores renewed credentials at once (X rotates the
    refresh token: the old one stops working the moment it is used).

    Raises CredentialsRefused (400) when the platform says no, Unavailable (503) when it could
    not be asked. Messages are the connectors' own, with every secret blotted out.
    """
    connector = connector_for(platform)
    renewed: dict[str, str] = {}

    def keep(new: dict[str, str]) -> None:
        renewed.clear()
        renewed.update(new)
        if save_renewed is not None:
            save_renewed(new)

    try:
        identity = call_with_fresh_token(connector, credentials, connector.verify, save=keep)
    except (RetryableError, OutcomeUnknownError) as exc:
        raise Unavailable(
            f"{connector.label} could not be asked whether the credentials work: {exc.message} "
            "Nothing was changed; try again in a moment.",
            field="credentials",
            code="platform_unavailable",
        ) from exc
    except ConnectorError as exc:  # PermanentError and its kin: the platform said no
        raise CredentialsRefused(
            f"{connector.label} did not accept these credentials: {exc.message}"
        ) from exc
    return Verified(identity=identity, credentials=renewed or dict(credentials))


def identity_matches(platform: str, handle: str, identity: ConnectedIdentity) -> bool:
    """Whether the credentials speak as the registered account: its handle (written the
    platform's way), or its id on the platform (a LinkedIn organisation or a Facebook Page
    without a vanity name is registered by its number)."""
    wanted = (normalise_handle(platform, handle) or handle).lower()
    candidates = {identity.handle, identity.account_id, identity.account_id.rsplit(":", 1)[-1]}
    for candidate in filter(None, candidates):
        if (normalise_handle(platform, candidate) or candidate).lower() == wanted:
            return True
    return False


def require_same_account(platform: str, handle: str, identity: ConnectedIdentity) -> None:
    """Refuse credentials of another account: posts approved for this brand account must never
    go out under someone else's name (a personal account whose token was pasted by mistake)."""
    if identity_matches(platform, handle, identity):
        return
    label = Platform(platform).label
    raise CredentialsRefused(
        f"These credentials sign in to {label} as {identity.handle or identity.account_id}"
        f"{f' ({identity.name})' if identity.name else ''}, not as {handle}. Enter the "
        f"credentials of {handle}, or change this account's handle first if it was renamed.",
        code="other_account",
    )


def profile_link(url: str) -> str:
    """The profile address the platform gave, fit to show as a link: a web address of at most
    500 characters (anything else, say a javascript: URL, is dropped)."""
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > 500:
        return ""
    return url


def stored_identity(connection: BrandAccountConnection) -> ConnectedIdentity | None:
    """The identity stored with a connection, or None when it was never checked."""
    if connection.verified_at is None:
        return None
    return ConnectedIdentity(
        account_id=connection.identity_id,
        handle=connection.identity_handle,
        name=connection.identity_name,
        url=connection.identity_url,
        max_characters=connection.max_characters,
    )
