"""Listening on Mastodon against mastodon-mock: a hashtag's timeline and an account's statuses
read forwards from a cursor, keyword search, our own and private statuses left out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from channels_app.connectors import IncomingKind, PostPayload, SearchKind, SearchTerm
from channels_app.connectors.base import PermanentError
from channels_app.connectors.mastodon import MastodonConnector
from channels_app.tests.peers.fixtures import MastodonPeer


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


def _read_all(
    connector: MastodonConnector, peer: MastodonPeer, term: SearchTerm, cursor: str | None
) -> tuple[list[str], str | None]:
    texts: list[str] = []
    while True:
        page = connector.search_posts(peer.credentials(), term=term, cursor=cursor, limit=2)
        texts += [item.text for item in page.items]
        cursor = page.cursor
        if not page.more:
            return texts, cursor


def test_a_hashtag_is_read_forwards_from_the_cursor(peer: MastodonPeer) -> None:
    connector = MastodonConnector()
    tag = f"widgets{uuid.uuid4().hex[:6]}"
    term = SearchTerm(SearchKind.HASHTAG, tag)
    peer.post_as("fan", f"Before we listened #{tag}")
    first = connector.search_posts(peer.credentials(), term=term, cursor=None)
    assert [item.text for item in first.items] == [f"Before we listened #{tag}"]
    found = first.items[0]
    assert (found.kind, found.author_handle, found.thread_key) == (
        IncomingKind.POST,
        "@fan@mastodon.example",
        found.platform_item_id,
    )
    assert found.url

    for n in range(5):
        peer.post_as("fan", f"Take {n} #{tag}")
    peer.post_as("fan", f"Only for followers #{tag}", visibility="private")
    connector.publish(
        peer.credentials(), PostPayload(text=f"Ours #{tag}", idempotency_key=uuid.uuid4().hex)
    )
    peer.post_as("fan", "Nothing to do with it")

    texts, cursor = _read_all(connector, peer, term, first.cursor)

    assert sorted(texts) == sorted(f"Take {n} #{tag}" for n in range(5))
    assert _read_all(connector, peer, term, cursor)[0] == []


def test_an_accounts_statuses(peer: MastodonPeer) -> None:
    connector = MastodonConnector()
    term = SearchTerm(SearchKind.HANDLE, "@fan")
    cursor = connector.search_posts(peer.credentials(), term=term, cursor=None).cursor
    word = uuid.uuid4().hex[:8]
    peer.post_as("fan", f"Competitor news {word}")
    texts, _ = _read_all(connector, peer, term, cursor)
    assert texts == [f"Competitor news {word}"]


def test_keyword_search_gives_only_what_is_newer_than_the_cursor(peer: MastodonPeer) -> None:
    connector = MastodonConnector()
    word = f"gizmo{uuid.uuid4().hex[:6]}"
    term = SearchTerm(SearchKind.KEYWORD, word)
    peer.post_as("fan", f"Old talk about {word}")
    first = connector.search_posts(peer.credentials(), term=term, cursor=None)
    assert [item.text for item in first.items] == [f"Old talk about {word}"]
    peer.post_as("fan", f"New talk about {word}")
    second = connector.search_posts(peer.credentials(), term=term, cursor=first.cursor)
    assert [item.text for item in second.items] == [f"New talk about {word}"]
    assert int(second.cursor or 0) > int(first.cursor or 0)


def test_what_a_platform_cannot_look_for_is_refused() -> None:
    class NoKeywords(MastodonConnector):
        searches = frozenset({SearchKind.HASHTAG})

    with pytest.raises(PermanentError, match="cannot look for a keyword"):
        NoKeywords().search_posts({}, term=SearchTerm(SearchKind.KEYWORD, "x"), cursor=None)
    with pytest.raises(ValueError, match="needs a value"):
        SearchTerm(SearchKind.KEYWORD, "  ")
