"""Facebook's read side (comments on the Page's posts, Messenger conversations) and replies
(comment replies, Private Replies, conversation messages) against the local Graph API
stand-in, where a fan comments and writes to the Page."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from channels_app.connectors import (
    IncomingKind,
    PermanentError,
    PostPayload,
    RateLimited,
)
from channels_app.connectors.facebook import FacebookConnector
from channels_app.tests.peers.http_platforms import FakeFacebook, graph_error


def connector(api: FakeFacebook) -> FacebookConnector:
    return FacebookConnector(api_base_url=api.url)


def payload(text: str, **extra: object) -> PostPayload:
    return PostPayload(text=text, idempotency_key=f"post-{uuid.uuid4()}", **extra)  # type: ignore[arg-type]


def test_comments_and_messages_come_with_authors_and_threads(facebook_api: FakeFacebook) -> None:
    client, credentials = connector(facebook_api), facebook_api.credentials()
    ours = client.publish(credentials, payload("Open day on Saturday!"))
    old = facebook_api.comment_as_fan(ours.external_id, "an old comment")
    first = client.fetch_incoming(credentials, cursor=None)
    assert [i.platform_item_id for i in first.items] == [old["id"]]
    question = facebook_api.comment_as_fan(ours.external_id, "Is parking free?")
    follow_up = facebook_api.comment_as_fan(question["id"], "And for bikes?")
    message = facebook_api.message_from_fan("My ticket did not arrive")

    page = client.fetch_incoming(credentials, cursor=first.cursor)

    found = {item.platform_item_id: item for item in page.items}
    assert set(found) == {question["id"], follow_up["id"], message["id"]}
    top = found[question["id"]]
    assert (top.kind, top.thread_key, top.in_reply_to_platform_id) == (
        IncomingKind.COMMENT,
        question["id"],
        ours.external_id,  # links it to our post
    )
    assert (top.author_id, top.author_name, top.text) == (
        facebook_api.fan_id,
        "A Fan",
        "Is parking free?",
    )
    assert top.url == question["permalink_url"]
    assert top.created_at.tzinfo is not None
    reply = found[follow_up["id"]]
    assert (reply.thread_key, reply.in_reply_to_platform_id) == (question["id"], question["id"])
    dm = found[message["id"]]
    assert (dm.kind, dm.is_private, dm.thread_key) == (
        IncomingKind.DIRECT_MESSAGE,
        True,
        f"conversation:t_{facebook_api.fan_id}",
    )
    assert dm.raw_ref["psid"] == facebook_api.fan_id

    again = client.fetch_incoming(credentials, cursor=page.cursor)
    assert again.items == ()
    assert again.more is False


def test_the_cursor_pages_forward_without_gaps_or_repeats(facebook_api: FakeFacebook) -> None:
    client, credentials = connector(facebook_api), facebook_api.credentials()
    post = client.publish(credentials, payload("Ask us anything"))
    other = client.publish(credentials, payload("And here too"))
    facebook_api.comment_as_fan(post.external_id, "before")
    cursor = client.fetch_incoming(credentials, cursor=None).cursor
    written = [
        facebook_api.comment_as_fan(on, f"question {n}")["id"]
        for n, on in enumerate([post.external_id, other.external_id] * 4)
    ]
    written += [facebook_api.message_from_fan(f"message {n}")["id"] for n in range(3)]

    seen: list[str] = []
    calls = 0
    while True:
        page = client.fetch_incoming(credentials, cursor=cursor, limit=3)
        calls += 1
        seen += [item.platform_item_id for item in page.items]
        cursor = page.cursor
        if not page.more:
            break

    assert sorted(seen) == sorted(written)  # every one, each once
    assert calls == 3  # 8 comments, 3 a page
    assert client.fetch_incoming(credentials, cursor=cursor).items == ()


def test_a_malformed_comment_is_skipped_and_logged(
    facebook_api: FakeFacebook, caplog: pytest.LogCaptureFixture
) -> None:
    client, credentials = connector(facebook_api), facebook_api.credentials()
    post = client.publish(credentials, payload("Comment away"))
    cursor = client.fetch_incoming(credentials, cursor=None).cursor
    good = facebook_api.comment_as_fan(post.external_id, "fine")
    bad = facebook_api.comment_as_fan(post.external_id, "truncated")
    facebook_api.truncated.add(bad["id"])

    with caplog.at_level(logging.WARNING, logger="channels_app.connectors"):
        page = client.fetch_incoming(credentials, cursor=cursor)

    assert [i.platform_item_id for i in page.items] == [good["id"]]
    assert page.skipped == 1
    assert any("malformed incoming comment" in r.getMessage() for r in caplog.records)
    assert client.fetch_incoming(credentials, cursor=page.cursor).items == ()


@pytest.mark.parametrize(
    ("status", "headers", "seconds"),
    [
        (429, {"Retry-After": "120"}, 120),
        # Graph's own: a Page rate-limit code, the wait in minutes in the usage header.
        (
            400,
            {
                "X-Business-Use-Case-Usage": json.dumps(
                    {"104599378938012": [{"type": "pages", "estimated_time_to_regain_access": 7}]}
                )
            },
            420,
        ),
    ],
)
def test_a_rate_limit_is_rate_limited_with_the_platforms_seconds(
    facebook_api: FakeFacebook, status: int, headers: dict[str, str], seconds: int
) -> None:
    body, _ = graph_error("(#32) Page request limit reached", 32)
    facebook_api.fail_next(
        "GET", f"/v21.0/{facebook_api.page_id}/posts", status, body, headers=headers
    )

    with pytest.raises(RateLimited) as caught:
        connector(facebook_api).fetch_incoming(facebook_api.credentials(), cursor=None)

    assert caught.value.retry_after_seconds == seconds


def test_a_reply_is_a_comment_in_the_thread_exactly_once(facebook_api: FakeFacebook) -> None:
    client, credentials = connector(facebook_api), facebook_api.credentials()
    post = client.publish(credentials, payload("Open day!"))
    question = facebook_api.comment_as_fan(post.external_id, "Is parking free?")
    follow_up = facebook_api.comment_as_fan(question["id"], "And for bikes?")
    items = {i.platform_item_id: i for i in client.fetch_incoming(credentials, cursor=None).items}
    reply = payload("Yes, both are free", reply_to=items[follow_up["id"]].reply_target())

    assert client.find_existing(credentials, reply) is None
    result = client.publish(credentials, reply)

    ours = [c for c in facebook_api.comments if c["from"]["id"] == facebook_api.page_id]
    assert [c["id"] for c in ours] == [result.external_id]
    assert ours[0]["parent_id"] == question["id"]  # in the same thread
    assert ours[0]["message"] == "Yes, both are free"
    # After a lost answer the engine looks before resending, and finds it.
    assert client.find_existing(credentials, reply) == result
    # The Page's own comment is not read back as incoming.
    assert all(
        i.platform_item_id != result.external_id
        for i in client.fetch_incoming(credentials, cursor=None).items
    )


def test_a_private_reply_to_a_comment_is_sent_once(facebook_api: FakeFacebook) -> None:
    client, credentials = connector(facebook_api), facebook_api.credentials()
    post = client.publish(credentials, payload("Tickets on sale"))
    question = facebook_api.comment_as_fan(post.external_id, "My order number is 881")
    (item,) = client.fetch_incoming(credentials, cursor=None).items
    reply = payload("We will sort it out here", reply_to=item.reply_target(private=True))

    assert client.find_existing(credentials, reply) is None
    result = client.publish(credentials, reply)

    (conversation,) = facebook_api.conversations.values()
    assert [m["id"] for m in conversation["messages"]] == [result.external_id]
    assert conversation["psid"] == facebook_api.fan_id
    assert question["id"] in facebook_api.privately_answered
    assert client.find_existing(credentials, reply) == result
    # Facebook allows one private reply per comment: a second send is refused, not doubled.
    with pytest.raises(PermanentError, match="already replied"):
        client.publish(credentials, reply)
    assert len(conversation["messages"]) == 1


def test_a_message_is_answered_in_its_conversation(facebook_api: FakeFacebook) -> None:
    client, credentials = connector(facebook_api), facebook_api.credentials()
    facebook_api.message_from_fan("Are you open on Sunday?")
    (item,) = client.fetch_incoming(credentials, cursor=None).items

    with pytest.raises(PermanentError, match="answered privately"):
        client.publish(credentials, payload("Yes", reply_to=item.reply_target()))
    reply = payload("Yes, 10 to 4", reply_to=item.reply_target(private=True))
    result = client.publish(credentials, reply)

    messages = facebook_api.conversations[f"t_{facebook_api.fan_id}"]["messages"]
    assert [m["message"] for m in messages] == ["Are you open on Sunday?", "Yes, 10 to 4"]
    assert messages[-1]["id"] == result.external_id
    assert messages[-1]["from"]["id"] == facebook_api.page_id
    assert client.find_existing(credentials, reply) == result
