"""Images to LinkedIn (Images API), X (media upload + metadata) and Facebook (unpublished Page
photos attached to a feed post), against the local stand-ins that speak those APIs' documented
requests. Each test reads what arrived back from the stand-in; retries upload nothing twice."""

from __future__ import annotations

import uuid

import pytest

from channels_app.connectors import MemoryMediaUploads, PermanentError, RetryableError
from channels_app.connectors.facebook import FacebookConnector
from channels_app.connectors.linkedin import LinkedInConnector
from channels_app.connectors.x import XConnector
from channels_app.tests.images import image, payload_with_images
from channels_app.tests.peers.http_platforms import FakeFacebook, FakeLinkedIn, FakeX

# --- LinkedIn -------------------------------------------------------------------------------


def linkedin(fake: FakeLinkedIn) -> LinkedInConnector:
    return LinkedInConnector(api_base_url=fake.url, token_url=f"{fake.url}/oauth/v2/accessToken")


def test_linkedin_one_image_is_content_media_with_alt_text(linkedin_api: FakeLinkedIn) -> None:
    picture = image("Our new office in Lyon", seed=21)

    result = linkedin(linkedin_api).publish(
        linkedin_api.credentials(), payload_with_images(f"Hello {uuid.uuid4()}", picture)
    )

    post = next(p for p in linkedin_api.posts if p["id"] == result.external_id)
    urn = post["content"]["media"]["id"]
    assert post["content"]["media"]["altText"] == picture.alt_text
    assert linkedin_api.media[urn]["data"] == picture.data
    assert linkedin_api.uploads == 1


def test_linkedin_several_images_are_a_multi_image_post(linkedin_api: FakeLinkedIn) -> None:
    pictures = [image(f"Slide {n}", seed=30 + n) for n in range(3)]

    result = linkedin(linkedin_api).publish(
        linkedin_api.credentials(), payload_with_images(f"Slides {uuid.uuid4()}", *pictures)
    )

    post = next(p for p in linkedin_api.posts if p["id"] == result.external_id)
    entries = post["content"]["multiImage"]["images"]
    assert [e["altText"] for e in entries] == ["Slide 0", "Slide 1", "Slide 2"]
    assert [linkedin_api.media[e["id"]]["data"] for e in entries] == [p.data for p in pictures]


def test_linkedin_retry_reuses_the_uploaded_images(linkedin_api: FakeLinkedIn) -> None:
    uploads = MemoryMediaUploads()
    post = payload_with_images(
        f"Retry {uuid.uuid4()}", image("A", seed=41), image("B", seed=42), uploads=uploads
    )
    linkedin_api.fail_next("POST", "/rest/posts", 503, {"message": "Service unavailable"})

    with pytest.raises(RetryableError):
        linkedin(linkedin_api).publish(linkedin_api.credentials(), post)
    assert linkedin_api.uploads == 2

    result = linkedin(linkedin_api).publish(linkedin_api.credentials(), post)

    assert linkedin_api.uploads == 2  # nothing uploaded twice
    published = next(p for p in linkedin_api.posts if p["id"] == result.external_id)
    assert [e["id"] for e in published["content"]["multiImage"]["images"]] == (uploads.references())


def test_linkedin_refuses_webp_before_sending_anything(linkedin_api: FakeLinkedIn) -> None:
    with pytest.raises(PermanentError, match="does not take"):
        linkedin(linkedin_api).publish(
            linkedin_api.credentials(),
            payload_with_images("WebP", image("x", seed=5, fmt="WEBP")),
        )
    assert linkedin_api.uploads == 0


def test_linkedin_upload_address_outside_linkedin_is_refused(
    linkedin_api: FakeLinkedIn, httpserver: object
) -> None:
    connector = LinkedInConnector(api_base_url=linkedin_api.url)
    assert connector._upload_url_allowed("https://www.linkedin.com/dms-uploads/x")
    assert not connector._upload_url_allowed("https://evil.example/dms-uploads/x")
    assert not connector._upload_url_allowed("http://www.linkedin.com/dms-uploads/x")


# --- X --------------------------------------------------------------------------------------


def x(fake: FakeX) -> XConnector:
    return XConnector(api_base_url=fake.url, token_url=f"{fake.url}/2/oauth2/token")


def test_x_images_with_alt_text_arrive(x_api: FakeX) -> None:
    pictures = [image("Chart of Q3 sales", seed=51), image("", seed=52, fmt="GIF")]

    result = x(x_api).publish(x_api.credentials(), payload_with_images("Q3", *pictures))

    post = next(p for p in x_api.posts if p["id"] == result.external_id)
    assert [x_api.media[m]["data"] for m in post["media_ids"]] == [p.data for p in pictures]
    assert [x_api.media[m]["alt_text"] for m in post["media_ids"]] == ["Chart of Q3 sales", None]


def test_x_retry_reuses_the_uploaded_images(x_api: FakeX) -> None:
    uploads = MemoryMediaUploads()
    post = payload_with_images(f"Retry {uuid.uuid4()}", image("A", seed=61), uploads=uploads)
    x_api.fail_next("POST", "/2/tweets", 503, {"title": "Service Unavailable"})

    with pytest.raises(RetryableError):
        x(x_api).publish(x_api.credentials(), post)
    result = x(x_api).publish(x_api.credentials(), post)

    assert x_api.uploads == 1
    assert next(p for p in x_api.posts if p["id"] == result.external_id)["media_ids"] == (
        uploads.references()
    )


def test_x_a_failed_alt_text_is_retried_with_a_new_upload_and_nothing_published(
    x_api: FakeX,
) -> None:
    uploads = MemoryMediaUploads()
    post = payload_with_images("Alt", image("Described", seed=62), uploads=uploads)
    x_api.fail_next("POST", "/2/media/metadata", 503, {"title": "Service Unavailable"})

    with pytest.raises(RetryableError):
        x(x_api).publish(x_api.credentials(), post)
    # Not accepted with its alt text: not remembered, so the retry uploads it again.
    assert len(uploads) == 0
    result = x(x_api).publish(x_api.credentials(), post)

    media_id = next(p for p in x_api.posts if p["id"] == result.external_id)["media_ids"][0]
    assert x_api.media[media_id]["alt_text"] == "Described"
    assert len(x_api.posts) == 1


# --- Facebook -------------------------------------------------------------------------------


def facebook(fake: FakeFacebook) -> FacebookConnector:
    return FacebookConnector(api_base_url=fake.url)


def test_facebook_unpublished_photos_are_attached_to_the_post(facebook_api: FakeFacebook) -> None:
    pictures = [image("The team", seed=71), image("The product", seed=72, fmt="JPEG")]

    result = facebook(facebook_api).publish(
        facebook_api.credentials(), payload_with_images(f"Photos {uuid.uuid4()}", *pictures)
    )

    post = next(p for p in facebook_api.posts if p["id"] == result.external_id)
    photos = [facebook_api.media[i] for i in post["attached_media"]]
    assert [p["data"] for p in photos] == [p.data for p in pictures]
    assert [p["alt_text"] for p in photos] == ["The team", "The product"]
    assert all(p["published"] for p in photos)  # published with the post, not before


def test_facebook_retry_reuses_the_uploaded_photos(facebook_api: FakeFacebook) -> None:
    uploads = MemoryMediaUploads()
    post = payload_with_images(
        f"Retry {uuid.uuid4()}", image("A", seed=81), image("B", seed=82), uploads=uploads
    )
    facebook_api.fail_next(
        "POST",
        f"/v21.0/{facebook_api.page_id}/feed",
        500,
        {
            "error": {
                "message": "An unexpected error has occurred.",
                "code": 2,
                "is_transient": True,
            }
        },
    )

    with pytest.raises(RetryableError):
        facebook(facebook_api).publish(facebook_api.credentials(), post)
    result = facebook(facebook_api).publish(facebook_api.credentials(), post)

    assert facebook_api.uploads == 2
    published = next(p for p in facebook_api.posts if p["id"] == result.external_id)
    assert published["attached_media"] == uploads.references()
