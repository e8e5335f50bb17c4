"""Images to Bluesky: ``com.atproto.repo.uploadBlob`` then an ``app.bsky.embed.images`` embed
with alt text, against the reference PDS. Read back from the PDS: the record's embed names the
blobs with their alt text, and the blobs hold the bytes sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import requests

from channels_app.connectors import MemoryMediaUploads, PostPayload
from channels_app.connectors.bluesky import BlueskyConnector
from channels_app.tests.images import image
from channels_app.tests.peers.fixtures import BlueskyPeer


def record(peer: BlueskyPeer, uri: str) -> dict[str, object]:
    rkey = uri.rsplit("/", 1)[1]
    response = requests.get(
        f"{peer.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": peer.did, "collection": "app.bsky.feed.post", "rkey": rkey},
        timeout=10,
    )
    response.raise_for_status()
    value: dict[str, object] = response.json()["value"]
    return value


def blob(peer: BlueskyPeer, cid: str) -> bytes:
    response = requests.get(
        f"{peer.pds_url}/xrpc/com.atproto.sync.getBlob",
        params={"did": peer.did, "cid": cid},
        timeout=10,
    )
    response.raise_for_status()
    return response.content


def test_images_and_alt_text_arrive(bluesky_peer: BlueskyPeer) -> None:
    first = image("A red lighthouse at dusk", seed=11)
    second = image("Our booth at the fair", seed=12, fmt="JPEG")
    uploads = MemoryMediaUploads()
    post = PostPayload(
        text=f"Pictures from the fair {uuid.uuid4()}",
        idempotency_key=f"post-{uuid.uuid4()}",
        images=(first, second),
        created_at=datetime.now(UTC).replace(microsecond=0),
        uploads=uploads,
    )

    result = BlueskyConnector().publish(bluesky_peer.credentials(), post)

    embed = record(bluesky_peer, result.external_id)["embed"]
    assert isinstance(embed, dict)
    assert embed["$type"] == "app.bsky.embed.images"
    assert [entry["alt"] for entry in embed["images"]] == [first.alt_text, second.alt_text]
    assert [entry["image"]["mimeType"] for entry in embed["images"]] == [
        "image/png",
        "image/jpeg",
    ]
    assert embed["images"][0]["aspectRatio"] == {"width": 64, "height": 48}
    cids = [entry["image"]["ref"]["$link"] for entry in embed["images"]]
    assert [blob(bluesky_peer, cid) for cid in cids] == [first.data, second.data]
    assert len(uploads) == 2


def test_publishing_again_finds_the_record_and_uploads_nothing(bluesky_peer: BlueskyPeer) -> None:
    uploads = MemoryMediaUploads()
    post = PostPayload(
        text=f"Once only {uuid.uuid4()}",
        idempotency_key=f"post-{uuid.uuid4()}",
        images=(image("A chart of our growth", seed=13),),
        created_at=datetime.now(UTC).replace(microsecond=0),
        uploads=uploads,
    )
    connector = BlueskyConnector()
    first = connector.publish(bluesky_peer.credentials(), post)
    references = uploads.references()

    again = connector.publish(bluesky_peer.credentials(), post)

    assert again == first
    assert uploads.references() == references
    mine = [r for r in bluesky_peer.list_posts() if r["uri"] == first.external_id]
    assert len(mine) == 1
