"""The Facebook Pages connector against a local server speaking the Graph API shapes."""

from __future__ import annotations

import uuid

import pytest

from channels_app.connectors import (
    OutcomeUnknownError,
    PermanentError,
    PostPayload,
    RetryableError,
)
from channels_app.connectors.facebook import GRAPH_VERSION, FacebookConnector
from channels_app.tests.peers.http_platforms import FakeFacebook, graph_error


def connector(api: FakeFacebook, *, read_timeout: float = 5.0) -> FacebookConnector:
    return FacebookConnector(api_base_url=api.url, read_timeout=read_timeout)


def payload(text: str) -> PostPayload:
    return PostPayload(text=text, idempotency_key=f"post-{uuid.uuid4()}")


def feed(api: FakeFacebook) -> str:
    return f"/{GRAPH_VERSION}/{api.page_id}/feed"


def test_publish_posts_the_message_to_the_pages_feed(facebook_api: FakeFacebook) -> None:
    credentials = facebook_api.credentials()

    result = connector(facebook_api).publish(credentials, payload("Open day on Saturday!"))

    assert result.external_id == facebook_api.posts[0]["id"]
    assert result.external_id.startswith(f"{facebook_api.page_id}_")
    request, _ = facebook_api.server.log[-1]
    assert request.path == feed(facebook_api)
    assert request.form["message"] == "Open day on Saturday!"
    # The token travels in the header, never in the URL.
    assert request.headers["Authorization"] == f"Bearer {credentials['page_access_token']}"
    assert credentials["page_access_token"] not in request.url


def test_duplicate_is_permanent_with_the_graph_message(facebook_api: FakeFacebook) -> None:
    credentials = facebook_api.credentials()
    connector(facebook_api).publish(credentials, payload("Twice"))

    with pytest.raises(PermanentError) as caught:
        connector(facebook_api).publish(credentials, payload("Twice"))

    assert "Duplicate status message (code 506)" in caught.value.message


def test_expired_page_token_is_permanent(facebook_api: FakeFacebook) -> None:
    credentials = {**facebook_api.credentials(), "page_access_token": "EAAB-expired-page-token"}

    with pytest.raises(PermanentError) as caught:
        connector(facebook_api).publish(credentials, payload("hello"))

    assert "Error validating access token" in caught.value.message
    assert "code 190" in caught.value.message


def test_page_rate_limit_is_retryable_with_a_wait(facebook_api: FakeFacebook) -> None:
    body, status = graph_error("(#32) Page request limit reached", 32, 400)
    facebook_api.fail_next("POST", feed(facebook_api), status, body)

    with pytest.raises(RetryableError) as caught:
        connector(facebook_api).publish(facebook_api.credentials(), payload("hello"))

    assert caught.value.retry_after == 300
    assert facebook_api.posts == []


def test_transient_server_error_is_retryable(facebook_api: FakeFacebook) -> None:
    body, status = graph_error(
        "An unexpected error has occurred. Please retry your request later.",
        2,
        500,
        is_transient=True,
    )
    facebook_api.fail_next("POST", feed(facebook_api), status, body)

    with pytest.raises(RetryableError, match="retry your request later"):
        connector(facebook_api).publish(facebook_api.credentials(), payload("hello"))


def test_lost_answer_is_unknown_and_find_existing_finds_the_post(
    facebook_api: FakeFacebook,
) -> None:
    credentials = facebook_api.credentials()
    post = payload("Results are in:\n  all good.")
    facebook_api.hang_after_recording("POST", feed(facebook_api), seconds=1.0)
    client = connector(facebook_api, read_timeout=0.3)

    with pytest.raises(OutcomeUnknownError):
        client.publish(credentials, post)

    found = client.find_existing(credentials, post)
    assert found is not None
    assert found.external_id == facebook_api.posts[0]["id"]
    assert found.url == facebook_api.posts[0]["permalink_url"]
    assert client.find_existing(credentials, payload("never sent")) is None


def test_verify_names_the_page(facebook_api: FakeFacebook) -> None:
    identity = connector(facebook_api).verify(facebook_api.credentials())

    assert identity.name == "Acme Corp"
    assert identity.handle == "acmecorp"
    assert identity.account_id == facebook_api.page_id
