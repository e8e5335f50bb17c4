"""What the OAuth 2.0 platforms (LinkedIn, X) share: their connectors' base class, when an
access token counts as expired, and the refresh-token grant."""

from __future__ import annotations

from abc import abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests

from channels_app.connectors.base import Connector, Credentials, PermanentError
from channels_app.connectors.transport import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    PlatformHttp,
    body_excerpt,
    json_or_empty,
    utc_from_credential,
)

# Refresh a little before the platform's own expiry, so a post is not sent with a token that
# dies on the way.
EXPIRY_MARGIN = timedelta(minutes=2)


def token_expired(credentials: Credentials, *, now: datetime | None = None) -> bool:
    expires_at = utc_from_credential(credentials.get("expires_at", ""))
    if expires_at is None:
        return False  # unknown: try it, and refresh if the platform says it expired
    return expires_at - EXPIRY_MARGIN <= (now or datetime.now(UTC))


def refresh_token_grant(
    http: PlatformHttp,
    *,
    token_url: str,
    credentials: Credentials,
    secrets: list[str],
    client_id: str,
    client_secret: str,
    secret_in_basic_auth: bool,
) -> dict[str, str]:
    """POST the refresh-token grant and return the credentials with the new tokens in place.
    Platforms that rotate refresh tokens send a new one; otherwise the old one stays."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": credentials["refresh_token"],
        "client_id": client_id,
    }
    auth = None
    if client_secret and secret_in_basic_auth:
        auth = (client_id, client_secret)
    elif client_secret:
        form["client_secret"] = client_secret
    response = http.request(
        "POST",
        token_url,
        sends=False,  # a lost refresh answer publishes nothing; the next attempt refreshes again
        secrets=secrets,
        data=form,
        auth=auth,
        headers={"Accept": "application/json"},
    )
    body = json_or_empty(response)
    if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
        detail = ""
        if isinstance(body, dict):
            detail = str(body.get("error_description") or body.get("error") or "")
        error = http.error_for(
            response,
            f"{http.label} refused to refresh the access token: "
            f"{detail or body_excerpt(response)}. Reconnect the account if this persists.",
            secrets=secrets,
        )
        if response.status_code == 200:
            raise PermanentError(error.message, platform=http.platform, status=200)
        raise error
    updated = dict(credentials)
    updated["access_token"] = str(body["access_token"])
    if body.get("refresh_token"):
        updated["refresh_token"] = str(body["refresh_token"])
    if body.get("expires_in"):
        expires = datetime.now(UTC) + timedelta(seconds=int(body["expires_in"]))
        updated["expires_at"] = expires.replace(microsecond=0).isoformat()
    return updated


class OAuthConnector(Connector):
    """A connector whose API takes an OAuth 2.0 bearer token that expires and is renewed with
    a refresh token. Subclasses name their API and token addresses and implement ``refresh``
    (each platform authenticates its client its own way)."""

    supports_refresh = True
    api_base_url_default: ClassVar[str]
    token_url_default: ClassVar[str]

    def __init__(
        self,
        *,
        api_base_url: str | None = None,
        token_url: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        # Other addresses only for tests (local stand-ins speaking the platform's HTTP).
        self.api_base_url = (api_base_url or self.api_base_url_default).rstrip("/")
        self.token_url = token_url or self.token_url_default
        self.http = PlatformHttp(
            platform=self.platform,
            label=self.label,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )

    def needs_refresh(self, credentials: Credentials) -> bool:
        return token_expired(credentials)

    @abstractmethod
    def _headers(self, credentials: Credentials) -> dict[str, str]:
        """The bearer token and the platform's own request headers."""

    @abstractmethod
    def _error(self, response: requests.Response, credentials: Credentials) -> Exception:
        """The platform's error body as a ConnectorError (TokenExpiredError when expired)."""

    def _get(self, credentials: Credentials, path: str, params: dict[str, Any] | None) -> Any:
        self.check_credentials(credentials)
        response = self.http.request(
            "GET",
            self.api_base_url + path,
            sends=False,
            secrets=self.secrets_in(credentials),
            headers=self._headers(credentials),
            params=params,
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        return json_or_empty(response)
