"""Images to Mastodon: ``POST /api/v2/media`` with the alt text, then the status with
``media_ids``, against mastodon-mock. Read back from the peer: the status's attachments carry
the bytes sent and the alt text as their description."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from channels_app.connectors import MemoryMediaUploads, RetryableError, connector_for
from channels_app.tests.images import image, payload_with_images
from channels_app.tests.peers.fixtures import MastodonPeer


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


def status(peer: MastodonPeer, status_id: str) -> dict[str, object]:
    response = requests.get(
        f"{peer.url}/api/v1/statuses/{status_id}",
        headers={"Authorization": f"Bearer {peer.access_token}"},
        timeout=5,
    )
    response.raise_for_status()
    found: dict[str, object] = response.json()
    return found


def test_images_and_alt_text_arrive(peer: MastodonPeer) -> None:
    first, second = image("A red lighthouse at dusk", seed=1), image("Our team on stage", seed=2)
    post = payload_with_images(f"Two pictures {uuid.uuid4()}", first, second)

    result = connector_for("mastodon").publish(peer.credentials(), post)

    attachments = status(peer, result.external_id)["media_attachments"]
    assert isinstance(attachments, list)
    assert [a["description"] for a in attachments] == [first.alt_text, second.alt_text]
    assert [a["type"] for a in attachments] == ["image", "image"]
    stored = [requests.get(a["url"], timeout=5).content for a in attachments]
    assert stored == [first.data, second.data]


def test_a_retry_attaches_what_was_uploaded_instead_of_uploading_again(
    peer: MastodonPeer,
) -> None:
    uploads = MemoryMediaUploads()
    post = payload_with_images(
        f"Retried {uuid.uuid4()}", image("A chart", seed=3), image("A map", seed=4), uploads=uploads
    )
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 503},
            "count": 1,
        }
    )

    with pytest.raises(RetryableError):
        connector_for("mastodon").publish(peer.credentials(), post)
    first_attempt = set(uploads.references())
    assert len(first_attempt) == 2

    result = connector_for("mastodon").publish(peer.credentials(), post)

    attachments = status(peer, result.external_id)["media_attachments"]
    assert isinstance(attachments, list)
    # The status carries exactly the media of the first attempt: nothing was uploaded twice.
    assert {str(a["id"]) for a in attachments} == first_attempt
    assert len(uploads) == 2
