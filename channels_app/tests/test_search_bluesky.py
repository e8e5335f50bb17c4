"""Listening on Bluesky (``app.bsky.feed.searchPosts``) against the reference PDS with the
AppView behind it: a hashtag, an author and words, read on from the newest indexedAt the last
read saw; our own posts left out."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from channels_app.connectors import IncomingKind, PostPayload, SearchKind, SearchTerm
from channels_app.connectors.bluesky import BlueskyConnector
from channels_app.tests.peers.fixtures import BlueskyNetwork


def test_hashtags_authors_and_words(bluesky_network: BlueskyNetwork) -> None:
    network = bluesky_network
    connector = BlueskyConnector()
    tag = f"widgets{uuid.uuid4().hex[:6]}"
    network.post_as_fan(f"Before we listened #{tag}")
    connector.publish(
        network.credentials(),
        PostPayload(
            text=f"Ours #{tag}",
            idempotency_key=uuid.uuid4().hex,
            created_at=datetime.now(UTC).replace(microsecond=0),
        ),
    )
    network.sync()
    term = SearchTerm(SearchKind.HASHTAG, tag)

    first = connector.search_posts(network.credentials(), term=term, cursor=None)

    assert [item.text for item in first.items] == [f"Before we listened #{tag}"]
    item = first.items[0]
    assert (item.kind, item.author_handle, item.author_id) == (
        IncomingKind.POST,
        f"@{network.fan_handle}",
        network.fan_did,
    )
    assert item.url.startswith(f"https://bsky.app/profile/{network.fan_handle}/post/")
    assert first.cursor

    network.post_as_fan(f"After #{tag}")
    network.sync()
    second = connector.search_posts(network.credentials(), term=term, cursor=first.cursor)
    assert f"After #{tag}" in [i.text for i in second.items]
    assert f"Before we listened #{tag}" not in [i.text for i in second.items]
    assert json.loads(second.cursor or "{}")["since"] > json.loads(first.cursor or "{}")["since"]
    again = connector.search_posts(network.credentials(), term=term, cursor=second.cursor)
    assert (again.items, again.cursor) == ((), second.cursor)

    word = uuid.uuid4().hex[:10]
    network.post_as_fan(f"Competitor news {word}")
    network.sync()
    by_words = connector.search_posts(
        network.credentials(), term=SearchTerm(SearchKind.KEYWORD, word), cursor=None
    )
    assert [i.text for i in by_words.items] == [f"Competitor news {word}"]
    by_author = connector.search_posts(
        network.credentials(),
        term=SearchTerm(SearchKind.HANDLE, network.fan_handle),
        cursor=None,
    )
    assert f"Competitor news {word}" in [i.text for i in by_author.items]
