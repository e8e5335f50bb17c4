"""LinkedIn's read side (comments on the organization's posts, replies under them) and
replies (comments in the thread, as the organization) against the local LinkedIn stand-in,
where a member comments."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import quote

import pytest

from channels_app.connectors import (
    IncomingKind,
    PermanentError,
    PostPayload,
    RateLimited,
)
from channels_app.connectors.linkedin import LinkedInConnector
from channels_app.tests.peers.http_platforms import FakeLinkedIn


def connector(api: FakeLinkedIn) -> LinkedInConnector:
    return LinkedInConnector(api_base_url=api.url, token_url=f"{api.url}/oauth/v2/accessToken")


def payload(text: str, **extra: object) -> PostPayload:
    return PostPayload(text=text, idempotency_key=f"post-{uuid.uuid4()}", **extra)  # type: ignore[arg-type]


def test_comments_and_replies_come_with_authors_and_threads(linkedin_api: FakeLinkedIn) -> None:
    client, credentials = connector(linkedin_api), linkedin_api.credentials()
    ours = client.publish(credentials, payload("We are hiring engineers"))
    old = linkedin_api.comment_as_fan(ours.external_id, "an old comment")
    first = client.fetch_incoming(credentials, cursor=None)
    assert [i.platform_item_id for i in first.items] == [old["commentUrn"]]
    question = linkedin_api.comment_as_fan(ours.external_id, "Is it remote?")
    follow_up = linkedin_api.comment_as_fan(question["commentUrn"], "And part-time?")

    page = client.fetch_incoming(credentials, cursor=first.cursor)

    found = {item.platform_item_id: item for item in page.items}
    assert set(found) == {question["commentUrn"], follow_up["commentUrn"]}
    top = found[question["commentUrn"]]
    assert (top.kind, top.thread_key, top.in_reply_to_platform_id) == (
        IncomingKind.COMMENT,
        question["commentUrn"],
        ours.external_id,  # links it to our post
    )
    assert (top.author_id, top.text) == (linkedin_api.fan_urn, "Is it remote?")
    assert top.url == (
        f"https://www.linkedin.com/feed/update/{question['object']}/"
        f"?commentUrn={quote(question['commentUrn'], safe='')}"
    )
    reply = found[follow_up["commentUrn"]]
    assert (reply.thread_key, reply.in_reply_to_platform_id) == (
        question["commentUrn"],
        question["commentUrn"],
    )
    assert [i.platform_item_id for i in page.items] == [
        question["commentUrn"],
        follow_up["commentUrn"],
    ]  # oldest first

    again = client.fetch_incoming(credentials, cursor=page.cursor)
    assert again.items == ()
    assert again.more is False


def test_the_cursor_pages_forward_without_gaps_or_repeats(linkedin_api: FakeLinkedIn) -> None:
    client, credentials = connector(linkedin_api), linkedin_api.credentials()
    first_post = client.publish(credentials, payload("Post one"))
    second_post = client.publish(credentials, payload("Post two"))
    linkedin_api.comment_as_fan(first_post.external_id, "before")
    cursor = client.fetch_incoming(credentials, cursor=None).cursor
    written = []
    for n in range(4):
        top = linkedin_api.comment_as_fan(
            (first_post, second_post)[n % 2].external_id, f"question {n}"
        )
        written += [
            top["commentUrn"],
            linkedin_api.comment_as_fan(top["commentUrn"], "more")["commentUrn"],
        ]

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
    linkedin_api: FakeLinkedIn, caplog: pytest.LogCaptureFixture
) -> None:
    client, credentials = connector(linkedin_api), linkedin_api.credentials()
    post = client.publish(credentials, payload("Comment away"))
    cursor = client.fetch_incoming(credentials, cursor=None).cursor
    good = linkedin_api.comment_as_fan(post.external_id, "fine")
    bad = linkedin_api.comment_as_fan(post.external_id, "truncated")
    linkedin_api.truncated.add(bad["commentUrn"])

    with caplog.at_level(logging.WARNING, logger="channels_app.connectors"):
        page = client.fetch_incoming(credentials, cursor=cursor)

    assert [i.platform_item_id for i in page.items] == [good["commentUrn"]]
    assert page.skipped == 1
    assert any("malformed incoming comment" in r.getMessage() for r in caplog.records)
    assert client.fetch_incoming(credentials, cursor=page.cursor).items == ()


def test_429_is_rate_limited_with_the_platforms_seconds(linkedin_api: FakeLinkedIn) -> None:
    client, credentials = connector(linkedin_api), linkedin_api.credentials()
    post = client.publish(credentials, payload("Busy day"))
    linkedin_api.fail_next(
        "GET",
        f"/rest/socialActions/{post.external_id}/comments",
        429,
        {"message": "Resource level throttle limit reached", "status": 429},
        headers={"Retry-After": "90"},
    )

    with pytest.raises(RateLimited) as caught:
        client.fetch_incoming(credentials, cursor=None)

    assert caught.value.retry_after_seconds == 90
    assert "throttle" in caught.value.message


def test_a_reply_is_a_comment_in_the_thread_exactly_once(linkedin_api: FakeLinkedIn) -> None:
    client, credentials = connector(linkedin_api), linkedin_api.credentials()
    post = client.publish(credentials, payload("We are hiring"))
    question = linkedin_api.comment_as_fan(post.external_id, "Is it remote?")
    follow_up = linkedin_api.comment_as_fan(question["commentUrn"], "And part-time?")
    items = {i.platform_item_id: i for i in client.fetch_incoming(credentials, cursor=None).items}
    reply = payload("Yes to both", reply_to=items[follow_up["commentUrn"]].reply_target())

    assert client.find_existing(credentials, reply) is None
    result = client.publish(credentials, reply)

    organization = f"urn:li:organization:{linkedin_api.organization_id}"
    ours = [c for c in linkedin_api.comments if c["actor"] == organization]
    assert [c["commentUrn"] for c in ours] == [result.external_id]
    assert ours[0]["parentComment"] == question["commentUrn"]  # in the same thread
    assert ours[0]["object"] == question["object"]
    assert ours[0]["message"]["text"] == "Yes to both"
    # After a lost answer the engine looks before resending, and finds it.
    assert client.find_existing(credentials, reply) == result
    assert all(
        i.platform_item_id != result.external_id
        for i in client.fetch_incoming(credentials, cursor=None).items
    )


def test_a_private_reply_is_refused_before_anything_is_sent(linkedin_api: FakeLinkedIn) -> None:
    client, credentials = connector(linkedin_api), linkedin_api.credentials()
    post = client.publish(credentials, payload("Questions welcome"))
    linkedin_api.comment_as_fan(post.external_id, "Can I write to you?")
    (item,) = client.fetch_incoming(credentials, cursor=None).items

    assert not client.can_reply_privately
    with pytest.raises(PermanentError, match="no private replies"):
        client.publish(credentials, payload("Sure", reply_to=item.reply_target(private=True)))
    assert len(linkedin_api.comments) == 1
