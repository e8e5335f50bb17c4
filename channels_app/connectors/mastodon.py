"""Mastodon: ``POST /api/v1/statuses`` with the post's own ``Idempotency-Key``.

Mastodon remembers an Idempotency-Key per account (for an hour on mastodon.social's software):
a resend with the same key returns the status the first request created instead of a second
one. ``find_existing`` also looks through the account's recent statuses, so an unknown outcome
older than that window is caught too.
"""

from __future__ import annotations

import time
from functools import partial
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from channels_app.connectors.base import (
    ConnectedIdentity,
    Connector,
    Credentials,
    Image,
    PermanentError,
    PostPayload,
    PublishResult,
    RetryableError,
)
from channels_app.connectors.transport import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    PlatformHttp,
    body_excerpt,
    check_base_url,
    json_or_empty,
)
from channels_app.platforms import Platform

RECENT_STATUSES = 40  # Mastodon's page size limit
# Mastodon processes large media after answering 202: ask again this often, this many times.
MEDIA_POLL_INTERVAL = 1.0
MEDIA_POLLS = 10


class MastodonConnector(Connector):
    platform = Platform.MASTODON
    label = "Mastodon"

    def __init__(
        self, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT
    ) -> None:
        self.http = PlatformHttp(
            platform=self.platform,
            label=self.label,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )

    # --- helpers ---------------------------------------------------------------------------

    def _base(self, credentials: Credentials) -> str:
        self.check_credentials(credentials)
        return check_base_url(
            credentials["instance_url"], what="The Mastodon instance URL", platform=self.platform
        )

    def _headers(self, credentials: Credentials) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {credentials['access_token']}",
            "Accept": "application/json",
        }

    def _get(self, credentials: Credentials, path: str, **params: Any) -> Any:
        response = self.http.request(
            "GET",
            self._base(credentials) + path,
            sends=False,
            secrets=self.secrets_in(credentials),
            headers=self._headers(credentials),
            params=params or None,
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        return json_or_empty(response)

    def _error(self, response: Any, credentials: Credentials) -> Exception:
        body = json_or_empty(response)
        message = ""
        if isinstance(body, dict):
            message = str(body.get("error") or "")
            description = str(body.get("error_description") or "")
            if description:
                message = f"{message}: {description}" if message else description
        return self.http.error_for(
            response,
            f"Mastodon: {message}" if message else f"Mastodon: {body_excerpt(response)}",
            secrets=self.secrets_in(credentials),
        )

    # --- the interface ---------------------------------------------------------------------

    def _upload(self, credentials: Credentials, image: Image) -> str:
        """``POST /api/v2/media`` with the alt text as ``description``; the media id once
        Mastodon has processed the file (202 means: still processing, ask again)."""
        response = self.http.request(
            "POST",
            self._base(credentials) + "/api/v2/media",
            sends=False,  # an unattached upload publishes nothing; Mastodon discards it later
            secrets=self.secrets_in(credentials),
            headers=self._headers(credentials),
            files={"file": (f"image.{image.extension}", image.data, image.content_type)},
            data={"description": image.alt_text} if image.alt_text else None,
        )
        if response.status_code not in (200, 202):
            raise self._error(response, credentials)
        media = json_or_empty(response)
        if not isinstance(media, dict) or not media.get("id"):
            raise PermanentError(
                "Mastodon accepted the image but answered without an id "
                f"({body_excerpt(response)}).",
                platform=self.platform,
            )
        media_id = str(media["id"])
        polls = 0
        while response.status_code == 202 or not media.get("url"):
            if polls >= MEDIA_POLLS:
                raise RetryableError(
                    "Mastodon is still processing the image; try again shortly.",
                    platform=self.platform,
                    retry_after=30,
                )
            polls += 1
            time.sleep(MEDIA_POLL_INTERVAL)
            response = self.http.request(
                "GET",
                f"{self._base(credentials)}/api/v1/media/{media_id}",
                sends=False,
                secrets=self.secrets_in(credentials),
                headers=self._headers(credentials),
            )
            if response.status_code not in (200, 206):
                raise self._error(response, credentials)
            media = json_or_empty(response) or {}
            if response.status_code == 206:
                media = {**media, "url": None}
        return media_id

    def publish(self, credentials: Credentials, payload: PostPayload) -> PublishResult:
        self.check_images(payload)
        media_ids = [
            self.upload_once(payload, image, partial(self._upload, credentials, image))
            for image in payload.images
        ]
        status_body: dict[str, Any] = {"status": payload.text, "visibility": "public"}
        if media_ids:
            status_body["media_ids"] = media_ids
        response = self.http.request(
            "POST",
            self._base(credentials) + "/api/v1/statuses",
            sends=True,
            secrets=self.secrets_in(credentials),
            headers={**self._headers(credentials), "Idempotency-Key": payload.idempotency_key},
            json=status_body,
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        status = json_or_empty(response)
        if not isinstance(status, dict) or not status.get("id"):
            raise PermanentError(
                f"Mastodon accepted the post but answered without a status id "
                f"({body_excerpt(response)}).",
                platform=self.platform,
            )
        return _result(status)

    def find_existing(self, credentials: Credentials, payload: PostPayload) -> PublishResult | None:
        account = self._get(credentials, "/api/v1/accounts/verify_credentials")
        statuses = self._get(
            credentials,
            f"/api/v1/accounts/{account['id']}/statuses",
            limit=RECENT_STATUSES,
            exclude_reblogs="true",
        )
        wanted = _comparable(payload.text)
        for status in statuses if isinstance(statuses, list) else []:
            text = status.get("text") or html_to_text(status.get("content") or "")
            if _comparable(text) == wanted:
                return _result(status)
        return None

    def verify(self, credentials: Credentials) -> ConnectedIdentity:
        account = self._get(credentials, "/api/v1/accounts/verify_credentials")
        max_characters, domain = self._instance_limits(credentials)
        username = account.get("username") or account.get("acct") or ""
        return ConnectedIdentity(
            account_id=str(account.get("id", "")),
            handle=f"@{username}@{domain}" if domain else f"@{username}",
            name=account.get("display_name") or username,
            url=account.get("url") or "",
            max_characters=max_characters,
        )

    def _instance_limits(self, credentials: Credentials) -> tuple[int | None, str]:
        """The instance's own status length limit (v2 instance API, else v1) and its domain."""
        base = self._base(credentials)
        domain = urlsplit(base).netloc
        for path in ("/api/v2/instance", "/api/v1/instance"):
            response = self.http.request(
                "GET",
                base + path,
                sends=False,
                secrets=self.secrets_in(credentials),
                headers=self._headers(credentials),
            )
            if response.status_code != 200:
                continue
            instance = json_or_empty(response)
            if not isinstance(instance, dict):
                continue
            statuses = (instance.get("configuration") or {}).get("statuses") or {}
            limit = statuses.get("max_characters") or instance.get("max_toot_chars")
            domain = instance.get("domain") or instance.get("uri") or domain
            if limit:
                return int(limit), domain
        return None, domain


def _result(status: dict[str, Any]) -> PublishResult:
    return PublishResult(
        external_id=str(status["id"]), url=str(status.get("url") or status.get("uri") or "")
    )


class _TextExtractor(HTMLParser):
    """Mastodon's status HTML back to the text typed: paragraphs and line breaks as newlines,
    links as their full address (Mastodon hides parts of long URLs in invisible spans)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _comparable(text: str) -> str:
    return " ".join(text.split())
