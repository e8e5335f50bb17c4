"""Bluesky engagement against the reference PDS with the AppView behind it: the fan likes,
reposts, answers and quotes the brand's post; ``app.bsky.feed.getPosts`` reports it. A rate
limit comes from the stand-in speaking the same XRPC."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from channels_app.connectors import Engagement, PostPayload, RateLimited
from channels_app.connectors.bluesky import BlueskyConnector
from channels_app.tests.peers.fixtures import BlueskyNetwork
from channels_app.tests.peers.http_platforms import FakeBlueskyAppView


def _publish(connector: BlueskyConnector, network: BlueskyNetwork, text: str) -> str:
    payload = PostPayload(
        text=text,
        idempotency_key=f"post-{uuid.uuid4()}",
        created_at=datetime.now(UTC).replace(microsecond=0),
    )
    return connector.publish(network.credentials(), payload).external_id


def _strong_ref(uri: str, network: BlueskyNetwork) -> dict[str, str]:
    repo, _, rkey = uri[len("at://") :].split("/", 2)
    record = network.xrpc_get(
        "com.atproto.repo.getRecord", repo=repo, collection="app.bsky.feed.post", rkey=rkey
    )
    return {"uri": record["uri"], "cid": record["cid"]}


def test_likes_reposts_replies_and_quotes(bluesky_network: BlueskyNetwork) -> None:
    network = bluesky_network
    connector = BlueskyConnector()
    tag = uuid.uuid4().hex[:8]
    liked = _publish(connector, network, f"Figures {tag}")
    quiet = _publish(connector, network, f"Nobody reads this {tag}")
    ref = _strong_ref(liked, network)
    network.sync()
    network.record_as_fan("app.bsky.feed.like", ref)
    network.record_as_fan("app.bsky.feed.repost", ref)
    network.post_as_fan(f"Agreed {tag}", reply_to=(ref, ref))
    network.post_as_fan(f"Read this {tag}", quote=ref)
    network.sync()
    gone = f"at://{network.did}/app.bsky.feed.post/3kgone{tag}"

    batch = connector.fetch_engagement(network.credentials(), [liked, quiet, gone])

    assert batch.found[liked] == Engagement(likes=1, reposts=1, replies=1, quotes=1)
    assert batch.found[quiet] == Engagement(likes=0, reposts=0, replies=0, quotes=0)
    assert set(batch.missing) == {gone}


def test_more_uris_than_a_call_takes_is_a_programming_error(
    bluesky_api: FakeBlueskyAppView,
) -> None:
    with pytest.raises(ValueError, match="at most 25"):
        BlueskyConnector().fetch_engagement(bluesky_api.credentials(), ["x"] * 26)


def test_429_is_rate_limited_with_the_platforms_seconds(bluesky_api: FakeBlueskyAppView) -> None:
    reset = int(time.time()) + 45
    bluesky_api.fail_next(
        "GET",
        "/xrpc/app.bsky.feed.getPosts",
        429,
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={"RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)},
    )
    with pytest.raises(RateLimited) as caught:
        BlueskyConnector().fetch_engagement(bluesky_api.credentials(), ["at://x/y/z"])
    assert caught.value.retry_after_seconds == pytest.approx(45, abs=3)
