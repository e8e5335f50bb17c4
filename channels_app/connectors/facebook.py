"""Facebook Pages: ``POST /{version}/{page-id}/feed`` with the Page access token.

The Graph API has no idempotency key. After an unknown outcome ``find_existing`` lists the
Page's recent posts (``/{page-id}/posts``) and matches the message. A Page token obtained from
a long-lived user token does not expire, so there is nothing to refresh: an invalid token
(error code 190) means the account must be reconnected.

Incoming items: comments on the Page's recent posts (``/{post-id}/comments``, replies
included) and Messenger conversations (``/{page-id}/conversations``, then each changed one's
``/messages``), read forward from the last comment and message time seen. A public reply is a
comment under the comment (``/{comment-id}/comments``); a private one a Private Reply to the
comment or a message in the conversation (``POST /{page-id}/messages``), which needs
``pages_messaging``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any
from urllib.parse import quote

import requests

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
    RateLimited,
    ReplyTarget,
    RetryableError,
    redact,
)
from channels_app.connectors.engagement_figures import count
from channels_app.connectors.incoming import (
    Candidate,
    MalformedItem,
    collect,
    decode_cursor,
    encode_cursor,
    is_new,
    parse_time,
    take_forward,
    text_field,
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
# A post's engagement: totals only (limit(0) leaves out the reactions and comments themselves).
ENGAGEMENT_FIELDS = (
    "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
# Graph API error codes that pass with time: 1 unknown, 2 service, 4/17/32/613 and 80001
# rate limits (application, user, page, custom, Pages API).
TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 613, 80001}
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001}
DEFAULT_RATE_LIMIT_WAIT = 300.0  # Graph rate limits say nothing about when they lift
# The read side: comments on this many of the Page's latest posts, this many changed
# conversations and messages in each, per poll.
INCOMING_POSTS = 25
COMMENTS_PAGE = 100
CONVERSATIONS_PAGE = 25
MESSAGES_PAGE = 25
COMMENT_FIELDS = "id,message,from,created_time,parent{id},permalink_url"
MESSAGE_FIELDS = "id,message,from,to,created_time"


class FacebookConnector(Connector):
    platform = Platform.FACEBOOK
    label = "Facebook"
    reads_incoming = True
    reads_direct_messages = True
    can_reply = True
    can_reply_privately = True
    # Read post by post: Graph's ids= refuses a whole batch when one post is gone.
    reads_engagement = True
    engagement_batch_size = 1

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
        if code in RATE_LIMIT_CODES or response.status_code == 429:
            wait = (
                parse_retry_after(response.headers)
                or _business_use_case_wait(response.headers)
                or DEFAULT_RATE_LIMIT_WAIT
            )
            return RateLimited(
                text, platform=self.platform, status=response.status_code, retry_after_seconds=wait
            )
        if code in TRANSIENT_CODES or error.get("is_transient") or response.status_code >= 500:
            return RetryableError(
                text,
                platform=self.platform,
                status=response.status_code,
                retry_after=parse_retry_after(response.headers),
            )
        # 190 invalid token, 200-299 permissions, 100 bad parameter, 368 blocked, 506 duplicate.
        return PermanentError(text, platform=self.platform, status=response.status_code, code=code)

    def fetch_engagement(
        self, credentials: Credentials, external_ids: Sequence[str]
    ) -> EngagementBatch:
        """Reactions, comments and shares of a Page post (its node's summary fields); a post
        Graph cannot load any more (code 100) is missing, with Graph's message."""
        found: dict[str, Engagement] = {}
        missing: dict[str, str] = {}
        for post_id in self._engagement_ids(external_ids):
            try:
                node = self._get_url(
                    credentials, self._node(post_id), {"fields": ENGAGEMENT_FIELDS}
                )
            except PermanentError as exc:
                if exc.code != 100:
                    raise
                missing[post_id] = exc.message
                continue
            node = node if isinstance(node, dict) else {}
            found[post_id] = Engagement(
                likes=count(_summary_total(node.get("reactions"))),
                reposts=count((node.get("shares") or {}).get("count", 0)),
                replies=count(_summary_total(node.get("comments"))),
            )
        return EngagementBatch(found=found, missing=missing)

    def _node(self, node_id: str, suffix: str = "") -> str:
        """The address of any Graph node (a post, a comment, a conversation)."""
        return f"{self.api_base_url}/{self.graph_version}/{quote(node_id, safe='')}{suffix}"

    def _get(self, credentials: Credentials, suffix: str, params: dict[str, Any]) -> Any:
        return self._get_url(credentials, self._url(credentials, suffix), params)

    def _get_url(self, credentials: Credentials, url: str, params: dict[str, Any]) -> Any:
        self.check_credentials(credentials)
        response = self.http.request(
            "GET",
            url,
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
        target = self.check_reply(payload)
        if target is not None:
            return self._reply(credentials, payload, target)
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
        if payload.reply_to is not None:
            return self._find_reply(credentials, payload, payload.reply_to)
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

    # --- replies ---------------------------------------------------------------------------

    def _reply(
        self, credentials: Credentials, payload: PostPayload, target: ReplyTarget
    ) -> PublishResult:
        if payload.images:
            raise PermanentError(
                "Replies on Facebook carry text only; remove the images.", platform=self.platform
            )
        if target.private:
            return self._send_message(credentials, payload.text, target)
        if target.raw_ref.get("conversation_id"):
            raise PermanentError(
                "A Messenger conversation is answered privately; choose a private reply.",
                platform=self.platform,
            )
        response = self.http.request(
            "POST",
            self._node(_comment_thread(target), "/comments"),
            sends=True,
            secrets=self.secrets_in(credentials),
            headers=self._headers(credentials),
            data={"message": payload.text},
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        comment_id = (json_or_empty(response) or {}).get("id")
        if not comment_id:
            raise PermanentError(
                f"Facebook accepted the reply but answered without an id "
                f"({body_excerpt(response)}).",
                platform=self.platform,
            )
        return _result(str(comment_id), "")

    def _send_message(
        self, credentials: Credentials, text: str, target: ReplyTarget
    ) -> PublishResult:
        """Send API: a Private Reply to a comment (``recipient.comment_id``; Facebook allows
        one per comment) or a message in the conversation (``recipient.id``, the PSID)."""
        ref = target.raw_ref
        body: dict[str, Any] = {"message": {"text": text}}
        if target.recipient or ref.get("psid"):
            body["recipient"] = {"id": target.recipient or ref["psid"]}
            body["messaging_type"] = "RESPONSE"
        else:
            body["recipient"] = {"comment_id": target.platform_item_id}
        response = self.http.request(
            "POST",
            self._url(credentials, "/messages"),
            sends=True,
            secrets=self.secrets_in(credentials),
            headers={**self._headers(credentials), "Content-Type": "application/json"},
            json=body,
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        answer = json_or_empty(response) or {}
        if not answer.get("message_id"):
            raise PermanentError(
                f"Facebook accepted the message but answered without an id "
                f"({body_excerpt(response)}).",
                platform=self.platform,
            )
        return PublishResult(external_id=str(answer["message_id"]), url="")

    def _find_reply(
        self, credentials: Credentials, payload: PostPayload, target: ReplyTarget
    ) -> PublishResult | None:
        page_id = credentials["page_id"].strip()
        wanted = " ".join(payload.text.split())
        if target.private:
            conversation = target.raw_ref.get("conversation_id")
            conversations = (
                [conversation] if conversation else self._recent_conversations(credentials)
            )
            for conversation_id in conversations:
                for message in self._messages(credentials, conversation_id):
                    if (
                        str((message.get("from") or {}).get("id")) == page_id
                        and " ".join(str(message.get("message") or "").split()) == wanted
                    ):
                        return PublishResult(external_id=str(message["id"]), url="")
            return None
        body = self._get_url(
            credentials,
            self._node(_comment_thread(target), "/comments"),
            {"fields": "id,message,from", "order": "reverse_chronological", "limit": 50},
        )
        for comment in body.get("data") or []:
            if (
                str((comment.get("from") or {}).get("id")) == page_id
                and " ".join(str(comment.get("message") or "").split()) == wanted
                and comment.get("id")
            ):
                return _result(str(comment["id"]), "")
        return None

    # --- incoming items --------------------------------------------------------------------

    def _recent_conversations(
        self, credentials: Credentials, mark: dict[str, Any] | None = None
    ) -> list[str]:
        """Conversation ids, most recently changed first; with a mark, only those changed at
        or after it."""
        body = self._get(
            credentials,
            "/conversations",
            {"platform": "messenger", "fields": "id,updated_time", "limit": CONVERSATIONS_PAGE},
        )
        ids = []
        for conversation in body.get("data") or [] if isinstance(body, dict) else []:
            if not isinstance(conversation, dict) or not conversation.get("id"):
                continue
            if mark:
                try:
                    updated = int(parse_time(conversation.get("updated_time")).timestamp())
                except MalformedItem:
                    updated = None
                if updated is not None and updated < int(mark.get("t", 0)):
                    break  # newest first: the rest did not change either
            ids.append(str(conversation["id"]))
        return ids

    def _messages(self, credentials: Credentials, conversation_id: str) -> list[Any]:
        body = self._get_url(
            credentials,
            self._node(conversation_id, "/messages"),
            {"fields": MESSAGE_FIELDS, "limit": MESSAGES_PAGE},
        )
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise RetryableError(
                "Facebook answered a conversation's messages without a list.",
                platform=self.platform,
            )
        return data

    def fetch_incoming(
        self, credentials: Credentials, *, cursor: str | None, limit: int = COMMENTS_PAGE
    ) -> IncomingPage:
        """Comments on the Page's latest posts and Messenger messages since the cursor.

        The cursor holds, for each, the time (seconds) of the newest item handed over and the
        ids seen at that second. Comments are asked for oldest first from that time; of what
        is new, the oldest ``limit`` are handed over, so the rest still come next time."""
        self.check_credentials(credentials)
        page_id = credentials["page_id"].strip()
        state = decode_cursor(cursor, platform=self.platform)
        comment_mark, message_mark = state.get("c"), state.get("m")

        posts = self._get(
            credentials, "/posts", {"fields": "id,permalink_url", "limit": INCOMING_POSTS}
        )
        comments: list[Candidate] = []
        skipped = 0
        for post in posts.get("data") or [] if isinstance(posts, dict) else []:
            if not isinstance(post, dict) or not post.get("id"):
                continue
            params: dict[str, Any] = {
                "filter": "stream",  # replies to comments too, each with its parent
                "order": "chronological",
                "fields": COMMENT_FIELDS,
                "limit": COMMENTS_PAGE,
            }
            if comment_mark:
                params["since"] = int(comment_mark.get("t", 0))
            body = self._get_url(credentials, self._node(str(post["id"]), "/comments"), params)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise RetryableError(
                    "Facebook answered a post's comments without a list.", platform=self.platform
                )
            parse = partial(_comment_item, page_id, str(post["id"]))
            items, bad = collect(self.platform, data, parse, what="comment")
            skipped += bad
            comments += _candidates(items, comment_mark)

        messages: list[Candidate] = []
        for conversation_id in self._recent_conversations(credentials, message_mark):
            parse = partial(_message_item, page_id, conversation_id)
            items, bad = collect(
                self.platform, self._messages(credentials, conversation_id), parse, what="message"
            )
            skipped += bad
            messages += _candidates(items, message_mark)

        taken_comments, comment_mark, more_comments = take_forward(comments, comment_mark, limit)
        taken_messages, message_mark, more_messages = take_forward(messages, message_mark, limit)
        new_state = {"c": comment_mark, "m": message_mark}
        return IncomingPage(
            items=tuple(taken_comments + taken_messages),
            cursor=encode_cursor(new_state) if comment_mark or message_mark else None,
            more=more_comments or more_messages,
            skipped=skipped,
        )


def _candidates(items: list[IncomingItem], mark: dict[str, Any] | None) -> list[Candidate]:
    found = []
    for item in items:
        moment = int(item.created_at.timestamp())
        if is_new(moment, item.platform_item_id, mark):
            found.append(Candidate(moment, item.platform_item_id, item))
    return found


def _comment_item(page_id: str, post_id: str, raw: Any) -> IncomingItem | None:
    if not isinstance(raw, dict):
        raise MalformedItem("comment is not an object")
    comment_id = text_field(raw, "id")
    author = raw.get("from")
    if isinstance(author, dict) and str(author.get("id")) == page_id:
        return None  # the Page's own comment (our replies)
    # Without pages_read_user_content (or for a person who keeps it private) Graph leaves
    # "from" out: the comment still counts, its author is unknown.
    author = author if isinstance(author, dict) else {}
    parent = raw.get("parent")
    parent_id = str(parent.get("id") or "") if isinstance(parent, dict) else ""
    return IncomingItem(
        platform_item_id=comment_id,
        kind=IncomingKind.COMMENT,
        # Facebook threads one level deep: a reply's parent is the top-level comment.
        thread_key=parent_id or comment_id,
        text=str(raw.get("message") or ""),
        created_at=parse_time(raw.get("created_time")),
        in_reply_to_platform_id=parent_id or post_id,
        author_id=str(author.get("id") or ""),
        author_name=str(author.get("name") or ""),
        url=str(raw.get("permalink_url") or ""),
        raw_ref={"post_id": post_id, "parent_id": parent_id},
    )


def _message_item(page_id: str, conversation_id: str, raw: Any) -> IncomingItem | None:
    if not isinstance(raw, dict):
        raise MalformedItem("message is not an object")
    message_id = text_field(raw, "id")
    author = raw.get("from")
    if not isinstance(author, dict):
        raise MalformedItem("message without its sender")
    sender = text_field(author, "id")
    if sender == page_id:
        return None
    return IncomingItem(
        platform_item_id=message_id,
        kind=IncomingKind.DIRECT_MESSAGE,
        thread_key=f"conversation:{conversation_id}",
        text=str(raw.get("message") or ""),
        created_at=parse_time(raw.get("created_time")),
        author_id=sender,
        author_name=str(author.get("name") or ""),
        is_private=True,
        raw_ref={"conversation_id": conversation_id, "psid": sender},
    )


def _comment_thread(target: ReplyTarget) -> str:
    """Where a public reply goes: under the top-level comment of the thread (replying to a
    reply adds to that same thread, as Facebook itself does)."""
    return target.raw_ref.get("parent_id") or target.platform_item_id


def _business_use_case_wait(headers: Any) -> float | None:
    """Seconds until a Page's rate limit lifts, from ``X-Business-Use-Case-Usage``
    (``estimated_time_to_regain_access``, in minutes)."""
    raw = headers.get("X-Business-Use-Case-Usage") if headers else None
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except ValueError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in (usage.values() if isinstance(usage, dict) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
    ]
    waits = [float(m) for m in minutes if isinstance(m, int | float) and m > 0]
    return max(waits) * 60 if waits else None


def _result(post_id: str, permalink: str) -> PublishResult:
    return PublishResult(
        external_id=post_id, url=permalink or f"https://www.facebook.com/{quote(post_id)}"
    )


def _summary_total(edge: Any) -> Any:
    """An edge's summary.total_count (0 when Graph leaves the edge out: nothing there)."""
    if not isinstance(edge, dict):
        return 0
    summary = edge.get("summary")
    return summary.get("total_count") if isinstance(summary, dict) else None
