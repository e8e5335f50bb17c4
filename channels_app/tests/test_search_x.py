"""Listening on X (recent search) against the local server speaking the X API v2: newest first,
walked back page by page to what the last read saw; hashtags, from:account, words; our own
posts left out."""

from __future__ import annotations

import uuid

from channels_app.connectors import IncomingKind, PostPayload, SearchKind, SearchTerm
from channels_app.connectors.x import XConnector
from channels_app.tests.peers.http_platforms import FakeX


def connector(api: FakeX) -> XConnector:
    return XConnector(api_base_url=api.url, token_url=f"{api.url}/2/oauth2/token")


def _read_all(api: FakeX, term: SearchTerm, cursor: str | None) -> tuple[list[str], str | None]:
    texts: list[str] = []
    while True:
        page = connector(api).search_posts(api.credentials(), term=term, cursor=cursor, limit=10)
        texts += [item.text for item in page.items]
        cursor = page.cursor
        if not page.more:
            return texts, cursor


def test_a_hashtag_is_walked_back_to_the_last_read(x_api: FakeX) -> None:
    tag = f"widgets{uuid.uuid4().hex[:6]}"
    term = SearchTerm(SearchKind.HASHTAG, tag)
    x_api.post_as_fan(f"Before we listened #{tag}")
    first = connector(x_api).search_posts(x_api.credentials(), term=term, cursor=None)
    assert [item.text for item in first.items] == [f"Before we listened #{tag}"]
    item = first.items[0]
    assert (item.kind, item.author_handle) == (IncomingKind.POST, "@fan")
    assert item.url.endswith(f"/status/{item.platform_item_id}")

    for n in range(25):
        x_api.post_as_fan(f"Take {n} #{tag}")
    x_api.post_as_fan("Unrelated")
    texts, cursor = _read_all(x_api, term, first.cursor)

    assert sorted(texts) == sorted(f"Take {n} #{tag}" for n in range(25))
    assert _read_all(x_api, term, cursor)[0] == []
    searched = [r for r, _ in x_api.server.log if r.path == "/2/tweets/search/recent"]
    assert searched[-1].args["query"] == f"#{tag} -is:retweet"
    assert not x_api.problems


def test_an_account_and_words(x_api: FakeX) -> None:
    word = uuid.uuid4().hex[:8]
    x_api.post_as_fan(f"Competitor launch {word}")
    connector(x_api).publish(
        x_api.credentials(), PostPayload(text=f"Our launch {word}", idempotency_key=word)
    )
    by_account = connector(x_api).search_posts(
        x_api.credentials(), term=SearchTerm(SearchKind.HANDLE, "@fan"), cursor=None
    )
    assert f"Competitor launch {word}" in [item.text for item in by_account.items]
    by_words = connector(x_api).search_posts(
        x_api.credentials(), term=SearchTerm(SearchKind.KEYWORD, f"launch {word}"), cursor=None
    )
    assert [item.text for item in by_words.items] == [f"Competitor launch {word}"]
