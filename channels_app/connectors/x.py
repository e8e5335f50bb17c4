"""X API v2: ``POST /2/tweets`` with an OAuth 2.0 user access token (scopes tweet.read,
tweet.write, users.read, offline.access), refreshed at ``/2/oauth2/token``.

X has no idempotency key, and it refuses an identical text as duplicate content. After an
unknown outcome ``find_existing`` lists the account's recent posts and matches the text, with
X's t.co links put back to the addresses that were written.

Incoming items: the mentions timeline (``GET /2/users/:id/mentions``, ``since_id``) and
direct-message events (``GET /2/dm_events``), each read from the newest back to what the last
poll saw. A reply is a post with ``reply.in_reply_to_tweet_id``; a private one a direct
message (``POST /2/dm_conversations/with/:participant_id/messages``). Reading direct messages
needs the ``dm.read`` scope, sending them ``dm.write``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import Any

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
    SearchKind,
    SearchTerm,
    TokenExpiredError,
    fingerprint,
)
from channels_app.connectors.engagement_figures import count
from channels_app.connectors.incoming import (
    MalformedItem,
    Sweep,
    collect,
    decode_cursor,
    encode_cursor,
    parse_time,
    text_field,
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
PAGE_LIMIT = 100  # the mentions timeline and dm_events: X's largest page
MENTION_FIELDS = {
    "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,"
    "referenced_tweets,entities",
    "expansions": "author_id",
    "user.fields": "username,name",
}
DM_FIELDS = {
    "event_types": "MessageCreate",
    "dm_event.fields": "id,text,event_type,created_at,sender_id,dm_conversation_id",
    "expansions": "sender_id",
    "user.fields": "username,name",
}
_LEADING_MENTIONS = regex.compile(r"^(?:@\w+\s+)+")


class XConnector(oauth.OAuthConnector):
    platform = Platform.X
    label = "X"
    api_base_url_default = API_BASE_URL
    token_url_default = TOKEN_URL
    reads_incoming = True
    reads_direct_messages = True
    can_reply = True
    can_reply_privately = True
    # GET /2/tweets takes up to 100 ids.
    reads_engagement = True
    engagement_batch_size = 100
    # Recent search (the last seven days): words, hashtags, from:account.
    searches = frozenset({SearchKind.KEYWORD, SearchKind.HASHTAG, SearchKind.HANDLE})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._own_ids: dict[str, str] = {}  # access-token fingerprint -> user id

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
        target = self.check_reply(payload)
        if target is not None and target.private:
            return self._send_direct_message(credentials, payload, target)
        media_ids = [
            self.upload_once(payload, image, partial(self._upload, credentials, image))
            for image in payload.images
        ]
        body: dict[str, Any] = {"text": payload.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        if target is not None:
            body["reply"] = {"in_reply_to_tweet_id": target.platform_item_id}
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
        target = payload.reply_to
        if target is not None and target.private:
            return self._find_direct_message(credentials, payload, target)
        me = self._me(credentials)
        body = self._get(
            credentials,
            f"/2/users/{me['id']}/tweets",
            {
                "max_results": RECENT_POSTS,
                "tweet.fields": "created_at,entities,referenced_tweets",
            },
        )
        wanted = " ".join(payload.text.split())
        for post in body.get("data") or []:
            written = " ".join(_as_written(post).split())
            if target is not None:
                # X writes the answered author's @username in front of a reply's text.
                if _replied_to(post) != target.platform_item_id:
                    continue
                written = _LEADING_MENTIONS.sub("", written)
            if written == wanted:
                return _result(str(post["id"]))
        return None

    # --- direct messages -------------------------------------------------------------------

    def _participant(self, target: ReplyTarget) -> str:
        participant = (
            target.recipient or target.raw_ref.get("sender_id") or target.raw_ref.get("author_id")
        )
        if not participant or not str(participant).isdigit():
            raise PermanentError(
                "A private reply on X needs the numeric user id of the person to write to.",
                platform=self.platform,
            )
        return str(participant)

    def _send_direct_message(
        self, credentials: Credentials, payload: PostPayload, target: ReplyTarget
    ) -> PublishResult:
        if payload.images:
            raise PermanentError(
                "Private replies on X carry text only; remove the images.", platform=self.platform
            )
        participant = self._participant(target)
        response = self.http.request(
            "POST",
            f"{self.api_base_url}/2/dm_conversations/with/{participant}/messages",
            sends=True,
            secrets=self.secrets_in(credentials),
            headers={**self._headers(credentials), "Content-Type": "application/json"},
            json={"text": payload.text},
        )
        if response.status_code not in (200, 201):
            raise self._error(response, credentials)
        data = (json_or_empty(response) or {}).get("data") or {}
        if not data.get("dm_event_id"):
            raise PermanentError(
                f"X accepted the message but answered without an event id "
                f"({body_excerpt(response)}).",
                platform=self.platform,
            )
        return _dm_result(str(data["dm_event_id"]), str(data.get("dm_conversation_id") or ""))

    def _find_direct_message(
        self, credentials: Credentials, payload: PostPayload, target: ReplyTarget
    ) -> PublishResult | None:
        me = self._own_id(credentials)
        body = self._get(
            credentials,
            f"/2/dm_conversations/with/{self._participant(target)}/dm_events",
            {**DM_FIELDS, "max_results": RECENT_POSTS},
        )
        wanted = " ".join(payload.text.split())
        for event in body.get("data") or []:
            if str(event.get("sender_id")) != me or not event.get("id"):
                continue
            if " ".join(html.unescape(str(event.get("text") or "")).split()) == wanted:
                return _dm_result(str(event["id"]), str(event.get("dm_conversation_id") or ""))
        return None

    # --- incoming items --------------------------------------------------------------------

    def _own_id(self, credentials: Credentials) -> str:
        """The account's user id, cached per access token (it never changes)."""
        key = fingerprint(credentials["access_token"])
        if key not in self._own_ids:
            self._own_ids[key] = text_field(self._me(credentials), "id")
        return self._own_ids[key]

    def fetch_engagement(
        self, credentials: Credentials, external_ids: Sequence[str]
    ) -> EngagementBatch:
        """Likes, reposts, replies, quotes and views of our posts: ``GET /2/tweets`` with
        ``public_metrics``; X answers the ones it cannot find as resource-not-found errors."""
        ids = self._engagement_ids(external_ids)
        if not ids:
            return EngagementBatch()
        body = self._get(
            credentials, "/2/tweets", {"ids": ",".join(ids), "tweet.fields": "public_metrics"}
        )
        data = body.get("data") if isinstance(body, dict) else None
        found: dict[str, Engagement] = {}
        for entry in data if isinstance(data, list) else []:
            metrics = entry.get("public_metrics") if isinstance(entry, dict) else None
            if isinstance(metrics, dict) and str(entry.get("id", "")) in ids:
                found[str(entry["id"])] = Engagement(
                    likes=count(metrics.get("like_count")),
                    reposts=count(metrics.get("retweet_count")),
                    replies=count(metrics.get("reply_count")),
                    quotes=count(metrics.get("quote_count")),
                    views=count(metrics.get("impression_count")),
                )
        reasons = {
            str(error.get("resource_id") or error.get("value")): str(error.get("detail") or "")
            for error in (body.get("errors") or [] if isinstance(body, dict) else [])
            if isinstance(error, dict)
        }
        missing = {
            post_id: reasons.get(post_id) or "X no longer shows this post."
            for post_id in ids
            if post_id not in found
        }
        return EngagementBatch(found=found, missing=missing)

    def search_posts(
        self, credentials: Credentials, *, term: SearchTerm, cursor: str | None, limit: int = 100
    ) -> IncomingPage:
        """``GET /2/tweets/search/recent`` with ``since_id``: newest first, so a read walks
        back page by page (``next_token``) to the cursor, as mentions do."""
        self._require_search(term)
        value = term.value.strip()
        query = {
            SearchKind.HASHTAG: f"#{value.lstrip('#')}",
            SearchKind.HANDLE: f"from:{value.lstrip('@')}",
            SearchKind.KEYWORD: value,
        }[SearchKind(term.kind)]
        state = decode_cursor(cursor, platform=self.platform)
        sweep = Sweep.from_state(state.get("s"))
        params: dict[str, Any] = {
            **MENTION_FIELDS,
            "query": f"{query} -is:retweet",
            "max_results": max(10, min(limit, PAGE_LIMIT)),
        }
        if sweep.mark:
            params["since_id"] = sweep.mark
        if sweep.next:
            params["next_token"] = sweep.next
        body = self._get(credentials, "/2/tweets/search/recent", params)
        data, users, meta = _page_parts(body)
        me = self._own_id(credentials)
        items, skipped = collect(
            self.platform, data, partial(self._found_post, me, users), what="post"
        )
        more = sweep.advance(
            page_top=meta.get("newest_id") or _first_id(data),
            reached_mark=False,  # since_id already stops X at the mark
            platform_next=meta.get("next_token"),
        )
        swept = sweep.state()
        return IncomingPage(
            items=tuple(items),
            cursor=encode_cursor({"s": swept}) if swept.get("mark") or swept.get("next") else None,
            more=more,
            skipped=skipped,
        )

    def _found_post(self, me: str, users: dict[str, Any], raw: Any) -> IncomingItem | None:
        item = self._mention(me, users, raw)
        return None if item is None else replace(item, kind=IncomingKind.POST)

    def fetch_incoming(
        self, credentials: Credentials, *, cursor: str | None, limit: int = PAGE_LIMIT
    ) -> IncomingPage:
        """Mentions (replies and quotes among them) and direct messages since the cursor.

        Both come newest first: each is read back page by page to the newest entry the last
        poll saw (``since_id`` for mentions; event ids, which grow with time, for direct
        messages). The first poll reads the newest page of each."""
        self.check_credentials(credentials)
        state = decode_cursor(cursor, platform=self.platform)
        me = self._own_id(credentials)
        mentions = Sweep.from_state(state.get("m"))
        params: dict[str, Any] = {**MENTION_FIELDS, "max_results": max(5, min(limit, PAGE_LIMIT))}
        if mentions.mark:
            params["since_id"] = mentions.mark
        if mentions.next:
            params["pagination_token"] = mentions.next
        body = self._get(credentials, f"/2/users/{me}/mentions", params)
        data, users, meta = _page_parts(body)
        items, skipped = collect(
            self.platform, data, partial(self._mention, me, users), what="mention"
        )
        more = mentions.advance(
            page_top=meta.get("newest_id") or _first_id(data),
            reached_mark=False,  # since_id already stops X at the mark
            platform_next=meta.get("next_token"),
        )

        messages = Sweep.from_state(state.get("d"))
        dm_params: dict[str, Any] = {**DM_FIELDS, "max_results": max(1, min(limit, PAGE_LIMIT))}
        if messages.next:
            dm_params["pagination_token"] = messages.next
        body = self._get(credentials, "/2/dm_events", dm_params)
        events, dm_users, dm_meta = _page_parts(body)
        fresh, reached = _newer_than(events, messages.mark)
        direct, skipped_dm = collect(
            self.platform, fresh, partial(self._direct_message, me, dm_users), what="message"
        )
        more = (
            messages.advance(
                page_top=_first_id(events),
                reached_mark=reached,
                platform_next=dm_meta.get("next_token"),
            )
            or more
        )
        new_state = {"m": mentions.state(), "d": messages.state()}
        seen_any = any(part.get("mark") or part.get("next") for part in new_state.values())
        return IncomingPage(
            items=tuple(items + direct),
            cursor=encode_cursor(new_state) if seen_any else None,
            more=more,
            skipped=skipped + skipped_dm,
        )

    def _mention(self, me: str, users: dict[str, Any], raw: Any) -> IncomingItem | None:
        if not isinstance(raw, dict):
            raise MalformedItem("post is not an object")
        post_id, author_id = text_field(raw, "id"), text_field(raw, "author_id")
        if author_id == me:
            return None
        created_at = parse_time(raw.get("created_at"))
        references = {
            str(r.get("type")): str(r.get("id"))
            for r in raw.get("referenced_tweets") or []
            if isinstance(r, dict) and r.get("id")
        }
        if "replied_to" in references:
            kind, answers = IncomingKind.REPLY, references["replied_to"]
        elif "quoted" in references:
            kind, answers = IncomingKind.QUOTE, references["quoted"]
        else:
            kind, answers = IncomingKind.MENTION, ""
        author = users.get(author_id) or {}
        username = str(author.get("username") or "")
        conversation = str(raw.get("conversation_id") or post_id)
        return IncomingItem(
            platform_item_id=post_id,
            kind=kind,
            thread_key=conversation,
            text=_as_written(raw),
            created_at=created_at,
            in_reply_to_platform_id=answers,
            author_id=author_id,
            author_handle=f"@{username}" if username else "",
            author_name=str(author.get("name") or username),
            author_url=f"https://x.com/{username}" if username else "",
            url=f"https://x.com/{username or 'i/web'}/status/{post_id}",
            raw_ref={"author_id": author_id, "conversation_id": conversation},
        )

    def _direct_message(self, me: str, users: dict[str, Any], raw: Any) -> IncomingItem | None:
        if not isinstance(raw, dict):
            raise MalformedItem("event is not an object")
        if raw.get("event_type", "MessageCreate") != "MessageCreate":
            return None
        event_id, sender_id = text_field(raw, "id"), text_field(raw, "sender_id")
        if sender_id == me:
            return None
        conversation = text_field(raw, "dm_conversation_id")
        author = users.get(sender_id) or {}
        username = str(author.get("username") or "")
        return IncomingItem(
            platform_item_id=event_id,
            kind=IncomingKind.DIRECT_MESSAGE,
            thread_key=f"dm:{conversation}",
            text=html.unescape(str(raw.get("text") or "")),
            created_at=parse_time(raw.get("created_at")),
            author_id=sender_id,
            author_handle=f"@{username}" if username else "",
            author_name=str(author.get("name") or username),
            author_url=f"https://x.com/{username}" if username else "",
            url=f"https://x.com/messages/{conversation}",
            is_private=True,
            raw_ref={"sender_id": sender_id, "dm_conversation_id": conversation},
        )

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


def _dm_result(event_id: str, conversation_id: str) -> PublishResult:
    url = f"https://x.com/messages/{conversation_id}" if conversation_id else ""
    return PublishResult(external_id=event_id, url=url)


def _replied_to(post: dict[str, Any]) -> str:
    for reference in post.get("referenced_tweets") or []:
        if isinstance(reference, dict) and reference.get("type") == "replied_to":
            return str(reference.get("id") or "")
    return ""


def _page_parts(body: Any) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
    """A v2 list page: its entries ("data" is left out when there are none), the users of
    its expansions by id, and its meta."""
    if not isinstance(body, dict):
        raise RetryableError("X answered with something that is not a page.", platform=Platform.X)
    data = body.get("data") or []
    if not isinstance(data, list):
        raise RetryableError("X answered a page whose data is not a list.", platform=Platform.X)
    includes = body.get("includes")
    listed = includes.get("users") if isinstance(includes, dict) else None
    users = {str(u["id"]): u for u in listed or [] if isinstance(u, dict) and u.get("id")}
    meta = body.get("meta")
    return data, users, meta if isinstance(meta, dict) else {}


def _first_id(entries: list[Any]) -> str | None:
    first = entries[0] if entries else None
    return str(first["id"]) if isinstance(first, dict) and first.get("id") else None


def _newer_than(events: list[Any], mark: Any) -> tuple[list[Any], bool]:
    """The events above the mark (X ids grow with time), and whether the mark was met."""
    if not mark:
        return events, False
    fresh: list[Any] = []
    for event in events:
        event_id = str(event.get("id") or "") if isinstance(event, dict) else ""
        if event_id.isdigit() and int(event_id) <= int(mark):
            return fresh, True
        fresh.append(event)
    return fresh, False
