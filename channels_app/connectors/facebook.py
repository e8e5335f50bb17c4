"""Facebook Pages: ``POST /{version}/{page-id}/feed`` with the Page access token.

The Graph API has no idempotency key. After an unknown outcome ``find_existing`` lists the
Page's recent posts (``/{page-id}/posts``) and matches the message. A Page token obtained from
a long-lived user token does not expire, so there is nothing to refresh: an invalid token
(error code 190) means the account must be reconnected.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any
from urllib.parse import quote

import requests

from channels_app.connectors.base import (
    ConnectedIdentity,
    Connector,
    Credentials,
    Image,
    PermanentError,
    PostPayload,
    PublishResult,
    RetryableError,
    redact,
)
from channels_app.connectors.transport import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    PlatformHttp,
    body_excerpt,
    json_or_empty,
    parse_retry_after,
    shorten,
)
from channels_app.platforms import Platform

API_BASE_URL = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"
RECENT_POSTS = 25
# Graph API error codes that pass with time: 1 unknown, 2 service, 4/17/32/613 and 80001
# rate limits (application, user, page, custom, Pages API).
TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 613, 80001}
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001}
DEFAULT_RATE_LIMIT_WAIT = 300.0  # Graph rate limits say nothing about when they lift


class FacebookConnector(Connector):
    platform = Platform.FACEBOOK
    label = "Facebook"

    def __init__(
        self,
        *,
        api_base_url: str | None = None,
        graph_version: str = GRAPH_VERSION,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.api_base_url = (api_base_url or API_BASE_URL).rstrip("/")
        self.graph_version = graph_version
        self.http = PlatformHttp(
            platform=self.platform,
            label=self.label,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )

    def _url(self, credentials: Credentials, suffix: str = "") -> str:
        page_id = quote(credentials["page_id"].strip(), safe="")
        return f"{self.api_base_url}/{self.graph_version}/{page_id}{suffix}"

    def _headers(self, credentials: Credentials) -> dict[str, str]:
        # The token goes in the Authorization header, never the URL, so it cannot end up in a
        # log line or an exception that names the URL.
        return {
            "Authorization": f"Bearer {credentials['page_access_token']}",
            "Accept": "application/json",
        }

    def _error(self, response: requests.Response, credentials: Credentials) -> Exception:
        body = json_or_empty(response)
        error = body.get("error") if isinstance(body, dict) else None
        secrets = self.secrets_in(credentials)
        if not isinstance(error, dict):
            return self.http.error_for(
                response, f"Facebook: {body_excerpt(response)}", secrets=secrets
            )
        code = error.get("code")
        message = str(error.get("error_user_msg") or error.get("message") or "")
        text = shorten(redact(f"Facebook: {message} (code {code})", secrets))
        if code in RATE_LIMIT_CODES:
            wait = parse_retry_after(response.headers) or DEFAULT_RATE_LIMIT_WAIT
            return RetryableError(
                text, platform=self.platform, status=response.status_code, retry_after=wait
            )
        if code in TRANSIENT_CODES or error.get("is_transient") or response.status_code >= 500:
            return RetryableError(
                text,
                platform=self.platform,
                status=response.status_code,
                retry_after=parse_retry_after(response.headers),
            )
        # 190 invalid token, 200-299 permissions, 100 bad parameter, 368 blocked, 506 duplicate.
        return PermanentError(text, platform=self.platform, status=response.status_code)

    def _get(self, credentials: Credentials, suffix: str, params: dict[str, Any]) -> Any:
        self.check_credentials(credentials)
        response = self.http.request(
            "GET",
            self._url(credentials, suffix),
            sends=False,
            secrets=self.secrets_in(credentials),
            headers=self._headers(credentials),
            params=params,
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        return json_or_empty(response)

    # --- the interface ---------------------------------------------------------------------

    def _upload(self, credentials: Credentials, image: Image) -> str:
        """An unpublished Page photo (``/{page-id}/photos`` with ``published=false``) and its
        alt text; the photo id, which the feed post then attaches."""
        form = {"published": "false"}
        if image.alt_text:
            form["alt_text_custom"] = image.alt_text
        response = self.http.request(
            "POST",
            self._url(credentials, "/photos"),
            sends=False,  # an unpublished photo shows nowhere until a post attaches it
            secrets=self.secrets_in(credentials),
            headers=self._headers(credentials),
            files={"source": (f"image.{image.extension}", image.data, image.content_type)},
            data=form,
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        photo_id = (json_or_empty(response) or {}).get("id")
        if not photo_id:
            raise PermanentError(
                f"Facebook accepted the photo but answered without an id "
                f"({body_excerpt(response)}).",
                platform=self.platform,
            )
        return str(photo_id)

    def publish(self, credentials: Credentials, payload: PostPayload) -> PublishResult:
        self.check_credentials(credentials)
        self.check_images(payload)
        form: dict[str, str] = {"message": payload.text}
        for index, image in enumerate(payload.images):
            photo_id = self.upload_once(payload, image, partial(self._upload, credentials, image))
            form[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo_id})
        response = self.http.request(
            "POST",
            self._url(credentials, "/feed"),
            sends=True,
            secrets=self.secrets_in(credentials),
            headers=self._headers(credentials),
            data=form,
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        post_id = (json_or_empty(response) or {}).get("id")
        if not post_id:
            raise PermanentError(
                f"Facebook accepted the post but answered without an id "
                f"({body_excerpt(response)}).",
                platform=self.platform,
            )
        return _result(str(post_id), "")

    def find_existing(self, credentials: Credentials, payload: PostPayload) -> PublishResult | None:
        body = self._get(
            credentials,
            "/posts",
            {"fields": "id,message,permalink_url,created_time", "limit": RECENT_POSTS},
        )
        wanted = " ".join(payload.text.split())
        for post in body.get("data") or []:
            if " ".join(str(post.get("message") or "").split()) == wanted and post.get("id"):
                return _result(str(post["id"]), str(post.get("permalink_url") or ""))
        return None

    def verify(self, credentials: Credentials) -> ConnectedIdentity:
        page = self._get(credentials, "", {"fields": "id,name,username,link"})
        username = page.get("username") or ""
        return ConnectedIdentity(
            account_id=str(page.get("id") or credentials["page_id"]),
            handle=username or str(page.get("id") or ""),
            name=page.get("name") or username,
            url=page.get("link") or "",
        )


def _result(post_id: str, permalink: str) -> PublishResult:
    return PublishResult(
        external_id=post_id, url=permalink or f"https://www.facebook.com/{quote(post_id)}"
    )
