"""X API v2: ``POST /2/tweets`` with an OAuth 2.0 user access token (scopes tweet.read,
tweet.write, users.read, offline.access), refreshed at ``/2/oauth2/token``.

X has no idempotency key, and it refuses an identical text as duplicate content. After an
unknown outcome ``find_existing`` lists the account's recent posts and matches the text, with
X's t.co links put back to the addresses that were written.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import requests

from channels_app.connectors import oauth
from channels_app.connectors.base import (
    ConnectedIdentity,
    Credentials,
    Image,
    PermanentError,
    PostPayload,
    PublishResult,
    TokenExpiredError,
)
from channels_app.connectors.transport import (
    body_excerpt,
    json_or_empty,
    shorten,
)
from channels_app.platforms import Platform
from channels_app.rules import RULES

API_BASE_URL = "https://api.x.com"
TOKEN_URL = "https://api.x.com/2/oauth2/token"  # noqa: S105 (an address, not a secret)
RECENT_POSTS = 20


class XConnector(oauth.OAuthConnector):
    platform = Platform.X
    label = "X"
    api_base_url_default = API_BASE_URL
    token_url_default = TOKEN_URL

    def _headers(self, credentials: Credentials) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {credentials['access_token']}",
            "Accept": "application/json",
        }

    def _error(self, response: requests.Response, credentials: Credentials) -> Exception:
        body = json_or_empty(response)
        message = ""
        if isinstance(body, dict):
            # Problem details ({"title", "detail"}), with field errors in "errors" for a 400.
            errors = body.get("errors")
            details = (
                [str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message")]
                if isinstance(errors, list)
                else []
            )
            message = "; ".join(details) or str(body.get("detail") or body.get("title") or "")
        text = f"X: {message}" if message else f"X: {body_excerpt(response)}"
        if response.status_code == 401:
            # X answers a plain 401 for an expired user token: refresh, then try once more.
            return TokenExpiredError(shorten(text), platform=self.platform, status=401)
        return self.http.error_for(response, text, secrets=self.secrets_in(credentials))

    def _me(self, credentials: Credentials) -> dict[str, Any]:
        body = self._get(credentials, "/2/users/me", None)
        return body.get("data") or {}

    # --- the interface ---------------------------------------------------------------------

    def _upload(self, credentials: Credentials, image: Image) -> str:
        """``POST /2/media/upload`` (multipart), then the alt text with ``/2/media/metadata``;
        the media id once both were accepted."""
        category = "tweet_gif" if image.content_type == "image/gif" else "tweet_image"
        response = self.http.request(
            "POST",
            self.api_base_url + "/2/media/upload",
            sends=False,  # media no post uses publishes nothing (X expires it)
            secrets=self.secrets_in(credentials),
            headers=self._headers(credentials),
            files={"media": (f"image.{image.extension}", image.data, image.content_type)},
            data={"media_category": category},
        )
        if response.status_code not in (200, 201):
            raise self._error(response, credentials)
        data = (json_or_empty(response) or {}).get("data") or {}
        media_id = str(data.get("id") or "")
        if not media_id:
            raise PermanentError(
                f"X accepted the image but answered without a media id ({body_excerpt(response)}).",
                platform=self.platform,
            )
        if image.alt_text:
            response = self.http.request(
                "POST",
                self.api_base_url + "/2/media/metadata",
                sends=False,
                secrets=self.secrets_in(credentials),
                headers={**self._headers(credentials), "Content-Type": "application/json"},
                json={"id": media_id, "metadata": {"alt_text": {"text": image.alt_text}}},
            )
            if response.status_code not in (200, 201):
                raise self._error(response, credentials)
        return media_id

    def publish(self, credentials: Credentials, payload: PostPayload) -> PublishResult:
        self.check_credentials(credentials)
        self.check_images(payload)
        media_ids = [
            self.upload_once(payload, image, partial(self._upload, credentials, image))
            for image in payload.images
        ]
        body: dict[str, Any] = {"text": payload.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        response = self.http.request(
            "POST",
            self.api_base_url + "/2/tweets",
            sends=True,
            secrets=self.secrets_in(credentials),
            headers={**self._headers(credentials), "Content-Type": "application/json"},
            json=body,
        )
        if response.status_code not in (200, 201):
            raise self._error(response, credentials)
        data = (json_or_empty(response) or {}).get("data") or {}
        if not data.get("id"):
            raise PermanentError(
                f"X accepted the post but answered without an id ({body_excerpt(response)}).",
                platform=self.platform,
            )
        return _result(str(data["id"]))

    def find_existing(self, credentials: Credentials, payload: PostPayload) -> PublishResult | None:
        me = self._me(credentials)
        body = self._get(
            credentials,
            f"/2/users/{me['id']}/tweets",
            {"max_results": RECENT_POSTS, "tweet.fields": "created_at,entities"},
        )
        wanted = " ".join(payload.text.split())
        for post in body.get("data") or []:
            if " ".join(_as_written(post).split()) == wanted:
                return _result(str(post["id"]))
        return None

    def verify(self, credentials: Credentials) -> ConnectedIdentity:
        me = self._me(credentials)
        username = me.get("username") or ""
        return ConnectedIdentity(
            account_id=str(me.get("id", "")),
            handle=f"@{username}",
            name=me.get("name") or username,
            url=f"https://x.com/{username}" if username else "",
            max_characters=RULES[Platform.X].max_length,
        )

    def refresh(self, credentials: Credentials) -> dict[str, str]:
        self.check_credentials(credentials)
        return oauth.refresh_token_grant(
            self.http,
            token_url=self.token_url,
            credentials=credentials,
            secrets=self.secrets_in(credentials),
            client_id=credentials["client_id"],
            client_secret=credentials.get("client_secret", ""),
            secret_in_basic_auth=True,  # a confidential client authenticates with Basic auth
        )


def _as_written(post: dict[str, Any]) -> str:
    """The post's text with t.co links back to what was written and entities unescaped."""
    text = str(post.get("text") or "")
    for url in (post.get("entities") or {}).get("urls") or []:
        short, expanded = url.get("url"), url.get("expanded_url")
        if short and expanded:
            text = text.replace(short, expanded)
    return html.unescape(text)


def _result(post_id: str) -> PublishResult:
    return PublishResult(external_id=post_id, url=f"https://x.com/i/web/status/{post_id}")
