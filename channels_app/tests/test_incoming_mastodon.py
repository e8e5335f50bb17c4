"""Mastodon's read side and replies against mastodon-mock: a second account ("fan") mentions
the brand ("acme"), replies to it and writes it direct messages."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from channels_app.connectors import (
    IncomingItem,
    IncomingKind,
    IncomingPage,
    PostPayload,
    RateLimited,
)
from channels_app.connectors.mastodon import MastodonConnector, html_to_text
from channels_app.tests.peers.fixtures import MASTODON_DOMAIN, MastodonPeer


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


@pytest.fixture
def connector() -> MastodonConnector:
    return MastodonConnector()


def caught_up(connector: MastodonConnector, peer: MastodonPeer) -> str | None:
    """The cursor after everything already there (other tests share the instance)."""
    page = connector.fetch_incoming(peer.credentials(), cursor=None)
    cursor = page.cursor
    while True:
        page = connector.fetch_incoming(peer.credentials(), cursor=cursor)
        cursor = page.cursor
        if not page.more:
            return cursor


def by_text(page: IncomingPage) -> dict[str, IncomingItem]:
    return {item.text: item for item in page.items}


def test_mentions_replies_and_direct_messages_come_with_authors_and_threads(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    cursor = caught_up(connector, peer)
    tag = uuid.uuid4().hex[:8]
    ours = connector.publish(
        peer.credentials(),
        PostPayload(text=f"Our spring release {tag}", idempotency_key=f"post-{tag}"),
    )
    mention = peer.post_as("fan", f"@acme does it run on ARM? {tag}")
    reply = peer.post_as("fan", f"@acme love it {tag}", in_reply_to_id=ours.external_id)
    deeper = peer.post_as("fan", f"@acme and one more thing {tag}", in_reply_to_id=reply["id"])
    direct = peer.post_as("fan", f"@acme my order is late {tag}", visibility="direct")

    page = connector.fetch_incoming(peer.credentials(), cursor=cursor)

    items = by_text(page)
    assert set(items) == {
        f"@acme does it run on ARM? {tag}",
        f"@acme love it {tag}",
        f"@acme and one more thing {tag}",
        f"@acme my order is late {tag}",
    }
    first = items[f"@acme does it run on ARM? {tag}"]
    assert (first.kind, first.platform_item_id, first.thread_key) == (
        IncomingKind.MENTION,
        mention["id"],
        mention["id"],
    )
    assert first.in_reply_to_platform_id == ""
    assert first.author_handle == f"@fan@{MASTODON_DOMAIN}"
    assert first.author_name == "A Fan"
    assert first.author_url == mention["account"]["url"]
    assert first.url == mention["url"]
    assert first.created_at.tzinfo is not None
    assert not first.is_private

    answer = items[f"@acme love it {tag}"]
    assert answer.kind == IncomingKind.REPLY
    assert answer.in_reply_to_platform_id == ours.external_id  # links it to our post
    assert answer.thread_key == ours.external_id
    further = items[f"@acme and one more thing {tag}"]
    assert further.in_reply_to_platform_id == reply["id"]
    assert further.thread_key == ours.external_id  # the same conversation, one level deeper

    dm = items[f"@acme my order is late {tag}"]
    assert (dm.kind, dm.is_private, dm.platform_item_id) == (
        IncomingKind.DIRECT_MESSAGE,
        True,
        direct["id"],
    )
    assert dm.raw_ref["visibility"] == "direct"
    # Each status once, though a direct message is both a mention and a conversation.
    assert len(page.items) == 4
    assert page.skipped == 0
    assert deeper["id"] in {item.platform_item_id for item in page.items}

    again = connector.fetch_incoming(peer.credentials(), cursor=page.cursor)
    assert again.items == ()
    assert again.more is False


def test_the_cursor_pages_forward_without_gaps_or_repeats(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    cursor = caught_up(connector, peer)
    tag = uuid.uuid4().hex[:8]
    written = [peer.post_as("fan", f"@acme question {n} {tag}")["id"] for n in range(5)]

    seen: list[str] = []
    calls = 0
    while True:
        page = connector.fetch_incoming(peer.credentials(), cursor=cursor, limit=2)
        calls += 1
        seen += [item.platform_item_id for item in page.items]
        cursor = page.cursor
        if not page.more:
            break

    assert sorted(seen, key=int) == written  # every one, each once
    assert calls >= 3  # 5 items, 2 a page
    assert connector.fetch_incoming(peer.credentials(), cursor=cursor).items == ()


def test_a_malformed_notification_is_skipped_and_logged(
    peer: MastodonPeer, connector: MastodonConnector, caplog: pytest.LogCaptureFixture
) -> None:
    cursor = caught_up(connector, peer)
    tag = uuid.uuid4().hex[:8]
    good = peer.post_as("fan", f"@acme fine {tag}")
    bad = peer.post_as("fan", f"@acme broken {tag}")
    served = peer.api(
        "GET", "/api/v2/notifications", params={"min_id": _notification_floor(cursor)}
    )
    for status in served["statuses"]:
        if status["id"] == bad["id"]:
            del status["account"]  # what a truncated answer looks like
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/notifications"},
            "effect": {"type": "status", "status": 200, "body": served},
            "count": 1,
        }
    )

    with caplog.at_level(logging.WARNING, logger="channels_app.connectors"):
        page = connector.fetch_incoming(peer.credentials(), cursor=cursor)

    assert [item.platform_item_id for item in page.items] == [good["id"]]
    assert page.skipped == 1
    assert any("malformed incoming notification" in r.getMessage() for r in caplog.records)
    # The poll moved past it: the next one does not meet it again.
    assert connector.fetch_incoming(peer.credentials(), cursor=page.cursor).items == ()


def test_mentions_come_from_grouped_notifications_up_to_80_a_page(
    peer: MastodonPeer, connector: MastodonConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    cursor = caught_up(connector, peer)
    tag = uuid.uuid4().hex[:8]
    written = [peer.post_as("fan", f"@acme grouped {n} {tag}")["id"] for n in range(3)]
    asked: list[tuple[str, Any]] = []
    real_get = connector._get

    def spy(credentials: Any, path: str, **params: Any) -> Any:
        asked.append((path, params.get("limit")))
        return real_get(credentials, path, **params)

    monkeypatch.setattr(connector, "_get", spy)

    page = connector.fetch_incoming(peer.credentials(), cursor=cursor)

    assert sorted(item.platform_item_id for item in page.items) == written
    assert ("/api/v2/notifications", 80) in asked
    assert "/api/v1/notifications" not in {path for path, _limit in asked}
    assert ("/api/v1/conversations", 40) in asked


def test_an_instance_without_grouped_notifications_is_read_with_v1(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    """Before Mastodon 4.3 the grouped endpoint is a 404: v1 serves, from the same cursor."""
    cursor = caught_up(connector, peer)
    tag = uuid.uuid4().hex[:8]
    first = peer.post_as("fan", f"@acme old instance {tag}")
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/notifications"},
            "effect": {"type": "status", "status": 404, "body": {"error": "Record not found"}},
        }
    )
    older = MastodonConnector()

    page = older.fetch_incoming(peer.credentials(), cursor=cursor)
    second = peer.post_as("fan", f"@acme and again {tag}")
    after = older.fetch_incoming(peer.credentials(), cursor=page.cursor)
    peer.clear_faults()
    # Back on v2 (an upgraded instance, a new worker): the same cursor goes on.
    newer = MastodonConnector().fetch_incoming(peer.credentials(), cursor=after.cursor)

    assert [item.platform_item_id for item in page.items] == [first["id"]]
    assert [item.platform_item_id for item in after.items] == [second["id"]]
    assert newer.items == ()


def test_a_grouped_page_is_read_again_from_v1(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    """Should an instance ever group mentions, the group's other statuses are not in the
    answer: that page comes from v1, where each notification stands alone."""
    cursor = caught_up(connector, peer)
    tag = uuid.uuid4().hex[:8]
    written = [peer.post_as("fan", f"@acme grouped twice {n} {tag}")["id"] for n in range(2)]
    served = peer.api(
        "GET", "/api/v2/notifications", params={"min_id": _notification_floor(cursor)}
    )
    newest, oldest = served["notification_groups"]
    newest["notifications_count"] = 2
    newest["page_min_id"] = oldest["page_min_id"]
    served["notification_groups"] = [newest]
    served["statuses"] = [s for s in served["statuses"] if s["id"] == newest["status_id"]]
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/notifications"},
            "effect": {"type": "status", "status": 200, "body": served},
            "count": 1,
        }
    )

    page = connector.fetch_incoming(peer.credentials(), cursor=cursor)

    assert sorted(item.platform_item_id for item in page.items) == written


def _notification_floor(cursor: str | None) -> str:
    import json

    return str(json.loads(cursor or "{}").get("n") or "0")


def test_429_is_rate_limited_with_the_platforms_seconds(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/notifications"},
            "effect": {"type": "ratelimit", "headers": {"Retry-After": "42"}},
            "count": 1,
        }
    )

    with pytest.raises(RateLimited) as caught:
        connector.fetch_incoming(peer.credentials(), cursor=None)

    assert caught.value.retry_after_seconds == 42
    assert caught.value.status == 429


def test_a_reply_is_threaded_under_the_item_exactly_once(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    cursor = caught_up(connector, peer)
    tag = uuid.uuid4().hex[:8]
    question = peer.post_as("fan", f"@acme when is the next release? {tag}")
    read = connector.fetch_incoming(peer.credentials(), cursor=cursor)
    (item,) = read.items
    reply = PostPayload(
        text=f"In May, see the roadmap {tag}",
        idempotency_key=f"reply-{tag}",
        reply_to=item.reply_target(),
    )

    assert connector.find_existing(peer.credentials(), reply) is None
    first = connector.publish(peer.credentials(), reply)
    again = connector.publish(peer.credentials(), reply)  # a retry with the same key

    assert again == first
    assert connector.find_existing(peer.credentials(), reply) == first
    context = peer.api("GET", f"/api/v1/statuses/{question['id']}/context")
    ours = [s for s in context["descendants"] if s["account"]["username"] == "acme"]
    assert [s["id"] for s in ours] == [first.external_id]
    assert ours[0]["in_reply_to_id"] == question["id"]
    assert ours[0]["visibility"] == "public"
    # It starts with the author's handle, so the fan is told about it.
    assert html_to_text(ours[0]["content"]) == f"@fan In May, see the roadmap {tag}"
    told = peer.api("GET", "/api/v1/notifications", as_user="fan", params={"types[]": "mention"})
    assert first.external_id in {n["status"]["id"] for n in told}

    # The fan answers our reply: it joins the same conversation, linked to our reply.
    follow_up = peer.post_as("fan", f"@acme thanks! {tag}", in_reply_to_id=first.external_id)
    (joined,) = connector.fetch_incoming(peer.credentials(), cursor=read.cursor).items
    assert joined.platform_item_id == follow_up["id"]
    assert joined.thread_key == item.thread_key == question["id"]
    assert joined.in_reply_to_platform_id == first.external_id


def test_a_private_reply_is_a_direct_status_to_the_author_only(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    cursor = caught_up(connector, peer)
    tag = uuid.uuid4().hex[:8]
    peer.post_as("fan", f"@acme my invoice number is wrong {tag}")
    (item,) = connector.fetch_incoming(peer.credentials(), cursor=cursor).items
    reply = PostPayload(
        text=f"Sorry! Send us the number here {tag}",
        idempotency_key=f"private-{tag}",
        reply_to=item.reply_target(private=True),
    )

    first = connector.publish(peer.credentials(), reply)
    assert connector.publish(peer.credentials(), reply) == first

    status = peer.api("GET", f"/api/v1/statuses/{first.external_id}", as_user="fan")
    assert status["visibility"] == "direct"
    assert status["in_reply_to_id"] == item.platform_item_id
    assert [m["username"] for m in status["mentions"]] == ["fan"]
    conversations = peer.api("GET", "/api/v1/conversations", as_user="fan")
    assert first.external_id in {c["last_status"]["id"] for c in conversations}
    assert connector.find_existing(peer.credentials(), reply) == first
