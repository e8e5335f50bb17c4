"""The X connector against a local server speaking the X API v2 and OAuth 2.0 shapes."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest

from channels_app.connectors import (
    OutcomeUnknownError,
    PermanentError,
    PostPayload,
    RetryableError,
    TokenExpiredError,
    call_with_fresh_token,
)
from channels_app.connectors.x import XConnector
from channels_app.tests.peers.http_platforms import FakeX


def connector(api: FakeX, *, read_timeout: float = 5.0) -> XConnector:
    return XConnector(
        api_base_url=api.url, token_url=f"{api.url}/2/oauth2/token", read_timeout=read_timeout
    )


def payload(text: str) -> PostPayload:
    return PostPayload(text=text, idempotency_key=f"post-{uuid.uuid4()}")


def test_publish_posts_json_text_with_the_user_token(x_api: FakeX) -> None:
    credentials = x_api.credentials()

    result = connector(x_api).publish(
        credentials, payload("Launch day! https://example.com/launch")
    )

    assert result.external_id == x_api.posts[0]["id"]
    assert result.url == f"https://x.com/i/web/status/{result.external_id}"
    request, _ = x_api.server.log[-1]
    assert request.headers["Authorization"] == f"Bearer {credentials['access_token']}"
    assert json.loads(request.get_data()) == {"text": "Launch day! https://example.com/launch"}


def test_duplicate_content_is_permanent_with_xs_message(x_api: FakeX) -> None:
    credentials = x_api.credentials()
    connector(x_api).publish(credentials, payload("Same words"))

    with pytest.raises(PermanentError) as caught:
        connector(x_api).publish(credentials, payload("Same words"))

    assert caught.value.status == 403
    assert "duplicate content" in caught.value.message
    assert len(x_api.posts) == 1


def test_invalid_request_is_permanent_with_the_field_message(x_api: FakeX) -> None:
    x_api.fail_next(
        "POST",
        "/2/tweets",
        400,
        {
            "errors": [{"message": "$.text: string found, but null is expected"}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )

    with pytest.raises(PermanentError, match=r"\$\.text: string found"):
        connector(x_api).publish(x_api.credentials(), payload("hello"))


def test_rate_limit_waits_until_the_reset_time(x_api: FakeX) -> None:
    reset = int(time.time()) + 120
    x_api.fail_next(
        "POST",
        "/2/tweets",
        429,
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )

    with pytest.raises(RetryableError) as caught:
        connector(x_api).publish(x_api.credentials(), payload("hello"))

    assert caught.value.status == 429
    assert caught.value.retry_after == pytest.approx(120, abs=3)
    assert x_api.posts == []


def test_outage_is_retryable(x_api: FakeX) -> None:
    x_api.fail_next(
        "POST",
        "/2/tweets",
        503,
        {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503},
    )

    with pytest.raises(RetryableError, match="Service Unavailable"):
        connector(x_api).publish(x_api.credentials(), payload("hello"))


def test_expired_token_refreshes_rotates_and_posts_once(x_api: FakeX) -> None:
    credentials = x_api.credentials(expired=True)
    saved: list[dict[str, str]] = []
    client = connector(x_api)

    result = call_with_fresh_token(
        client,
        credentials,
        lambda c: client.publish(c, payload("after refresh")),
        save=saved.append,
    )

    assert x_api.refreshes == 1
    assert saved[0]["refresh_token"] != credentials["refresh_token"]  # X rotated it
    assert saved[0]["refresh_token"] in x_api.refresh_tokens
    assert credentials["refresh_token"] not in x_api.refresh_tokens
    assert [p["id"] for p in x_api.posts] == [result.external_id]
    token_request = next(r for r, _ in x_api.server.log if r.path == "/2/oauth2/token")
    assert token_request.form["grant_type"] == "refresh_token"
    assert token_request.form["client_id"] == x_api.client_id
    assert "Authorization" not in token_request.headers  # a public client sends no secret


def test_confidential_client_refreshes_with_basic_auth(x_api: FakeX) -> None:
    credentials = {**x_api.credentials(), "client_secret": "x-client-secret-value"}

    connector(x_api).refresh(credentials)

    token_request = next(r for r, _ in x_api.server.log if r.path == "/2/oauth2/token")
    expected = base64.b64encode(f"{x_api.client_id}:x-client-secret-value".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert "client_secret" not in token_request.form


def test_unauthorized_is_a_token_expiry_to_refresh(x_api: FakeX) -> None:
    with pytest.raises(TokenExpiredError):
        connector(x_api).publish(x_api.credentials(expired=True), payload("hello"))


def test_used_refresh_token_is_refused_permanently(x_api: FakeX) -> None:
    credentials = x_api.credentials()
    connector(x_api).refresh(credentials)

    with pytest.raises(PermanentError, match="Value passed for the token was invalid"):
        connector(x_api).refresh(credentials)


def test_lost_answer_is_unknown_and_find_existing_matches_through_tco_links(x_api: FakeX) -> None:
    credentials = x_api.credentials()
    post = payload("Read this & share: https://example.com/a-long/path?x=1 <3")
    x_api.hang_after_recording("POST", "/2/tweets", seconds=1.0)
    client = connector(x_api, read_timeout=0.3)

    with pytest.raises(OutcomeUnknownError):
        client.publish(credentials, post)

    found = client.find_existing(credentials, post)
    assert found is not None
    assert found.external_id == x_api.posts[0]["id"]
    assert client.find_existing(credentials, payload("never sent")) is None
    list_request = next(
        r for r, _ in x_api.server.log if r.path.endswith("/tweets") and r.method == "GET"
    )
    assert "entities" in list_request.args["tweet.fields"]


def test_verify_names_the_account(x_api: FakeX) -> None:
    identity = connector(x_api).verify(x_api.credentials())

    assert identity.handle == "@acme"
    assert identity.name == "Acme Corp"
    assert identity.account_id == x_api.user_id
    assert identity.max_characters == 280
