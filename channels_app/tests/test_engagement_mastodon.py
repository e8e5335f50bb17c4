"""Mastodon engagement against mastodon-mock: a second account ("fan") favourites, boosts and
answers the brand's ("acme") status; the connector reads the figures in one batch call, and
one status at a time on an instance without the batch endpoint."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from channels_app.connectors import Engagement, PostPayload, RateLimited
from channels_app.connectors.base import PermanentError
from channels_app.connectors.mastodon import MastodonConnector
from channels_app.tests.peers.fixtures import MastodonPeer


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


def _published(peer: MastodonPeer, connector: MastodonConnector) -> str:
    tag = uuid.uuid4().hex[:8]
    result = connector.publish(
        peer.credentials(), PostPayload(text=f"Figures {tag}", idempotency_key=f"eng-{tag}")
    )
    return result.external_id


def test_favourites_boosts_and_replies_of_a_batch(peer: MastodonPeer) -> None:
    connector = MastodonConnector()
    liked = _published(peer, connector)
    quiet = _published(peer, connector)
    peer.api("POST", f"/api/v1/statuses/{liked}/favourite", as_user="fan")
    peer.api("POST", f"/api/v1/statuses/{liked}/reblog", as_user="fan")
    peer.post_as("fan", "@acme nice", in_reply_to_id=liked)
    gone = _published(peer, connector)
    peer.api("DELETE", f"/api/v1/statuses/{gone}")

    batch = connector.fetch_engagement(peer.credentials(), [liked, quiet, gone])

    assert batch.found[liked] == Engagement(likes=1, reposts=1, replies=1, quotes=None)
    assert (batch.found[quiet].likes, batch.found[quiet].reposts) == (0, 0)
    assert set(batch.missing) == {gone}
    assert "no longer shows" in batch.missing[gone]


def test_an_instance_without_the_batch_endpoint_is_read_one_by_one(peer: MastodonPeer) -> None:
    connector = MastodonConnector()
    status = _published(peer, connector)
    peer.api("POST", f"/api/v1/statuses/{status}/favourite", as_user="fan")
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 404, "body": {"error": "Record not found"}},
            "count": 1,
        }
    )

    batch = connector.fetch_engagement(peer.credentials(), [status, "999999999999"])

    assert batch.found[status].likes == 1
    assert set(batch.missing) == {"999999999999"}
    # Remembered per instance: no second try of the batch endpoint.
    assert connector.fetch_engagement(peer.credentials(), [status]).found[status].likes == 1


def test_more_ids_than_a_call_takes_is_a_programming_error(peer: MastodonPeer) -> None:
    with pytest.raises(ValueError, match="at most 20"):
        MastodonConnector().fetch_engagement(peer.credentials(), [str(n) for n in range(21)])


def test_a_refusal_and_a_rate_limit_say_what_to_do(peer: MastodonPeer) -> None:
    for effect in (
        {"type": "status", "status": 403, "body": {"error": "This action is not allowed"}},
        {"type": "ratelimit", "headers": {"Retry-After": "120"}},
    ):
        peer.add_fault(
            {
                "match": {"methods": ["GET"], "path": "/api/v1/statuses"},
                "effect": effect,
                "count": 1,
            }
        )
    with pytest.raises(PermanentError) as refused:
        MastodonConnector().fetch_engagement(peer.credentials(), ["1"])
    assert (refused.value.status, str(refused.value)) == (
        403,
        "Mastodon: This action is not allowed",
    )
    with pytest.raises(RateLimited) as limited:
        MastodonConnector().fetch_engagement(peer.credentials(), ["1"])
    assert limited.value.retry_after_seconds == 120
