"""The Bluesky connector against the reference PDS (``@atproto/dev-env``) on 127.0.0.1."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import requests

from channels_app.connectors import PermanentError, PostPayload
from channels_app.connectors.bluesky import BlueskyConnector, record_key
from channels_app.tests.peers.fixtures import BlueskyPeer


def payload(text: str) -> PostPayload:
    return PostPayload(
        text=text,
        idempotency_key=f"post-{uuid.uuid4()}",
        created_at=datetime.now(UTC).replace(microsecond=0),
    )


def get_record(peer: BlueskyPeer, rkey: str) -> dict[str, object]:
    response = requests.get(
        f"{peer.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": peer.did, "collection": "app.bsky.feed.post", "rkey": rkey},
        timeout=10,
    )
    response.raise_for_status()
    value: dict[str, object] = response.json()["value"]
    return value


def test_create_session_with_the_app_password_is_cached(bluesky_peer: BlueskyPeer) -> None:
    connector = BlueskyConnector()

    session = connector.session_for(bluesky_peer.credentials())

    assert session.did == bluesky_peer.did
    assert session.handle == bluesky_peer.handle
    assert connector.session_for(bluesky_peer.credentials()) is session
    assert bluesky_peer.app_password not in repr(session)
    assert session.access_jwt not in repr(session)


def test_publish_with_link_mention_tag_and_graphemes(bluesky_peer: BlueskyPeer) -> None:
    link = "https://example.com/grüße?lang=de"
    text = (
        f"Grüße aus Köln 👩🏽‍💻🇪🇺 — the notes: {link}. Thanks @{bluesky_peer.handle}! #Release2026"
    )
    post = payload(text)

    result = BlueskyConnector().publish(bluesky_peer.credentials(), post)

    rkey = record_key(post)
    assert result.external_id == f"at://{bluesky_peer.did}/app.bsky.feed.post/{rkey}"
    assert result.url == f"https://bsky.app/profile/{bluesky_peer.handle}/post/{rkey}"
    record = get_record(bluesky_peer, rkey)
    assert record["text"] == text
    assert record["createdAt"] == post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # type: ignore[union-attr]
    encoded = text.encode("utf-8")
    spans = {}
    for facet in record["facets"]:  # type: ignore[attr-defined]
        feature = facet["features"][0]
        index = facet["index"]
        spans[feature["$type"].split("#")[1]] = (
            encoded[index["byteStart"] : index["byteEnd"]].decode("utf-8"),
            feature,
        )
    assert spans["link"] == (link, {"$type": "app.bsky.richtext.facet#link", "uri": link})
    assert spans["mention"][0] == f"@{bluesky_peer.handle}"
    assert spans["mention"][1]["did"] == bluesky_peer.did
    assert spans["tag"] == (
        "#Release2026",
        {"$type": "app.bsky.richtext.facet#tag", "tag": "Release2026"},
    )


def test_retry_with_the_same_key_finds_the_record_not_a_duplicate(
    bluesky_peer: BlueskyPeer,
) -> None:
    connector = BlueskyConnector()
    post = payload(f"Exactly once on Bluesky {uuid.uuid4()}")
    before = len(bluesky_peer.list_posts())

    assert connector.find_existing(bluesky_peer.credentials(), post) is None
    first = connector.publish(bluesky_peer.credentials(), post)
    found = connector.find_existing(bluesky_peer.credentials(), post)
    again = BlueskyConnector().publish(bluesky_peer.credentials(), post)  # a fresh worker

    assert found == first
    assert again == first
    records = bluesky_peer.list_posts()
    assert len(records) == before + 1
    assert sum(1 for r in records if r["uri"] == first.external_id) == 1


def test_the_repository_refuses_a_second_record_under_the_same_key(
    bluesky_peer: BlueskyPeer,
) -> None:
    connector = BlueskyConnector()
    post = payload(f"Only one record per key {uuid.uuid4()}")
    connector.publish(bluesky_peer.credentials(), post)
    session = connector.session_for(bluesky_peer.credentials())

    # What a second worker's createRecord meets if it skipped the look-up.
    response = requests.post(
        f"{bluesky_peer.pds_url}/xrpc/com.atproto.repo.createRecord",
        headers={"Authorization": f"Bearer {session.access_jwt}"},
        json={
            "repo": bluesky_peer.did,
            "collection": "app.bsky.feed.post",
            "rkey": record_key(post),
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "a second record",
                "createdAt": "2026-11-23T00:00:00.000Z",
            },
        },
        timeout=10,
    )

    # The reference PDS answers 500 here (its own unique-key check), which the connector
    # follows with a look-up rather than taking it for an outage.
    assert response.status_code >= 400, response.text
    assert get_record(bluesky_peer, record_key(post))["text"] == post.text


def test_expired_access_token_renews_the_session(bluesky_peer: BlueskyPeer) -> None:
    connector = BlueskyConnector()
    session = connector.session_for(bluesky_peer.credentials())
    session.access_jwt = "expired.access.token"  # what the PDS refuses as an invalid token

    result = connector.publish(bluesky_peer.credentials(), payload(f"After renewal {uuid.uuid4()}"))

    renewed = connector.session_for(bluesky_peer.credentials())
    assert renewed.access_jwt != "expired.access.token"
    assert result.external_id.startswith(f"at://{bluesky_peer.did}/")


def test_wrong_app_password_is_permanent_with_the_pds_message(bluesky_peer: BlueskyPeer) -> None:
    credentials = {**bluesky_peer.credentials(), "app_password": "aaaa-bbbb-cccc-dddd"}

    with pytest.raises(PermanentError) as caught:
        BlueskyConnector().verify(credentials)

    assert caught.value.status == 401
    assert "Invalid identifier or password" in caught.value.message


def test_too_long_post_is_permanent_and_nothing_is_written(bluesky_peer: BlueskyPeer) -> None:
    before = len(bluesky_peer.list_posts())

    with pytest.raises(PermanentError) as caught:
        BlueskyConnector().publish(bluesky_peer.credentials(), payload("🇪🇺" * 301))

    assert caught.value.status == 400
    assert "maximum 300, got 301" in caught.value.message
    assert len(bluesky_peer.list_posts()) == before


def test_verify_names_the_account(bluesky_peer: BlueskyPeer) -> None:
    identity = BlueskyConnector().verify(bluesky_peer.credentials())

    assert identity.account_id == bluesky_peer.did
    assert identity.handle == bluesky_peer.handle
    assert identity.url == f"https://bsky.app/profile/{bluesky_peer.handle}"
    assert identity.max_characters == 300
