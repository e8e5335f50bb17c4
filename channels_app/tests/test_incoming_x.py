"""X's read side (mentions timeline, direct messages) and replies (posts in reply, direct
messages) against the local X API v2 stand-in, where a second user ("fan") writes to the
brand."""

from __future__ import annotations

import logging
import time
import uuid

import pytest

from channels_app.connectors import (
    IncomingKind,
    PermanentError,
    PostPayload,
    RateLimited,
)
from channels_app.connectors.x import XConnector
from channels_app.tests.images import image
from channels_app.tests.peers.http_platforms import FakeX


def connector(api: FakeX) -> XConnector:
    return XConnector(api_base_url=api.url, token_url=f"{api.url}/2/oauth2/token")


def payload(text: str, **extra: object) -> PostPayload:
    return PostPayload(text=text, idempotency_key=f"post-{uuid.uuid4()}", **extra)  # type: ignore[arg-type]


def test_mentions_replies_quotes_and_direct_messages_come_with_authors_and_threads(
    x_api: FakeX,
) -> None:
    client, credentials = connector(x_api), x_api.credentials()
    old = x_api.post_as_fan("@acme an old question")
    first = client.fetch_incoming(credentials, cursor=None)
    assert [i.platform_item_id for i in first.items] == [old["id"]]  # the newest page
    ours = client.publish(credentials, payload("Our roadmap is out"))
    mention = x_api.post_as_fan("@acme does it run on ARM?")
    reply = x_api.post_as_fan("@acme love it", reply_to=ours.external_id)
    deeper = x_api.post_as_fan("@acme and one more thing", reply_to=reply["id"])
    quote = x_api.post_as_fan("@acme worth reading", quote=ours.external_id)
    dm = x_api.dm_from_fan("My order 1234 is late &amp; I am cross")

    page = client.fetch_incoming(credentials, cursor=first.cursor)

    found = {item.platform_item_id: item for item in page.items}
    assert set(found) == {mention["id"], reply["id"], deeper["id"], quote["id"], dm["id"]}
    said = found[mention["id"]]
    assert (said.kind, said.thread_key, said.in_reply_to_platform_id) == (
        IncomingKind.MENTION,
        mention["id"],
        "",
    )
    assert (said.author_handle, said.author_name, said.author_id) == ("@fan", "A Fan", x_api.fan_id)
    assert said.url == f"https://x.com/fan/status/{mention['id']}"
    assert said.author_url == "https://x.com/fan"
    assert said.text == "@acme does it run on ARM?"
    answer = found[reply["id"]]
    assert (answer.kind, answer.in_reply_to_platform_id, answer.thread_key) == (
        IncomingKind.REPLY,
        ours.external_id,  # links it to our post
        ours.external_id,
    )
    assert found[deeper["id"]].thread_key == ours.external_id
    assert found[deeper["id"]].in_reply_to_platform_id == reply["id"]
    assert (found[quote["id"]].kind, found[quote["id"]].in_reply_to_platform_id) == (
        IncomingKind.QUOTE,
        ours.external_id,
    )
    message = found[dm["id"]]
    assert (message.kind, message.is_private, message.text) == (
        IncomingKind.DIRECT_MESSAGE,
        True,
        "My order 1234 is late & I am cross",
    )
    assert message.thread_key == f"dm:{dm['dm_conversation_id']}"
    assert message.raw_ref["sender_id"] == x_api.fan_id

    again = client.fetch_incoming(credentials, cursor=page.cursor)
    assert again.items == ()
    assert again.more is False


def test_the_cursor_walks_back_to_the_last_poll_without_gaps_or_repeats(x_api: FakeX) -> None:
    client, credentials = connector(x_api), x_api.credentials()
    x_api.post_as_fan("@acme before")
    x_api.dm_from_fan("before")
    cursor = client.fetch_incoming(credentials, cursor=None).cursor
    mentions = [x_api.post_as_fan(f"@acme question {n}")["id"] for n in range(12)]
    messages = [x_api.dm_from_fan(f"message {n}")["id"] for n in range(7)]

    seen: list[str] = []
    calls = 0
    while True:
        page = client.fetch_incoming(credentials, cursor=cursor, limit=5)
        calls += 1
        seen += [item.platform_item_id for item in page.items]
        cursor = page.cursor
        if not page.more:
            break

    assert sorted(seen) == sorted(mentions + messages)  # every one, each once
    assert calls == 3  # 12 mentions, 5 a page
    assert client.fetch_incoming(credentials, cursor=cursor).items == ()


def test_a_malformed_entry_is_skipped_and_logged(
    x_api: FakeX, caplog: pytest.LogCaptureFixture
) -> None:
    client, credentials = connector(x_api), x_api.credentials()
    cursor = client.fetch_incoming(credentials, cursor=None).cursor
    good = x_api.post_as_fan("@acme fine")
    bad = x_api.post_as_fan("@acme truncated")
    x_api.truncated.add(bad["id"])

    with caplog.at_level(logging.WARNING, logger="channels_app.connectors"):
        page = client.fetch_incoming(credentials, cursor=cursor)

    assert [i.platform_item_id for i in page.items] == [good["id"]]
    assert page.skipped == 1
    assert any("malformed incoming mention" in r.getMessage() for r in caplog.records)
    assert client.fetch_incoming(credentials, cursor=page.cursor).items == ()


def test_429_is_rate_limited_with_the_platforms_seconds(x_api: FakeX) -> None:
    x_api.fail_next(
        "GET",
        f"/2/users/{x_api.user_id}/mentions",
        429,
        {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={"x-rate-limit-reset": str(int(time.time()) + 600)},
    )

    with pytest.raises(RateLimited) as caught:
        connector(x_api).fetch_incoming(x_api.credentials(), cursor=None)

    assert caught.value.retry_after_seconds == pytest.approx(600, abs=3)


def test_a_reply_is_threaded_under_the_item_exactly_once(x_api: FakeX) -> None:
    client, credentials = connector(x_api), x_api.credentials()
    question = x_api.post_as_fan("@acme when is the next release?")
    (item,) = client.fetch_incoming(credentials, cursor=None).items
    reply = payload("In May, see the roadmap", reply_to=item.reply_target())

    assert client.find_existing(credentials, reply) is None
    result = client.publish(credentials, reply)

    ours = [p for p in x_api.posts if p["id"] == result.external_id]
    assert ours[0]["referenced_tweets"] == [{"type": "replied_to", "id": question["id"]}]
    assert ours[0]["conversation_id"] == question["id"]
    assert ours[0]["text"] == "@fan In May, see the roadmap"
    # After a lost answer the engine looks before resending, and finds it.
    assert client.find_existing(credentials, reply) == result
    # X itself refuses the same text twice: a resend cannot make a second reply.
    with pytest.raises(PermanentError, match="duplicate content"):
        client.publish(credentials, reply)
    assert sum(1 for p in x_api.posts if p.get("referenced_tweets")) == 1


def test_a_private_reply_is_a_direct_message_to_the_author(x_api: FakeX) -> None:
    client, credentials = connector(x_api), x_api.credentials()
    x_api.post_as_fan("@acme my invoice is wrong")
    (item,) = client.fetch_incoming(credentials, cursor=None).items
    reply = payload(
        "Sorry! Send us the invoice number here", reply_to=item.reply_target(private=True)
    )

    assert client.find_existing(credentials, reply) is None
    result = client.publish(credentials, reply)

    (sent,) = [e for e in x_api.dm_events if e["sender_id"] == x_api.user_id]
    assert sent["id"] == result.external_id
    assert sent["participant_ids"] == [x_api.fan_id, x_api.user_id]
    assert sent["text"] == "Sorry! Send us the invoice number here"
    assert result.url == f"https://x.com/messages/{sent['dm_conversation_id']}"
    assert client.find_existing(credentials, reply) == result
    assert not x_api.posts  # nothing public


def test_a_private_reply_with_images_is_refused_before_anything_is_sent(x_api: FakeX) -> None:
    client, credentials = connector(x_api), x_api.credentials()
    dm = x_api.dm_from_fan("hello")
    (item,) = client.fetch_incoming(credentials, cursor=None).items
    reply = PostPayload(
        text="Here you go",
        idempotency_key="k-images",
        images=(image("a receipt", fmt="JPEG"),),
        reply_to=item.reply_target(private=True),
    )

    with pytest.raises(PermanentError, match="text only"):
        client.publish(credentials, reply)
    assert [e["id"] for e in x_api.dm_events] == [dm["id"]]
    assert x_api.uploads == 0
