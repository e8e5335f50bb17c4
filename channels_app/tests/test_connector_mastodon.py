"""The Mastodon connector against mastodon-mock, a real Mastodon API server on 127.0.0.1."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from channels_app.connectors import (
    OutcomeUnknownError,
    PermanentError,
    PostPayload,
    RetryableError,
    connector_for,
)
from channels_app.connectors.mastodon import MastodonConnector, html_to_text
from channels_app.tests.peers.fixtures import MastodonPeer


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


def payload(text: str) -> PostPayload:
    return PostPayload(text=text, idempotency_key=f"post-{uuid.uuid4()}")


def own_statuses(peer: MastodonPeer) -> list[dict[str, object]]:
    headers = {"Authorization": f"Bearer {peer.access_token}"}
    me = requests.get(
        f"{peer.url}/api/v1/accounts/verify_credentials", headers=headers, timeout=5
    ).json()
    response = requests.get(
        f"{peer.url}/api/v1/accounts/{me['id']}/statuses",
        headers=headers,
        params={"limit": 40},
        timeout=5,
    )
    statuses: list[dict[str, object]] = response.json()
    return statuses


def test_publish_creates_one_public_status(peer: MastodonPeer) -> None:
    post = payload(f"Our spring release notes are out: https://example.com/notes {uuid.uuid4()}")

    result = connector_for("mastodon").publish(peer.credentials(), post)

    statuses = {str(s["id"]): s for s in own_statuses(peer)}
    assert result.external_id in statuses
    assert statuses[result.external_id]["visibility"] == "public"
    assert result.url == statuses[result.external_id]["url"]
    assert html_to_text(str(statuses[result.external_id]["content"])) == post.text


def test_retry_with_the_same_key_gives_one_status(peer: MastodonPeer) -> None:
    post = payload(f"Exactly once, please. {uuid.uuid4()}")
    before = len(own_statuses(peer))

    first = connector_for("mastodon").publish(peer.credentials(), post)
    second = connector_for("mastodon").publish(peer.credentials(), post)

    assert second == first
    assert len(own_statuses(peer)) == before + 1


def test_answer_lost_after_sending_is_an_unknown_outcome(peer: MastodonPeer) -> None:
    connector = MastodonConnector(read_timeout=0.5)
    post = payload(f"Sent, but the answer is slow. {uuid.uuid4()}")
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "latency", "delay_ms": 1500},
            "count": 1,
        }
    )

    with pytest.raises(OutcomeUnknownError):
        connector.publish(peer.credentials(), post)

    # The engine looks before it resends. mastodon-mock drops a request whose client left, so
    # here the look finds nothing and the one resend (same key) makes the one status.
    time.sleep(1.2)
    assert connector.find_existing(peer.credentials(), post) is None
    published = connector.publish(peer.credentials(), post)
    assert connector.find_existing(peer.credentials(), post) == published
    assert connector.publish(peer.credentials(), post) == published
    assert sum(1 for s in own_statuses(peer) if str(s["id"]) == published.external_id) == 1


def test_find_existing_is_none_for_a_post_never_sent(peer: MastodonPeer) -> None:
    assert connector_for("mastodon").find_existing(peer.credentials(), payload("never")) is None


def test_429_with_retry_after_is_retryable_with_the_wait(peer: MastodonPeer) -> None:
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "ratelimit", "headers": {"Retry-After": "37"}},
            "count": 1,
        }
    )
    post = payload(f"Rate limited. {uuid.uuid4()}")

    with pytest.raises(RetryableError) as caught:
        connector_for("mastodon").publish(peer.credentials(), post)

    assert caught.value.status == 429
    assert caught.value.retry_after == 37
    assert "Too many requests" in caught.value.message
    assert connector_for("mastodon").find_existing(peer.credentials(), post) is None


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retryable(peer: MastodonPeer, status: int) -> None:
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": status},
            "count": 1,
        }
    )
    post = payload(f"Server trouble. {uuid.uuid4()}")

    with pytest.raises(RetryableError) as caught:
        connector_for("mastodon").publish(peer.credentials(), post)

    assert caught.value.status == status
    # The next attempt goes through: the fault was one request long.
    assert connector_for("mastodon").publish(peer.credentials(), post).external_id


def test_422_is_permanent_with_mastodons_message(peer: MastodonPeer) -> None:
    with pytest.raises(PermanentError) as caught:
        connector_for("mastodon").publish(peer.credentials(), payload("x" * 501))

    assert caught.value.status == 422
    assert "Text is too long (maximum is 500 characters)" in caught.value.message


def test_bad_token_is_permanent(peer: MastodonPeer) -> None:
    credentials = {**peer.credentials(), "access_token": "not-a-token-of-this-instance"}

    with pytest.raises(PermanentError) as caught:
        connector_for("mastodon").publish(credentials, payload("hello"))

    assert caught.value.status == 401


def test_verify_returns_the_account_and_the_instance_limit(peer: MastodonPeer) -> None:
    identity = connector_for("mastodon").verify(peer.credentials())

    assert identity.name == "Acme Corp"
    assert identity.handle.startswith("@acme@")
    assert identity.max_characters == 500
    assert identity.account_id


def test_plain_http_is_refused_for_a_remote_instance() -> None:
    with pytest.raises(PermanentError, match="https://"):
        connector_for("mastodon").verify(
            {"instance_url": "http://mastodon.example", "access_token": "secret-token"}
        )


def test_verify_falls_back_to_the_v1_instance_api(peer: MastodonPeer) -> None:
    # An older instance (Mastodon < 4.0) has no /api/v2/instance.
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/instance"},
            "effect": {"type": "status", "status": 404, "body": {"error": "Record not found"}},
            "count": 1,
        }
    )

    identity = connector_for("mastodon").verify(peer.credentials())

    # The v2 request met the 404 (the one-shot fault is used up), and the limit still came:
    # from /api/v1/instance.
    assert requests.get(f"{peer.url}/api/v1/_mock/faults", timeout=5).json() == []
    assert identity.max_characters == 500
