"""LinkedIn Posts API: ``POST /rest/posts`` as the organization, with the versioned headers
(``LinkedIn-Version``, ``X-Restli-Protocol-Version: 2.0.0``); the new post's URN comes back in
the ``x-restli-id`` header.

LinkedIn has no idempotency key. After an unknown outcome ``find_existing`` lists the
organization's recent posts (``GET /rest/posts?q=author``) and matches the commentary.
Access tokens live 60 days and refresh with the refresh-token grant (the LinkedIn app's client
id and secret are needed for that).

Incoming items: comments on the organization's recent posts and the replies under them
(``GET /rest/socialActions/{urn}/comments``), read forward from the time of the newest comment
seen. A reply is a comment in the same thread (``parentComment``), written as the
organization. LinkedIn has no private replies to comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

import regex
import requests

from channels_app.connectors import oauth
from channels_app.connectors.base import (
    ConnectedIdentity,
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
    RetryableError,
    TokenExpiredError,
)
from channels_app.connectors.engagement_figures import count
from channels_app.connectors.incoming import (
    Candidate,
    MalformedItem,
    collect,
    decode_cursor,
    encode_cursor,
    is_new,
    take_forward,
    text_field,
    time_from_millis,
)
from channels_app.connectors.transport import (
    LOOPBACK_HOSTS,
    body_excerpt,
    json_or_empty,
    shorten,
)
from channels_app.platforms import Platform

API_BASE_URL = "https://api.linkedin.com"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105 (an address, not a secret)
# LinkedIn supports each monthly version for a year; move this forward with each review.
LINKEDIN_VERSION = "202610"
RECENT_POSTS = 20
EXPIRED_TOKEN_CODES = {65601, "EXPIRED_ACCESS_TOKEN"}
# The read side: comments on this many of the organization's latest posts, in pages of this
# size, at most this many pages per post or comment thread per poll.
INCOMING_POSTS = 20
COMMENTS_PAGE = 100
COMMENT_PAGES = 5

# "Little text" is the commentary's markup: these characters must be backslash-escaped to be
# shown as typed (LinkedIn answers 422, or drops text, otherwise).
_RESERVED = regex.compile(r"([\\|{}@\[\]()<>#*_~])")
_HASHTAG = regex.compile(r"(?<![\w#])#(\p{L}[\p{L}\p{N}_]*)")


def little_text(text: str) -> str:
    """The post's text as LinkedIn commentary: reserved characters escaped, and hashtags as
    LinkedIn's hashtag template so they become real hashtags."""
    out: list[str] = []
    position = 0
    for match in _HASHTAG.finditer(text):
        out.append(_RESERVED.sub(r"\\\1", text[position : match.start()]))
        out.append("{hashtag|\\#|" + _RESERVED.sub(r"\\\1", match.group(1)) + "}")
        position = match.end()
    out.append(_RESERVED.sub(r"\\\1", text[position:]))
    return "".join(out)


class LinkedInConnector(oauth.OAuthConnector):
    platform = Platform.LINKEDIN
    label = "LinkedIn"
    api_base_url_default = API_BASE_URL
    token_url_default = TOKEN_URL
    reads_incoming = True
    can_reply = True
    # Organization share statistics for up to 20 posts a call.
    reads_engagement = True
    engagement_batch_size = 20

    def _headers(self, credentials: Credentials) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {credentials['access_token']}",
            "LinkedIn-Version": LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
            "Accept": "application/json",
        }

    def _author(self, credentials: Credentials) -> str:
        return f"urn:li:organization:{credentials['organization_id'].strip()}"

    def _error(self, response: requests.Response, credentials: Credentials) -> Exception:
        body = json_or_empty(response)
        message = ""
        code: Any = None
        if isinstance(body, dict):
            message = str(body.get("message") or "")
            code = body.get("serviceErrorCode") or body.get("code")
        text = f"LinkedIn: {message}" if message else f"LinkedIn: {body_excerpt(response)}"
        if response.status_code == 401 and (
            code in EXPIRED_TOKEN_CODES or "expired" in message.lower()
        ):
            return TokenExpiredError(shorten(text), platform=self.platform, status=401)
        return self.http.error_for(response, text, secrets=self.secrets_in(credentials))

    # --- the interface ---------------------------------------------------------------------

    def fetch_engagement(
        self, credentials: Credentials, external_ids: Sequence[str]
    ) -> EngagementBatch:
        """Likes, comments, reposts and impressions of the organization's posts:
        ``organizationalEntityShareStatistics`` (Rest.li 2.0: ``List(…)`` of encoded URNs),
        one call for shares and one for UGC posts when the batch has both."""
        urns = self._engagement_ids(external_ids)
        organization = self._author(credentials)
        found: dict[str, Engagement] = {}
        for key, field_name, prefix in (
            ("shares", "share", "urn:li:share:"),
            ("ugcPosts", "ugcPost", "urn:li:ugcPost:"),
        ):
            chosen = [urn for urn in urns if urn.startswith(prefix)]
            if not chosen:
                continue
            listed = ",".join(quote(urn, safe="") for urn in chosen)
            query = (
                f"q=organizationalEntity&organizationalEntity={quote(organization, safe='')}"
                f"&{key}=List({listed})"
            )
            body = self._get(
                credentials, f"/rest/organizationalEntityShareStatistics?{query}", None
            )
            elements = body.get("elements") if isinstance(body, dict) else None
            for element in elements if isinstance(elements, list) else []:
                totals = element.get("totalShareStatistics") if isinstance(element, dict) else None
                if isinstance(totals, dict) and element.get(field_name) in chosen:
                    found[str(element[field_name])] = Engagement(
                        likes=count(totals.get("likeCount")),
                        reposts=count(totals.get("shareCount")),
                        replies=count(totals.get("commentCount")),
                        views=count(totals.get("impressionCount")),
                    )
        missing = {
            urn: "LinkedIn reports no statistics for this post (deleted, or not the "
            "organization's)."
            for urn in urns
            if urn not in found
        }
        return EngagementBatch(found=found, missing=missing)

    def _upload_url_allowed(self, url: str) -> bool:
        """The token goes only to LinkedIn's own upload hosts (or the API host we were given,
        for a local stand-in), never wherever an answer points."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme == "https" and (host == "linkedin.com" or host.endswith(".linkedin.com")):
            return True
        own = urlsplit(self.api_base_url)
        return host == (own.hostname or "").lower() and (
            parts.scheme == "https" or host in LOOPBACK_HOSTS
        )

    def _upload(self, credentials: Credentials, image: Image) -> str:
        """Images API: ``initializeUpload`` for the organization, then ``PUT`` the bytes to the
        upload URL it gives; the image URN once LinkedIn took the bytes."""
        response = self.http.request(
            "POST",
            self.api_base_url + "/rest/images",
            sends=False,  # an image no post refers to publishes nothing
            secrets=self.secrets_in(credentials),
            headers={**self._headers(credentials), "Content-Type": "application/json"},
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": self._author(credentials)}},
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        value = (json_or_empty(response) or {}).get("value") or {}
        upload_url, urn = str(value.get("uploadUrl") or ""), str(value.get("image") or "")
        if not upload_url or not urn:
            raise PermanentError(
                f"LinkedIn answered the image upload without an upload URL or image URN "
                f"({body_excerpt(response)}).",
                platform=self.platform,
            )
        if not self._upload_url_allowed(upload_url):
            raise PermanentError(
                "LinkedIn answered with an upload address outside linkedin.com; not sending the "
                "image there.",
                platform=self.platform,
            )
        response = self.http.request(
            "PUT",
            upload_url,
            sends=False,
            secrets=self.secrets_in(credentials),
            headers={
                "Authorization": f"Bearer {credentials['access_token']}",
                "Content-Type": "application/octet-stream",
            },
            data=image.data,
        )
        if response.status_code not in (200, 201):
            raise self._error(response, credentials)
        return urn

    def _content(self, credentials: Credentials, payload: PostPayload) -> dict[str, Any] | None:
        """One image: ``content.media``; two or more: ``content.multiImage``."""
        entries = []
        for image in payload.images:
            urn = self.upload_once(payload, image, partial(self._upload, credentials, image))
            entry = {"id": urn}
            if image.alt_text:
                entry["altText"] = image.alt_text
            entries.append(entry)
        if not entries:
            return None
        if len(entries) == 1:
            return {"media": entries[0]}
        return {"multiImage": {"images": entries}}

    def publish(self, credentials: Credentials, payload: PostPayload) -> PublishResult:
        self.check_credentials(credentials)
        self.check_images(payload)
        target = self.check_reply(payload)
        if target is not None:
            return self._reply(credentials, payload, target)
        post: dict[str, Any] = {
            "author": self._author(credentials),
            "commentary": little_text(payload.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        content = self._content(credentials, payload)
        if content is not None:
            post["content"] = content
        response = self.http.request(
            "POST",
            self.api_base_url + "/rest/posts",
            sends=True,
            secrets=self.secrets_in(credentials),
            headers={**self._headers(credentials), "Content-Type": "application/json"},
            json=post,
        )
        if response.status_code not in (200, 201):
            raise self._error(response, credentials)
        urn = response.headers.get("x-restli-id") or ""
        if not urn:
            raise PermanentError(
                "LinkedIn accepted the post but sent no x-restli-id header.",
                platform=self.platform,
                status=response.status_code,
            )
        return _result(urn)

    def find_existing(self, credentials: Credentials, payload: PostPayload) -> PublishResult | None:
        if payload.reply_to is not None:
            return self._find_reply(credentials, payload, payload.reply_to)
        body = self._get(
            credentials,
            "/rest/posts",
            {
                "q": "author",
                "author": self._author(credentials),
                "count": RECENT_POSTS,
                "sortBy": "LAST_MODIFIED",
            },
        )
        wanted = little_text(payload.text)
        for post in (body.get("elements") or []) if isinstance(body, dict) else []:
            if post.get("commentary") == wanted and post.get("id"):
                return _result(str(post["id"]))
        return None

    def verify(self, credentials: Credentials) -> ConnectedIdentity:
        org_id = credentials.get("organization_id", "").strip()
        organization = self._get(credentials, f"/rest/organizations/{quote(org_id)}", None)
        vanity = organization.get("vanityName") or ""
        return ConnectedIdentity(
            account_id=self._author(credentials),
            handle=vanity or org_id,
            name=organization.get("localizedName") or vanity or org_id,
            url=f"https://www.linkedin.com/company/{vanity}/" if vanity else "",
        )

    def refresh(self, credentials: Credentials) -> dict[str, str]:
        self.check_credentials(credentials)
        client_id = credentials.get("client_id", "")
        client_secret = credentials.get("client_secret", "")
        if not client_id or not client_secret:
            raise PermanentError(
                "The LinkedIn access token expired and cannot be refreshed without the "
                "LinkedIn app's client id and secret: reconnect the account.",
                platform=self.platform,
            )
        return oauth.refresh_token_grant(
            self.http,
            token_url=self.token_url,
            credentials=credentials,
            secrets=self.secrets_in(credentials),
            client_id=client_id,
            client_secret=client_secret,
            secret_in_basic_auth=False,  # LinkedIn wants both in the form body
        )

    # --- replies ---------------------------------------------------------------------------

    def _reply(
        self, credentials: Credentials, payload: PostPayload, target: ReplyTarget
    ) -> PublishResult:
        if payload.images:
            raise PermanentError(
                "Replies on LinkedIn carry text only; remove the images.", platform=self.platform
            )
        thread, post = _comment_thread(target), target.raw_ref.get("object", "")
        if not post:
            raise PermanentError(
                "A LinkedIn reply needs the post the comment belongs to; read the item again.",
                platform=self.platform,
            )
        response = self.http.request(
            "POST",
            f"{self.api_base_url}/rest/socialActions/{quote(thread, safe='')}/comments",
            sends=True,
            secrets=self.secrets_in(credentials),
            headers={**self._headers(credentials), "Content-Type": "application/json"},
            json={
                "actor": self._author(credentials),
                "object": post,
                "message": {"text": payload.text},
                "parentComment": thread,
            },
        )
        if response.status_code not in (200, 201):
            raise self._error(response, credentials)
        body = json_or_empty(response)
        urn = ""
        if isinstance(body, dict):
            urn = str(body.get("commentUrn") or body.get("$URN") or "")
        created = response.headers.get("x-restli-id") or ""
        if not urn and created:
            urn = created if created.startswith("urn:") else f"urn:li:comment:({post},{created})"
        if not urn:
            raise PermanentError(
                "LinkedIn accepted the reply but named no comment.",
                platform=self.platform,
                status=response.status_code,
            )
        return _comment_result(urn, post)

    def _find_reply(
        self, credentials: Credentials, payload: PostPayload, target: ReplyTarget
    ) -> PublishResult | None:
        thread, post = _comment_thread(target), target.raw_ref.get("object", "")
        me = self._author(credentials)
        for comment in self._comments(credentials, thread):
            if (
                isinstance(comment, dict)
                and comment.get("actor") == me
                and (comment.get("message") or {}).get("text") == payload.text
            ):
                urn = str(comment.get("commentUrn") or comment.get("$URN") or "")
                if urn:
                    return _comment_result(urn, post or str(comment.get("object") or ""))
        return None

    # --- incoming items --------------------------------------------------------------------

    def _comments(self, credentials: Credentials, urn: str) -> list[Any]:
        """The comments on a post, or the replies under a comment, page by page (bounded)."""
        found: list[Any] = []
        for page in range(COMMENT_PAGES):
            body = self._get(
                credentials,
                f"/rest/socialActions/{quote(urn, safe='')}/comments",
                {"start": page * COMMENTS_PAGE, "count": COMMENTS_PAGE},
            )
            elements = body.get("elements") if isinstance(body, dict) else None
            if not isinstance(elements, list):
                raise RetryableError(
                    "LinkedIn answered a comments request without elements.",
                    platform=self.platform,
                )
            found += elements
            if len(elements) < COMMENTS_PAGE:
                break
        return found

    def fetch_incoming(
        self, credentials: Credentials, *, cursor: str | None, limit: int = COMMENTS_PAGE
    ) -> IncomingPage:
        """Comments (and replies under them) on the organization's latest posts since the
        cursor: the time (milliseconds) of the newest comment handed over and the ids seen at
        that moment. Of what is new, the oldest ``limit`` are handed over."""
        self.check_credentials(credentials)
        me = self._author(credentials)
        mark = decode_cursor(cursor, platform=self.platform).get("c")
        posts = self._get(
            credentials,
            "/rest/posts",
            {"q": "author", "author": me, "count": INCOMING_POSTS, "sortBy": "LAST_MODIFIED"},
        )
        candidates: list[Candidate] = []
        skipped = 0
        for post in (posts.get("elements") or []) if isinstance(posts, dict) else []:
            if not isinstance(post, dict) or not post.get("id"):
                continue
            post_urn = str(post["id"])
            comments = self._comments(credentials, post_urn)
            threads = [
                str(c.get("commentUrn") or c.get("$URN"))
                for c in comments
                if isinstance(c, dict)
                and _has_replies(c)
                and (c.get("commentUrn") or c.get("$URN"))
            ]
            for thread in threads:
                comments += self._comments(credentials, thread)
            parse = partial(_comment_item, me, post_urn)
            items, bad = collect(self.platform, comments, parse, what="comment")
            skipped += bad
            for item in items:
                moment = round(item.created_at.timestamp() * 1000)
                if is_new(moment, item.platform_item_id, mark):
                    candidates.append(Candidate(moment, item.platform_item_id, item))
        taken, mark, more = take_forward(candidates, mark, limit)
        return IncomingPage(
            items=tuple(taken),
            cursor=encode_cursor({"c": mark}) if mark else None,
            more=more,
            skipped=skipped,
        )


def _has_replies(comment: dict[str, Any]) -> bool:
    summary = comment.get("commentsSummary")
    if not isinstance(summary, dict):
        return False
    count = summary.get("aggregatedTotalComments") or summary.get("totalFirstLevelComments")
    return isinstance(count, int) and count > 0


def _comment_item(me: str, post_urn: str, raw: Any) -> IncomingItem | None:
    if not isinstance(raw, dict):
        raise MalformedItem("comment is not an object")
    urn = str(raw.get("commentUrn") or raw.get("$URN") or "")
    if not urn:
        raise MalformedItem("'commentUrn' missing")
    actor = text_field(raw, "actor")
    if actor == me:
        return None  # the organization's own comment (our replies)
    created = raw.get("created")
    if not isinstance(created, dict):
        raise MalformedItem("'created' missing")
    message = raw.get("message")
    parent = str(raw.get("parentComment") or "")
    activity = str(raw.get("object") or post_urn)
    return IncomingItem(
        platform_item_id=urn,
        kind=IncomingKind.COMMENT,
        # LinkedIn threads one level deep: a reply's parent is the top-level comment.
        thread_key=parent or urn,
        text=str(message.get("text") or "") if isinstance(message, dict) else "",
        created_at=time_from_millis(created.get("time")),
        in_reply_to_platform_id=parent or post_urn,
        # Member names need an API product LinkedIn grants to few; the member's URN is what
        # the comments API gives.
        author_id=actor,
        author_handle=actor,
        url=f"https://www.linkedin.com/feed/update/{activity}/?commentUrn={quote(urn, safe='')}",
        raw_ref={"object": activity, "parent_comment": parent, "post": post_urn},
    )


def _comment_thread(target: ReplyTarget) -> str:
    """Where a reply goes: under the thread's top-level comment (LinkedIn nests one level)."""
    return target.raw_ref.get("parent_comment") or target.platform_item_id


def _comment_result(urn: str, activity: str) -> PublishResult:
    url = ""
    if activity:
        url = f"https://www.linkedin.com/feed/update/{activity}/?commentUrn={quote(urn, safe='')}"
    return PublishResult(external_id=urn, url=url)


def _result(urn: str) -> PublishResult:
    return PublishResult(external_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")
