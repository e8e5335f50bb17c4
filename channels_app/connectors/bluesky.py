"""Bluesky (AT Protocol): a session from ``com.atproto.server.createSession`` with the account's
app password (cached, renewed with ``refreshSession``), then ``com.atproto.repo.createRecord``
of an ``app.bsky.feed.post``.

Exactly once: the record key is derived from the post's idempotency key (and its stable
``created_at``), so every attempt for one post names the same record. Before creating, the
connector asks ``com.atproto.repo.getRecord`` for that key: a post that made it the first time
is found, never written twice, and the repository itself refuses a second record with the key.

Incoming items: ``app.bsky.notification.listNotifications`` (mentions, replies, quotes),
which the PDS answers through the account's AppView, read from the newest back to what the
last poll saw. A reply is a post whose ``reply`` names the thread's root and the item as parent
(uri and cid of each). Bluesky has no private replies here (its chat is a separate service).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import requests

from channels_app.connectors import bluesky_facets
from channels_app.connectors.base import (
    ConnectedIdentity,
    Connector,
    ConnectorError,
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
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    PlatformHttp,
    body_excerpt,
    check_base_url,
    json_or_empty,
)
from channels_app.platforms import Platform
from channels_app.rules import RULES

POST_COLLECTION = "app.bsky.feed.post"
WEB_APP = "https://bsky.app"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
# Without a created_at the key's time part comes from the hash, kept inside a past range so it
# never looks like a post from the future.
_FALLBACK_TID_START = datetime(2023, 1, 1, tzinfo=UTC)
_FALLBACK_TID_SPAN_US = 365 * 24 * 3600 * 1_000_000
NOTIFICATIONS_LIMIT = 100  # listNotifications' largest page
# Notification reasons that carry a post written to the brand.
INCOMING_REASONS = {
    "mention": IncomingKind.MENTION,
    "reply": IncomingKind.REPLY,
    "quote": IncomingKind.QUOTE,
}


def record_key(payload: PostPayload) -> str:
    """A TID (13 base32-sortable characters: 53 bits of microseconds, 10 bits of clock id)
    that is the same for every attempt of one post."""
    digest = int.from_bytes(hashlib.sha256(payload.idempotency_key.encode()).digest()[:8], "big")
    if payload.created_at is not None:
        micros = int(payload.created_at.timestamp() * 1_000_000)
    else:
        start = int(_FALLBACK_TID_START.timestamp() * 1_000_000)
        micros = start + (digest >> 10) % _FALLBACK_TID_SPAN_US
    value = ((micros & ((1 << 53) - 1)) << 10) | (digest & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _timestamp(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass
class _Session:
    did: str
    handle: str
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)


class BlueskyConnector(Connector):
    platform = Platform.BLUESKY
    label = "Bluesky"
    reads_incoming = True
    can_reply = True
    # app.bsky.feed.getPosts takes up to 25 uris.
    reads_engagement = True
    engagement_batch_size = 25
    # app.bsky.feed.searchPosts: words, hashtags (tag=), an author (from:handle).
    searches = frozenset({SearchKind.KEYWORD, SearchKind.HASHTAG, SearchKind.HANDLE})

    def __init__(
        self, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT
    ) -> None:
        self.http = PlatformHttp(
            platform=self.platform,
            label=self.label,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        # Sessions per (PDS, handle, app password): createSession is rate limited per account,
        # so one session serves every post until it expires.
        self._sessions: dict[tuple[str, str, str], _Session] = {}
        self._lock = threading.Lock()

    # --- sessions --------------------------------------------------------------------------

    def _base(self, credentials: Credentials) -> str:
        self.check_credentials(credentials)
        return check_base_url(credentials["pds_url"], what="The PDS URL", platform=self.platform)

    def _cache_key(self, credentials: Credentials) -> tuple[str, str, str]:
        return (
            self._base(credentials),
            credentials["handle"].strip().lstrip("@").lower(),
            fingerprint(credentials["app_password"]),
        )

    def _secrets(self, credentials: Credentials, session: _Session | None = None) -> list[str]:
        found = self.secrets_in(credentials)
        if session is not None:
            found += [session.access_jwt, session.refresh_jwt]
        return found

    def _create_session(self, credentials: Credentials) -> _Session:
        response = self.http.request(
            "POST",
            self._base(credentials) + "/xrpc/com.atproto.server.createSession",
            sends=False,  # a session is not a post: losing the answer publishes nothing
            secrets=self.secrets_in(credentials),
            json={
                "identifier": credentials["handle"].strip().lstrip("@"),
                "password": credentials["app_password"],
            },
        )
        if response.status_code != 200:
            raise self._error(response, credentials)
        body = json_or_empty(response)
        session = _Session(
            did=body["did"],
            handle=body.get("handle") or credentials["handle"],
            access_jwt=body["accessJwt"],
            refresh_jwt=body["refreshJwt"],
        )
        with self._lock:
            self._sessions[self._cache_key(credentials)] = session
        return session

    def _refresh_session(self, credentials: Credentials, session: _Session) -> _Session:
        response = self.http.request(
            "POST",
            self._base(credentials) + "/xrpc/com.atproto.server.refreshSession",
            sends=False,
            secrets=self._secrets(credentials, session),
            headers={"Authorization": f"Bearer {session.refresh_jwt}"},
        )
        if response.status_code != 200:
            # The refresh token expired or was revoked: log in again with the app password.
            return self._create_session(credentials)
        body = json_or_empty(response)
        renewed = _Session(
            did=body.get("did") or session.did,
            handle=body.get("handle") or session.handle,
            access_jwt=body["accessJwt"],
            refresh_jwt=body["refreshJwt"],
        )
        with self._lock:
            self._sessions[self._cache_key(credentials)] = renewed
        return renewed

    def session_for(self, credentials: Credentials) -> _Session:
        with self._lock:
            cached = self._sessions.get(self._cache_key(credentials))
        return cached or self._create_session(credentials)

    def _xrpc(
        self,
        credentials: Credentials,
        method: str,
        nsid: str,
        *,
        sends: bool,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        raw: bytes | None = None,
        content_type: str = "",
    ) -> tuple[_Session, requests.Response]:
        """One authenticated XRPC call, renewing the session once if its token expired (the
        PDS refused the call then, so repeating it cannot duplicate anything)."""
        session = self.session_for(credentials)
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {session.access_jwt}"}
            if raw is not None:
                headers["Content-Type"] = content_type
            response = self.http.request(
                method,
                f"{self._base(credentials)}/xrpc/{nsid}",
                sends=sends,
                secrets=self._secrets(credentials, session),
                headers=headers,
                params=params,
                json=body,
                data=raw,
            )
            if attempt == 0 and _xrpc_error(response) in {"ExpiredToken", "InvalidToken"}:
                session = self._refresh_session(credentials, session)
                continue
            break
        return session, response

    def _error(
        self, response: requests.Response, credentials: Credentials, session: _Session | None = None
    ) -> Exception:
        body = json_or_empty(response)
        message = ""
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("error") or "")
        return self.http.error_for(
            response,
            f"Bluesky: {message}" if message else f"Bluesky: {body_excerpt(response)}",
            secrets=self._secrets(credentials, session),
        )

    # --- the interface ---------------------------------------------------------------------

    def _upload_blob(self, credentials: Credentials, image: Image) -> str:
        """``com.atproto.repo.uploadBlob``: the blob reference (JSON) to embed in the record."""
        session, response = self._xrpc(
            credentials,
            "POST",
            "com.atproto.repo.uploadBlob",
            sends=False,  # a blob no record refers to publishes nothing (the PDS drops it)
            raw=image.data,
            content_type=image.content_type,
        )
        if response.status_code != 200:
            raise self._error(response, credentials, session)
        blob = json_or_empty(response).get("blob")
        if not isinstance(blob, dict) or not blob.get("ref"):
            raise PermanentError(
                f"Bluesky stored the image but answered without a blob ({body_excerpt(response)}).",
                platform=self.platform,
            )
        return json.dumps(blob)

    def _images_embed(self, credentials: Credentials, payload: PostPayload) -> dict[str, Any]:
        entries = []
        for image in payload.images:
            blob = self.upload_once(payload, image, partial(self._upload_blob, credentials, image))
            entry: dict[str, Any] = {"alt": image.alt_text, "image": json.loads(blob)}
            if image.width and image.height:
                entry["aspectRatio"] = {"width": image.width, "height": image.height}
            entries.append(entry)
        return {"$type": "app.bsky.embed.images", "images": entries}

    def publish(self, credentials: Credentials, payload: PostPayload) -> PublishResult:
        self.check_images(payload)
        target = self.check_reply(payload)
        existing = self.find_existing(credentials, payload)
        if existing is not None:
            return existing
        session = self.session_for(credentials)
        rkey = record_key(payload)
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": payload.text,
            "createdAt": _timestamp(payload.created_at or datetime.now(UTC)),
        }
        facets = self._facets(credentials, payload.text)
        if facets:
            record["facets"] = facets
        if target is not None:
            record["reply"] = reply_refs(target)
        if payload.images:
            record["embed"] = self._images_embed(credentials, payload)
        session, response = self._xrpc(
            credentials,
            "POST",
            "com.atproto.repo.createRecord",
            sends=True,
            body={
                "repo": session.did,
                "collection": POST_COLLECTION,
                "rkey": rkey,
                "record": record,
                "validate": True,
            },
        )
        if response.status_code == 200:
            return self._result(session, rkey, json_or_empty(response).get("uri"))
        # A record under this key already exists when an attempt that raced this one went
        # through (the reference PDS answers 500 for that, others 400): that record is the post.
        try:
            existing = self.find_existing(credentials, payload)
        except ConnectorError:
            existing = None
        if existing is not None:
            return existing
        raise self._error(response, credentials, session)

    def find_existing(self, credentials: Credentials, payload: PostPayload) -> PublishResult | None:
        rkey = record_key(payload)
        session = self.session_for(credentials)
        session, response = self._xrpc(
            credentials,
            "GET",
            "com.atproto.repo.getRecord",
            sends=False,
            params={"repo": session.did, "collection": POST_COLLECTION, "rkey": rkey},
        )
        if response.status_code == 200:
            return self._result(session, rkey, json_or_empty(response).get("uri"))
        if _xrpc_error(response) == "RecordNotFound" or response.status_code == 404:
            return None
        raise self._error(response, credentials, session)

    def verify(self, credentials: Credentials) -> ConnectedIdentity:
        # Always a fresh login: verifying must prove the app password works now.
        session = self._create_session(credentials)
        name = session.handle
        _, response = self._xrpc(
            credentials,
            "GET",
            "com.atproto.repo.getRecord",
            sends=False,
            params={"repo": session.did, "collection": "app.bsky.actor.profile", "rkey": "self"},
        )
        if response.status_code == 200:
            profile = json_or_empty(response).get("value") or {}
            name = profile.get("displayName") or name
        return ConnectedIdentity(
            account_id=session.did,
            handle=session.handle,
            name=name,
            url=f"{WEB_APP}/profile/{session.handle}",
            max_characters=RULES[Platform.BLUESKY].max_length,
        )

    # --- incoming items --------------------------------------------------------------------

    def fetch_incoming(
        self, credentials: Credentials, *, cursor: str | None, limit: int = NOTIFICATIONS_LIMIT
    ) -> IncomingPage:
        """Mentions, replies and quotes since the cursor.

        Notifications come newest first and page backwards, so a poll walks back page by page
        until it meets the newest notification the previous poll saw (its ``indexedAt`` and
        the uris indexed at that moment); the first poll reads the newest page only."""
        sweep = Sweep.from_state(decode_cursor(cursor, platform=self.platform))
        params: dict[str, Any] = {
            "limit": max(1, min(limit, NOTIFICATIONS_LIMIT)),
            "reasons": sorted(INCOMING_REASONS),
        }
        if sweep.next:
            params["cursor"] = sweep.next
        session, response = self._xrpc(
            credentials,
            "GET",
            "app.bsky.notification.listNotifications",
            sends=False,
            params=params,
        )
        if response.status_code != 200:
            raise self._error(response, credentials, session)
        body = json_or_empty(response)
        notifications = body.get("notifications") if isinstance(body, dict) else None
        if not isinstance(notifications, list):
            raise RetryableError(
                "Bluesky answered listNotifications without a list of notifications.",
                platform=self.platform,
            )
        fresh: list[Any] = []
        reached = False
        for raw in notifications:
            if sweep.mark and _already_seen(raw, sweep.mark):
                reached = True
                break
            fresh.append(raw)
        items, skipped = collect(
            self.platform, fresh, partial(self._item, session.did), what="notification"
        )
        next_page = body.get("cursor") if isinstance(body.get("cursor"), str) else None
        more = sweep.advance(
            page_top=_page_top(notifications), reached_mark=reached, platform_next=next_page
        )
        state = sweep.state()
        return IncomingPage(
            items=tuple(items),
            cursor=encode_cursor(state) if state.get("mark") or state.get("next") else None,
            more=more,
            skipped=skipped,
        )

    def fetch_engagement(
        self, credentials: Credentials, external_ids: Sequence[str]
    ) -> EngagementBatch:
        """Likes, reposts, replies and quotes of our posts (their ``at://`` uris):
        ``app.bsky.feed.getPosts``, which the PDS answers from the AppView behind it."""
        uris = self._engagement_ids(external_ids)
        if not uris:
            return EngagementBatch()
        session, response = self._xrpc(
            credentials, "GET", "app.bsky.feed.getPosts", sends=False, params={"uris": uris}
        )
        if response.status_code != 200:
            raise self._error(response, credentials, session)
        body = json_or_empty(response)
        posts = body.get("posts") if isinstance(body, dict) else None
        if not isinstance(posts, list):
            raise RetryableError(
                "Bluesky answered getPosts without a list of posts.", platform=self.platform
            )
        found: dict[str, Engagement] = {}
        for post in posts:
            if isinstance(post, dict) and post.get("uri") in uris:
                found[str(post["uri"])] = Engagement(
                    likes=count(post.get("likeCount")),
                    reposts=count(post.get("repostCount")),
                    replies=count(post.get("replyCount")),
                    quotes=count(post.get("quoteCount")),
                )
        missing = {
            uri: "Bluesky no longer shows this post (deleted, or not yet indexed)."
            for uri in uris
            if uri not in found
        }
        return EngagementBatch(found=found, missing=missing)

    def search_posts(
        self, credentials: Credentials, *, term: SearchTerm, cursor: str | None, limit: int = 100
    ) -> IncomingPage:
        """``app.bsky.feed.searchPosts`` sorted by latest, asked for what was indexed ``since``
        the newest ``indexedAt`` the last read saw; the posts indexed at that very moment which
        it saw are remembered in the cursor, so a server that ignores ``since`` (the reference
        AppView's built-in search does) gives nothing twice. One page a read."""
        self._require_search(term)
        value = term.value.strip()
        params: dict[str, Any] = {"sort": "latest", "limit": max(1, min(limit, 100))}
        if term.kind == SearchKind.HASHTAG:
            params["q"] = f"#{value.lstrip('#')}"
            params["tag"] = [value.lstrip("#")]
        elif term.kind == SearchKind.HANDLE:
            params["q"] = f"from:{value.lstrip('@')}"
        else:
            params["q"] = value
        state = decode_cursor(cursor, platform=self.platform)
        since = str(state.get("since") or "")
        seen_then = set(state.get("at") or [])
        if since:
            params["since"] = since
        session, response = self._xrpc(
            credentials, "GET", "app.bsky.feed.searchPosts", sends=False, params=params
        )
        if response.status_code != 200:
            raise self._error(response, credentials, session)
        body = json_or_empty(response)
        posts = body.get("posts") if isinstance(body, dict) else None
        if not isinstance(posts, list):
            raise RetryableError(
                "Bluesky answered searchPosts without a list of posts.", platform=self.platform
            )
        fresh = [
            post
            for post in posts
            if isinstance(post, dict)
            and (
                not since
                or str(post.get("indexedAt") or "") > since
                or (str(post.get("indexedAt") or "") == since and post.get("uri") not in seen_then)
            )
        ]
        items, skipped = collect(
            self.platform, fresh, partial(self._found_post, session.did), what="post"
        )
        moments = [str(post["indexedAt"]) for post in fresh if post.get("indexedAt")]
        newest = max([*moments, since]) if since or moments else ""
        if not newest:
            return IncomingPage(items=tuple(items), cursor=cursor, skipped=skipped)
        at = {str(p.get("uri")) for p in fresh if str(p.get("indexedAt") or "") == newest}
        if newest == since:
            at |= seen_then
        return IncomingPage(
            items=tuple(items),
            cursor=encode_cursor({"since": newest, "at": sorted(at)}),
            skipped=skipped,
        )

    def _found_post(self, own_did: str, raw: Any) -> IncomingItem | None:
        if not isinstance(raw, dict):
            raise MalformedItem("post is not an object")
        author = raw.get("author")
        record = raw.get("record")
        if not isinstance(author, dict) or not isinstance(record, dict):
            raise MalformedItem("post without its author or record")
        did = text_field(author, "did")
        if did == own_did:
            return None
        uri = text_field(raw, "uri")
        handle = text_field(author, "handle")
        reply = record.get("reply")
        parent = reply.get("parent") if isinstance(reply, dict) else None
        answers = str(parent.get("uri") or "") if isinstance(parent, dict) else ""
        return IncomingItem(
            platform_item_id=uri,
            kind=IncomingKind.POST,
            thread_key=uri,
            text=str(record.get("text") or ""),
            created_at=parse_time(record.get("createdAt") or raw.get("indexedAt")),
            in_reply_to_platform_id=answers,
            author_id=did,
            author_handle=f"@{handle}",
            author_name=str(author.get("displayName") or handle),
            author_url=f"{WEB_APP}/profile/{handle}",
            url=f"{WEB_APP}/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
            raw_ref={"uri": uri, "cid": str(raw.get("cid") or "")},
        )

    def _item(self, own_did: str, raw: Any) -> IncomingItem | None:
        if not isinstance(raw, dict):
            raise MalformedItem("notification is not an object")
        kind = INCOMING_REASONS.get(str(raw.get("reason") or ""))
        if kind is None:
            return None
        uri, cid = text_field(raw, "uri"), text_field(raw, "cid")
        author = raw.get("author")
        if not isinstance(author, dict):
            raise MalformedItem("notification without its author")
        did, handle = text_field(author, "did"), text_field(author, "handle")
        if did == own_did:
            return None
        record = raw.get("record")
        if not isinstance(record, dict):
            raise MalformedItem("notification without its record")
        text = record.get("text")
        if not isinstance(text, str):
            raise MalformedItem("post record without text")
        parent, root = _ref(record, "parent"), _ref(record, "root")
        quoted = _quoted_uri(record)
        if kind == IncomingKind.QUOTE:
            quoted = str(raw.get("reasonSubject") or quoted)
        thread_root = root or {"uri": uri, "cid": cid}
        return IncomingItem(
            platform_item_id=uri,
            kind=kind,
            thread_key=thread_root["uri"],
            text=text,
            created_at=parse_time(record.get("createdAt") or raw.get("indexedAt")),
            in_reply_to_platform_id=parent["uri"] if parent else quoted,
            author_id=did,
            author_handle=f"@{handle}",
            author_name=str(author.get("displayName") or handle),
            author_url=f"{WEB_APP}/profile/{handle}",
            url=f"{WEB_APP}/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
            raw_ref={
                "uri": uri,
                "cid": cid,
                "root_uri": thread_root["uri"],
                "root_cid": thread_root["cid"],
            },
        )

    # --- pieces ----------------------------------------------------------------------------

    def _result(self, session: _Session, rkey: str, uri: str | None) -> PublishResult:
        return PublishResult(
            external_id=uri or f"at://{session.did}/{POST_COLLECTION}/{rkey}",
            url=f"{WEB_APP}/profile/{session.handle}/post/{rkey}",
        )

    def _facets(self, credentials: Credentials, text: str) -> list[Any]:
        detected = bluesky_facets.detect(text)
        dids: dict[str, str] = {}
        for handle in {f.value for f in detected if f.kind == "mention"}:
            response = self.http.request(
                "GET",
                self._base(credentials) + "/xrpc/com.atproto.identity.resolveHandle",
                sends=False,
                params={"handle": handle},
            )
            if response.status_code == 200:
                did = json_or_empty(response).get("did")
                if did:
                    dids[handle] = did
        return bluesky_facets.as_record_facets(text, detected, dids)


def reply_refs(target: ReplyTarget) -> dict[str, Any]:
    """A post record's ``reply``: the thread's root and the item answered, each as a strong
    reference (uri and cid, so the reply names exactly the version it answers)."""
    ref = target.raw_ref
    uri, cid = ref.get("uri") or target.platform_item_id, ref.get("cid", "")
    if not cid:
        raise PermanentError(
            "A Bluesky reply needs the cid of the post it answers; read the item again.",
            platform=Platform.BLUESKY,
        )
    root_uri, root_cid = ref.get("root_uri") or uri, ref.get("root_cid") or cid
    return {
        "root": {"uri": root_uri, "cid": root_cid},
        "parent": {"uri": uri, "cid": cid},
    }


def _ref(record: dict[str, Any], which: str) -> dict[str, str] | None:
    reply = record.get("reply")
    if reply is None:
        return None
    ref = reply.get(which) if isinstance(reply, dict) else None
    if not isinstance(ref, dict):
        raise MalformedItem(f"reply without its {which}")
    return {"uri": text_field(ref, "uri"), "cid": text_field(ref, "cid")}


def _quoted_uri(record: dict[str, Any]) -> str:
    """The post a record quotes (``app.bsky.embed.record``, or ``recordWithMedia``)."""
    embed = record.get("embed")
    if not isinstance(embed, dict):
        return ""
    inner = embed.get("record")
    if isinstance(inner, dict) and isinstance(inner.get("record"), dict):
        inner = inner["record"]  # recordWithMedia wraps the record once more
    return str(inner.get("uri") or "") if isinstance(inner, dict) else ""


def _page_top(notifications: list[Any]) -> dict[str, Any] | None:
    """The newest notification of a page as a mark: its indexedAt and every uri indexed at
    that same moment."""
    first = notifications[0] if notifications else None
    if not isinstance(first, dict) or not isinstance(first.get("indexedAt"), str):
        return None
    at = first["indexedAt"]
    uris = [
        str(n.get("uri"))
        for n in notifications
        if isinstance(n, dict) and n.get("indexedAt") == at and n.get("uri")
    ]
    return {"at": at, "uris": sorted(uris)}


def _already_seen(raw: Any, mark: dict[str, Any]) -> bool:
    """Whether a notification is at or below the mark (older, or as old and seen)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("indexedAt"), str):
        return False  # unreadable: let the parser skip and log it
    at, seen_at = raw["indexedAt"], str(mark.get("at") or "")
    try:
        moment, seen = parse_time(at), parse_time(seen_at)
    except MalformedItem:
        return False
    return moment < seen or (moment == seen and raw.get("uri") in set(mark.get("uris") or ()))


def _xrpc_error(response: requests.Response) -> str:
    if response.status_code < 400:
        return ""
    body = json_or_empty(response)
    return str(body.get("error") or "") if isinstance(body, dict) else ""
