"""Bluesky's read side and replies against the reference PDS with the Bluesky AppView behind
it (``bluesky_network``): a second account mentions the brand, replies to it and quotes it.
What the real servers will not do on demand (a rate limit, a malformed notification) is
served by a stand-in speaking the same XRPC (``bluesky_api``)."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime

import pytest

from channels_app.connectors import (
    IncomingItem,
    IncomingKind,
    PermanentError,
    PostPayload,
    RateLimited,
)
from channels_app.connectors.bluesky import BlueskyConnector, record_key
from channels_app.tests.peers.fixtures import BlueskyNetwork
from channels_app.tests.peers.http_platforms import FakeBlueskyAppView


def payload(text: str, **extra: object) -> PostPayload:
    return PostPayload(
        text=text,
        idempotency_key=f"post-{uuid.uuid4()}",
        created_at=datetime.now(UTC).replace(microsecond=0),
        **extra,  # type: ignore[arg-type]
    )


def caught_up(connector: BlueskyConnector, network: BlueskyNetwork) -> str | None:
    network.sync()
    page = connector.fetch_incoming(network.credentials(), cursor=None)
    cursor = page.cursor
    while page.more:
        page = connector.fetch_incoming(network.credentials(), cursor=cursor)
        cursor = page.cursor
    return cursor


def read_all(
    connector: BlueskyConnector, network: BlueskyNetwork, cursor: str | None, limit: int = 100
) -> tuple[list[IncomingItem], str | None, int]:
    network.sync()
    items: list[IncomingItem] = []
    calls = 0
    while True:
        page = connector.fetch_incoming(network.credentials(), cursor=cursor, limit=limit)
        calls += 1
        items += page.items
        cursor = page.cursor
        if not page.more:
            return items, cursor, calls


def strong_ref(uri: str, network: BlueskyNetwork) -> dict[str, str]:
    repo, _, rkey = uri[len("at://") :].split("/", 2)
    record = network.xrpc_get(
        "com.atproto.repo.getRecord", repo=repo, collection="app.bsky.feed.post", rkey=rkey
    )
    return {"uri": record["uri"], "cid": record["cid"]}


def test_mentions_replies_and_quotes_come_with_authors_and_threads(
    bluesky_network: BlueskyNetwork,
) -> None:
    network = bluesky_network
    connector = BlueskyConnector()
    cursor = caught_up(connector, network)
    tag = uuid.uuid4().hex[:8]
    ours = connector.publish(network.credentials(), payload(f"Our release notes {tag}"))
    root = strong_ref(ours.external_id, network)
    network.sync()  # the AppView knows our post before anyone answers it (as in real life)
    mention = network.post_as_fan(
        f"@{network.handle} does it run on ARM? {tag}", mention_brand=True
    )
    reply = network.post_as_fan(f"Love it {tag}", reply_to=(root, root))
    deeper = network.post_as_fan(f"And one more thing {tag}", reply_to=(root, reply))
    quote = network.post_as_fan(f"Worth reading {tag}", quote=root)

    items, cursor, _ = read_all(connector, network, cursor)

    found = {item.platform_item_id: item for item in items}
    assert set(found) == {mention["uri"], reply["uri"], deeper["uri"], quote["uri"]}
    first = found[mention["uri"]]
    assert (first.kind, first.thread_key, first.in_reply_to_platform_id) == (
        IncomingKind.MENTION,
        mention["uri"],
        "",
    )
    assert first.text == f"@{network.handle} does it run on ARM? {tag}"
    assert first.author_handle == f"@{network.fan_handle}"
    assert first.author_id == network.fan_did
    assert first.author_url == f"https://bsky.app/profile/{network.fan_handle}"
    assert first.url == (
        f"https://bsky.app/profile/{network.fan_handle}/post/{mention['uri'].rsplit('/', 1)[1]}"
    )
    assert first.created_at.tzinfo is not None

    answer = found[reply["uri"]]
    assert answer.kind == IncomingKind.REPLY
    assert answer.in_reply_to_platform_id == ours.external_id  # links it to our post
    assert answer.thread_key == ours.external_id
    further = found[deeper["uri"]]
    assert (further.kind, further.in_reply_to_platform_id, further.thread_key) == (
        IncomingKind.REPLY,
        reply["uri"],
        ours.external_id,
    )
    assert further.raw_ref == {
        "uri": deeper["uri"],
        "cid": deeper["cid"],
        "root_uri": root["uri"],
        "root_cid": root["cid"],
    }
    quoted = found[quote["uri"]]
    assert (quoted.kind, quoted.in_reply_to_platform_id) == (IncomingKind.QUOTE, ours.external_id)

    network.sync()
    again = connector.fetch_incoming(network.credentials(), cursor=cursor)
    assert again.items == ()
    assert again.more is False


def test_the_cursor_walks_back_to_the_last_poll_without_gaps_or_repeats(
    bluesky_network: BlueskyNetwork,
) -> None:
    network = bluesky_network
    connector = BlueskyConnector()
    cursor = caught_up(connector, network)
    tag = uuid.uuid4().hex[:8]
    written = [
        network.post_as_fan(f"@{network.handle} question {n} {tag}", mention_brand=True)["uri"]
        for n in range(5)
    ]

    items, cursor, calls = read_all(connector, network, cursor, limit=2)

    assert sorted(item.platform_item_id for item in items) == sorted(written)
    assert calls >= 3
    network.sync()
    assert connector.fetch_incoming(network.credentials(), cursor=cursor).items == ()


def test_a_reply_is_threaded_under_the_item_exactly_once(bluesky_network: BlueskyNetwork) -> None:
    network = bluesky_network
    connector = BlueskyConnector()
    cursor = caught_up(connector, network)
    tag = uuid.uuid4().hex[:8]
    ours = connector.publish(network.credentials(), payload(f"Roadmap is out {tag}"))
    root = strong_ref(ours.external_id, network)
    network.sync()
    question = network.post_as_fan(f"When does it ship? {tag}", reply_to=(root, root))
    (item,) = read_all(connector, network, cursor)[0]
    reply = payload(f"In May! {tag}", reply_to=item.reply_target())

    first = connector.publish(network.credentials(), reply)
    again = BlueskyConnector().publish(network.credentials(), reply)  # a retry, another worker

    assert again == first
    assert connector.find_existing(network.credentials(), reply) == first
    record = network.xrpc_get(
        "com.atproto.repo.getRecord",
        repo=network.did,
        collection="app.bsky.feed.post",
        rkey=record_key(reply),
    )["value"]
    assert record["reply"] == {"root": root, "parent": question}
    network.sync()
    thread = network.xrpc_get("app.bsky.feed.getPostThread", uri=question["uri"], depth=5)
    answers = [r["post"]["uri"] for r in thread["thread"].get("replies", [])]
    assert answers == [first.external_id]  # once, under the question
    told = network.xrpc_get("app.bsky.notification.listNotifications", who="fan", limit=50)
    assert any(
        n["uri"] == first.external_id and n["reason"] == "reply" for n in told["notifications"]
    )


def test_a_private_reply_is_refused_before_anything_is_sent(
    bluesky_network: BlueskyNetwork,
) -> None:
    network = bluesky_network
    connector = BlueskyConnector()
    before = len(
        network.xrpc_get(
            "com.atproto.repo.listRecords",
            repo=network.did,
            collection="app.bsky.feed.post",
            limit=100,
        )["records"]
    )
    item_ref = network.post_as_fan(f"@{network.handle} psst", mention_brand=True)
    target = IncomingItem(
        platform_item_id=item_ref["uri"],
        kind=IncomingKind.MENTION,
        thread_key=item_ref["uri"],
        text="psst",
        created_at=datetime.now(UTC),
        raw_ref={"uri": item_ref["uri"], "cid": item_ref["cid"]},
    ).reply_target(private=True)

    assert not connector.can_reply_privately
    with pytest.raises(PermanentError, match="no private replies"):
        connector.publish(network.credentials(), payload("Hello in private", reply_to=target))

    after = network.xrpc_get(
        "com.atproto.repo.listRecords", repo=network.did, collection="app.bsky.feed.post", limit=100
    )["records"]
    assert len(after) == before


def test_429_is_rate_limited_with_the_platforms_seconds(bluesky_api: FakeBlueskyAppView) -> None:
    reset = int(time.time()) + 45
    bluesky_api.fail_next(
        "GET",
        "/xrpc/app.bsky.notification.listNotifications",
        429,
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
        },
    )

    with pytest.raises(RateLimited) as caught:
        BlueskyConnector().fetch_incoming(bluesky_api.credentials(), cursor=None)

    assert caught.value.retry_after_seconds == pytest.approx(45, abs=3)
    assert "Rate Limit Exceeded" in caught.value.message


def test_a_malformed_notification_is_skipped_and_logged(
    bluesky_api: FakeBlueskyAppView, caplog: pytest.LogCaptureFixture
) -> None:
    connector = BlueskyConnector()
    bluesky_api.notifications = [bluesky_api.notification(n) for n in (3, 2, 1)]
    first = connector.fetch_incoming(bluesky_api.credentials(), cursor=None)
    broken = bluesky_api.notification(5)
    del broken["author"]  # truncated
    bluesky_api.notifications = [
        bluesky_api.notification(6),
        broken,
        bluesky_api.notification(4),
        *bluesky_api.notifications,
    ]

    with caplog.at_level(logging.WARNING, logger="channels_app.connectors"):
        page = connector.fetch_incoming(bluesky_api.credentials(), cursor=first.cursor)

    assert [i.text for i in page.items] == ["@acme.test #6", "@acme.test #4"]
    assert page.skipped == 1
    assert any("malformed incoming notification" in r.getMessage() for r in caplog.records)
    assert connector.fetch_incoming(bluesky_api.credentials(), cursor=page.cursor).items == ()
