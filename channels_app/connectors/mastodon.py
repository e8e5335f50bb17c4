"""Mastodon: ``POST /api/v1/statuses`` with the post's own ``Idempotency-Key``.

Mastodon remembers an Idempotency-Key per account (for an hour on mastodon.social's software):
a resend with the same key returns the status the first request created instead of a second
one. ``find_existing`` also looks through the account's recent statuses, so an unknown outcome
older than that window is caught too.

Incoming items: mentions (replies and direct messages mention the account too) from the grouped
notifications (``GET /api/v2/notifications``, Mastodon 4.3 and later; ``/api/v1/notifications``
on an older instance) and direct messages from ``GET /api/v1/conversations``, both paged forward
with ``min_id``. The grouped form carries each author once a page instead of once a
notification, so the instance serializes less for a page of mentions; mentions and
quotes are never grouped (``grouped_types`` names only a type we do not read), and a page that
comes back grouped anyway is read again from v1, so no item hides inside a group.

A reply is ``in_reply_to_id`` (with ``visibility=direct`` for a private one); it starts with
the author's ``@acct`` so that they are notified.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

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
    ReplyTarget,
    RetryableError,
    SearchKind,
    SearchTerm,
    fingerprint,
)
from channels_app.connectors.engagement_figures import count
from channels_app.connectors.incoming import (
    MalformedItem,
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

RECENT_STATUSES = 40  # Mastodon's page size limit
# Mastodon processes large media after answering 202: ask again this often, this many times.
MEDIA_POLL_INTERVAL = 1.0
MEDIA_POLLS = 10
PAGE_LIMIT = 40  # conversations: Mastodon's largest page (and its default for notifications)
NOTIFICATIONS_LIMIT = 80  # notifications, v1 and grouped: Mastodon's largest page
# A type we never ask for: the only one the instance may group (none of ours ever are).
GROUPED_TYPES = ("favourite",)
# Notification types that carry a status written to the brand (quotes: Mastodon 4.5 and later;
# an older instance ignores a type it does not know).
INCOMING_TYPES = ("mention", "quote")


class MastodonConnector(Connector):
    platform = Platform.MASTODON
    label = "Mastodon"
    reads_incoming = True
    reads_direct_messages = True
    can_reply = True
    can_reply_privately = True
    # GET /api/v1/statuses takes up to 20 id[] (Mastodon 4.3 and later).
    reads_engagement = True
    engagement_batch_size = 20
    # Hashtag timelines, an account's statuses, and full-text search where the instance has it.
    searches = frozenset({SearchKind.HASHTAG, SearchKind.HANDLE, SearchKind.KEYWORD})

    def __init__(
        self, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT
    ) -> None:
        self.http = PlatformHttp(
            platform=self.platform,
            label=self.label,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        # The account id behind each (instance, token fingerprint): it never changes.
        self._own_ids: dict[tuple[str, str], str] = {}
        # Instances without grouped notifications (before Mastodon 4.3): read with v1.
        self._without_v2: set[str] = set()
        # Instances without GET /api/v1/statuses?id[] (before 4.3): one status a call.
        self._without_batch_statuses: set[str] = set()

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
        target = self.check_reply(payload)
        media_ids = [
            self.upload_once(payload, image, partial(self._upload, credentials, image))
            for image in payload.images
        ]
        status_body: dict[str, Any] = {"status": payload.text, "visibility": "public"}
        if target is not None:
            status_body["status"] = reply_text(payload.text, target)
            status_body["in_reply_to_id"] = target.platform_item_id
            if target.private:
                status_body["visibility"] = "direct"
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
        if payload.reply_to is not None:
            return self._find_reply(credentials, payload.reply_to, payload.text)
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

    def fetch_engagement(
        self, credentials: Credentials, external_ids: Sequence[str]
    ) -> EngagementBatch:
        """Favourites, boosts, replies (and quotes where the instance counts them) of our
        statuses: ``GET /api/v1/statuses?id[]=…``, one status at a time on older instances."""
        ids = self._engagement_ids(external_ids)
        base = self._base(credentials)
        statuses: list[Any] | None = None
        if ids and base not in self._without_batch_statuses:
            try:
                body = self._get(credentials, "/api/v1/statuses", **{"id[]": ids})
            except PermanentError as exc:
                if exc.status not in (404, 410):
                    raise
                self._without_batch_statuses.add(base)
            else:
                statuses = body if isinstance(body, list) else []
        if statuses is None:
            statuses = [status for status in map(self._status_or_none(credentials), ids) if status]
        found: dict[str, Engagement] = {}
        for status in statuses:
            if isinstance(status, dict) and str(status.get("id", "")) in ids:
                found[str(status["id"])] = Engagement(
                    likes=count(status.get("favourites_count")),
                    reposts=count(status.get("reblogs_count")),
                    replies=count(status.get("replies_count")),
                    quotes=count(status.get("quotes_count")),
                )
        missing = {
            status_id: "Mastodon no longer shows this post (deleted, or not visible to us)."
            for status_id in ids
            if status_id not in found
        }
        return EngagementBatch(found=found, missing=missing)

    def search_posts(
        self, credentials: Credentials, *, term: SearchTerm, cursor: str | None, limit: int = 40
    ) -> IncomingPage:
        """Hashtags: ``GET /api/v1/timelines/tag/{tag}``; accounts: their statuses
        (``/api/v1/accounts/lookup`` then ``…/{id}/statuses``), both read forwards from the
        cursor with ``min_id``; keywords: ``GET /api/v2/search?type=statuses`` (newest
        matches; only those newer than the cursor are new). Public statuses only."""
        self._require_search(term)
        limit = max(1, min(limit, 40))
        params: dict[str, Any] = {"limit": limit}
        if term.kind == SearchKind.KEYWORD:
            body = self._get(
                credentials, "/api/v2/search", q=term.value, type="statuses", limit=limit
            )
            statuses = body.get("statuses") if isinstance(body, dict) else None
            if not isinstance(statuses, list):
                raise RetryableError(
                    "Mastodon answered a search without a list of statuses.", platform=self.platform
                )
            more = False
        else:
            if cursor:
                params["min_id"] = cursor
            if term.kind == SearchKind.HASHTAG:
                path = f"/api/v1/timelines/tag/{quote(term.value.lstrip('#'), safe='')}"
            else:
                account = self._get(
                    credentials, "/api/v1/accounts/lookup", acct=term.value.lstrip("@")
                )
                path = f"/api/v1/accounts/{quote(text_field(account, 'id'), safe='')}/statuses"
            statuses = self._page(credentials, path, params)
            more = bool(cursor) and len(statuses) >= limit
        me = self._own_id(credentials)
        fresh = [
            status
            for status in statuses
            if isinstance(status, dict)
            and str(status.get("id", "")).isdigit()
            and (not cursor or int(status["id"]) > int(cursor))
        ]
        items, skipped = collect(self.platform, fresh, partial(self._found_post, me), what="status")
        newest = _newest_id(fresh, "id")
        if cursor and newest and int(newest) < int(cursor):
            newest = cursor
        return IncomingPage(items=tuple(items), cursor=newest or cursor, more=more, skipped=skipped)

    def _found_post(self, me: str, status: dict[str, Any]) -> IncomingItem | None:
        account = status.get("account")
        if not isinstance(account, dict):
            raise MalformedItem("status without its account")
        if text_field(account, "id") == me or status.get("visibility") not in (
            "public",
            "unlisted",
        ):
            return None  # our own, or not public
        acct = text_field(account, "acct")
        handle = _handle(account)
        status_id = text_field(status, "id")
        return IncomingItem(
            platform_item_id=status_id,
            kind=IncomingKind.POST,
            thread_key=status_id,
            text=html_to_text(str(status.get("content") or "")),
            created_at=parse_time(status.get("created_at")),
            in_reply_to_platform_id=str(status.get("in_reply_to_id") or ""),
            author_id=text_field(account, "id"),
            author_handle=f"@{handle}",
            author_name=str(account.get("display_name") or account.get("username") or acct),
            author_url=str(account.get("url") or ""),
            url=str(status.get("url") or status.get("uri") or ""),
            raw_ref={"acct": acct, "visibility": str(status.get("visibility"))},
        )

    def _status_or_none(self, credentials: Credentials) -> Callable[[str], Any]:
        def read(status_id: str) -> Any:
            try:
                return self._get(credentials, f"/api/v1/statuses/{quote(status_id, safe='')}")
            except PermanentError as exc:
                if exc.status in (404, 410):
                    return None
                raise

        return read

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

    def _find_reply(
        self, credentials: Credentials, target: ReplyTarget, text: str
    ) -> PublishResult | None:
        """Our status among the item's replies (``/context`` shows direct ones to us too)."""
        me = self._own_id(credentials)
        context = self._get(credentials, f"/api/v1/statuses/{target.platform_item_id}/context")
        wanted = _comparable(reply_text(text, target))
        for status in (context.get("descendants") or []) if isinstance(context, dict) else []:
            if not isinstance(status, dict):
                continue
            if str((status.get("account") or {}).get("id")) != me:
                continue
            if str(status.get("in_reply_to_id")) != target.platform_item_id:
                continue
            if _comparable(html_to_text(status.get("content") or "")) == wanted:
                return _result(status)
        return None

    # --- incoming items --------------------------------------------------------------------

    def _own_id(self, credentials: Credentials) -> str:
        """The account's own id (cached per instance and token: it never changes)."""
        key = (self._base(credentials), fingerprint(credentials["access_token"]))
        if key not in self._own_ids:
            account = self._get(credentials, "/api/v1/accounts/verify_credentials")
            self._own_ids[key] = text_field(account, "id")
        return self._own_ids[key]

    def _page(self, credentials: Credentials, path: str, params: dict[str, Any]) -> list[Any]:
        body = self._get(credentials, path, **params)
        if not isinstance(body, list):
            # A truncated or garbled page: nothing is skipped, the next poll asks again.
            raise RetryableError(
                f"Mastodon answered {path} with something that is not a list.",
                platform=self.platform,
            )
        return body

    def _notifications(self, credentials: Credentials, params: dict[str, Any]) -> list[Any]:
        """A page of notifications in v1's shape (id, type, status): from the grouped endpoint
        where the instance has it, each group of one notification, else from v1."""
        base = self._base(credentials)
        if base not in self._without_v2:
            try:
                body = self._get(
                    credentials,
                    "/api/v2/notifications",
                    **params,
                    **{"grouped_types[]": list(GROUPED_TYPES)},
                )
            except PermanentError as exc:
                if exc.status not in (404, 410):
                    raise
                self._without_v2.add(base)  # an instance before 4.3
            else:
                page = _ungrouped(body)
                if page is not None:
                    return page
                # Grouped after all (or garbled): v1 lists every notification on its own.
        return self._page(credentials, "/api/v1/notifications", params)

    def fetch_incoming(
        self, credentials: Credentials, *, cursor: str | None, limit: int = NOTIFICATIONS_LIMIT
    ) -> IncomingPage:
        """Mentions, replies, quotes and direct messages since the cursor.

        The cursor holds the newest notification id and the newest conversation status id
        seen; each source is read forward from there with ``min_id`` (the page right above
        it). A first poll reads the newest page of each. Notifications come up to 80 a page,
        conversations up to 40 (Mastodon's largest pages)."""
        state = decode_cursor(cursor, platform=self.platform)
        limit = max(1, min(limit, NOTIFICATIONS_LIMIT))
        conversations_limit = min(limit, PAGE_LIMIT)
        me = self._own_id(credentials)
        params: dict[str, Any] = {
            "types[]": list(INCOMING_TYPES),
            "include_filtered": "true",  # unsolicited DMs a notification policy filtered
            "limit": limit,
        }
        if state.get("n"):
            params["min_id"] = state["n"]
        notifications = self._notifications(credentials, params)
        conv_params: dict[str, Any] = {"limit": conversations_limit}
        if state.get("c"):
            conv_params["min_id"] = state["c"]
        conversations = self._page(credentials, "/api/v1/conversations", conv_params)

        roots: dict[str, str] = {}
        parse = partial(self._parse_notification, credentials, me, roots)
        items, skipped = collect(self.platform, notifications, parse, what="notification")
        seen = {item.platform_item_id for item in items}
        parse_dm = partial(self._parse_conversation, credentials, me, roots, seen)
        direct, skipped_dm = collect(self.platform, conversations, parse_dm, what="conversation")
        items += direct

        new_state = {
            "n": _newest_id(notifications, "id") or state.get("n"),
            "c": _newest_id(conversations, "last_status") or state.get("c"),
        }
        # An instance may serve smaller pages than asked (some cap notifications at 40): a
        # page that size may have more behind it. At worst one more, empty, request.
        more = bool(state) and (
            len(notifications) >= conversations_limit or len(conversations) >= conversations_limit
        )
        cursor_out = encode_cursor(new_state) if any(new_state.values()) else None
        return IncomingPage(
            items=tuple(items), cursor=cursor_out, more=more, skipped=skipped + skipped_dm
        )

    def _parse_notification(
        self, credentials: Credentials, me: str, roots: dict[str, str], raw: Any
    ) -> IncomingItem | None:
        if not isinstance(raw, dict):
            raise MalformedItem("notification is not an object")
        kind = text_field(raw, "type")
        if kind not in INCOMING_TYPES:
            return None
        status = raw.get("status")
        if not isinstance(status, dict):
            raise MalformedItem("notification without its status")
        return self._item(credentials, me, roots, status, quote=kind == "quote")

    def _parse_conversation(
        self,
        credentials: Credentials,
        me: str,
        roots: dict[str, str],
        seen: set[str],
        raw: Any,
    ) -> IncomingItem | None:
        if not isinstance(raw, dict):
            raise MalformedItem("conversation is not an object")
        status = raw.get("last_status")
        if status is None:
            return None  # an emptied conversation
        if not isinstance(status, dict):
            raise MalformedItem("conversation's last status is not an object")
        if text_field(status, "id") in seen:
            return None
        return self._item(credentials, me, roots, status, quote=False)

    def _item(
        self,
        credentials: Credentials,
        me: str,
        roots: dict[str, str],
        status: dict[str, Any],
        *,
        quote: bool,
    ) -> IncomingItem | None:
        status_id = text_field(status, "id")
        account = status.get("account")
        if not isinstance(account, dict):
            raise MalformedItem("status without its account")
        author_id = text_field(account, "id")
        if author_id == me:
            return None  # our own status (a conversation's last word was ours)
        acct = text_field(account, "acct")
        handle = _handle(account)
        visibility = str(status.get("visibility") or "public")
        in_reply_to = str(status.get("in_reply_to_id") or "")
        quoted = _quoted_id(status)
        if visibility == "direct":
            kind = IncomingKind.DIRECT_MESSAGE
        elif quote or (quoted and not in_reply_to):
            kind = IncomingKind.QUOTE
        elif in_reply_to:
            kind = IncomingKind.REPLY
        else:
            kind = IncomingKind.MENTION
        return IncomingItem(
            platform_item_id=status_id,
            kind=kind,
            thread_key=self._root(credentials, roots, status_id, in_reply_to),
            text=html_to_text(str(status.get("content") or "")),
            created_at=parse_time(status.get("created_at")),
            in_reply_to_platform_id=in_reply_to or (quoted if kind == IncomingKind.QUOTE else ""),
            author_id=author_id,
            author_handle=f"@{handle}",
            author_name=str(account.get("display_name") or account.get("username") or acct),
            author_url=str(account.get("url") or ""),
            url=str(status.get("url") or status.get("uri") or ""),
            is_private=visibility == "direct",
            raw_ref={"acct": acct, "visibility": visibility},
        )

    def _root(
        self, credentials: Credentials, roots: dict[str, str], status_id: str, in_reply_to: str
    ) -> str:
        """The id of the thread's first status (``/context`` ancestors, oldest first): every
        item of one thread gets it, however deep it answers."""
        if not in_reply_to:
            return status_id
        if in_reply_to in roots:
            roots[status_id] = roots[in_reply_to]
            return roots[status_id]
        try:
            context = self._get(credentials, f"/api/v1/statuses/{status_id}/context")
        except PermanentError:
            context = None  # gone or hidden meanwhile: the parent stands in for the root
        ancestors = (context or {}).get("ancestors") if isinstance(context, dict) else None
        if isinstance(ancestors, list) and ancestors and isinstance(ancestors[0], dict):
            root = str(ancestors[0].get("id") or in_reply_to)
            for ancestor in ancestors:
                if isinstance(ancestor, dict) and ancestor.get("id"):
                    roots[str(ancestor["id"])] = root
        else:
            root = in_reply_to
        roots[status_id] = root
        return root


def reply_text(text: str, target: ReplyTarget) -> str:
    """The reply as sent: it starts with the author's @acct unless the text already mentions
    them (Mastodon notifies, and delivers a direct status to, only the accounts mentioned)."""
    acct = (target.recipient or target.raw_ref.get("acct", "")).strip().lstrip("@")
    if not acct:
        if target.private:
            raise PermanentError(
                "A private Mastodon reply needs the account to send it to.",
                platform=Platform.MASTODON,
            )
        return text
    username = acct.split("@", 1)[0]
    lowered = text.lower()
    if f"@{acct.lower()}" in lowered or f"@{username.lower()} " in f"{lowered} ":
        return text
    return f"@{acct} {text}"


def _quoted_id(status: dict[str, Any]) -> str:
    """The quoted status's id (Mastodon 4.5: ``quote.quoted_status``)."""
    quote = status.get("quote")
    if isinstance(quote, dict):
        quoted = quote.get("quoted_status") or {}
        if isinstance(quoted, dict) and quoted.get("id"):
            return str(quoted["id"])
        if quote.get("id") and quote.get("account"):  # some forks embed the status itself
            return str(quote["id"])
    return ""


def _ungrouped(body: Any) -> list[Any] | None:
    """The grouped notifications as v1 notifications (id, type, status), None when a group
    holds more than one notification (its other statuses are not in the answer) or the answer
    is not a grouped page at all. A group whose status is missing becomes a notification
    without its status, which the parser skips and logs as malformed."""
    if not isinstance(body, dict) or not isinstance(body.get("notification_groups"), list):
        return None
    statuses = {
        str(status.get("id")): status
        for status in body.get("statuses") or []
        if isinstance(status, dict)
    }
    page: list[Any] = []
    for group in body["notification_groups"]:
        if not isinstance(group, dict):
            page.append(group)  # malformed: skipped and logged by the parser
            continue
        if group.get("notifications_count", 1) != 1:
            return None
        page.append(
            {
                "id": group.get("page_max_id") or group.get("most_recent_notification_id"),
                "type": group.get("type"),
                "status": statuses.get(str(group.get("status_id"))),
            }
        )
    return page


def _handle(account: dict[str, Any]) -> str:
    """user@domain: acct is "user" for an account of the instance itself, "user@domain" for
    others (a mention is written that way); the handle shown always carries the domain."""
    acct = text_field(account, "acct")
    if "@" in acct:
        return acct
    domain = urlsplit(str(account.get("url") or "")).hostname or ""
    return f"{acct}@{domain}" if domain else acct


def _newest_id(entries: list[Any], key: str) -> str | None:
    """The largest id among entries (ids are numbers in strings; compare them as numbers)."""
    ids: list[int] = []
    for entry in entries:
        value = entry.get(key) if isinstance(entry, dict) else None
        if key == "last_status":
            value = value.get("id") if isinstance(value, dict) else None
        if isinstance(value, str | int) and str(value).isdigit():
            ids.append(int(value))
    return str(max(ids)) if ids else None


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
