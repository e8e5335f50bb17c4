"""The LinkedIn connector against a local server speaking the Posts API and OAuth shapes."""

from __future__ import annotations

import json
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
from channels_app.connectors.linkedin import LINKEDIN_VERSION, LinkedInConnector
from channels_app.tests.peers.http_platforms import FakeLinkedIn


def connector(api: FakeLinkedIn, *, read_timeout: float = 5.0) -> LinkedInConnector:
    return LinkedInConnector(
        api_base_url=api.url,
        token_url=f"{api.url}/oauth/v2/accessToken",
        read_timeout=read_timeout,
    )


def payload(text: str) -> PostPayload:
    return PostPayload(text=text, idempotency_key=f"post-{uuid.uuid4()}")


def test_publish_sends_the_documented_request_and_reads_the_id_header(
    linkedin_api: FakeLinkedIn,
) -> None:
    credentials = linkedin_api.credentials()

    result = connector(linkedin_api).publish(
        credentials, payload("Hiring engineers (Berlin) — #Careers @ Acme")
    )

    assert result.external_id == linkedin_api.posts[0]["id"]
    assert result.external_id.startswith("urn:li:share:")
    assert result.url == f"https://www.linkedin.com/feed/update/{result.external_id}/"
    request, _ = linkedin_api.server.log[-1]
    assert request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert request.headers["Authorization"] == f"Bearer {credentials['access_token']}"
    body = json.loads(request.get_data())
    assert body["author"] == f"urn:li:organization:{linkedin_api.organization_id}"
    assert body["commentary"] == r"Hiring engineers \(Berlin\) — {hashtag|\#|Careers} \@ Acme"


def test_duplicate_content_is_permanent_with_linkedins_message(linkedin_api: FakeLinkedIn) -> None:
    credentials = linkedin_api.credentials()
    post = payload("Same words twice")
    connector(linkedin_api).publish(credentials, post)

    with pytest.raises(PermanentError) as caught:
        connector(linkedin_api).publish(credentials, payload("Same words twice"))

    assert caught.value.status == 422
    assert "Content is a duplicate of urn:li:share:" in caught.value.message
    assert len(linkedin_api.posts) == 1


def test_invalid_token_is_permanent_not_a_refresh(linkedin_api: FakeLinkedIn) -> None:
    credentials = {**linkedin_api.credentials(), "access_token": "revoked"}

    with pytest.raises(PermanentError) as caught:
        connector(linkedin_api).publish(credentials, payload("hello"))

    assert not isinstance(caught.value, TokenExpiredError)
    assert caught.value.status == 401
    assert "Invalid access token" in caught.value.message


def test_forbidden_is_permanent(linkedin_api: FakeLinkedIn) -> None:
    linkedin_api.fail_next(
        "POST",
        "/rest/posts",
        403,
        {
            "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE",
            "status": 403,
        },
    )

    with pytest.raises(PermanentError, match="Not enough permissions"):
        connector(linkedin_api).publish(linkedin_api.credentials(), payload("hello"))


@pytest.mark.parametrize(("status", "headers"), [(429, {"Retry-After": "60"}), (503, {})])
def test_throttling_and_outages_are_retryable(
    linkedin_api: FakeLinkedIn, status: int, headers: dict[str, str]
) -> None:
    linkedin_api.fail_next(
        "POST",
        "/rest/posts",
        status,
        {"message": "Resource level throttle limit", "status": status},
        headers,
    )

    with pytest.raises(RetryableError) as caught:
        connector(linkedin_api).publish(linkedin_api.credentials(), payload("hello"))

    assert caught.value.status == status
    assert caught.value.retry_after == (60 if headers else None)
    assert linkedin_api.posts == []


def test_expired_token_is_refreshed_and_the_post_goes_out_once(linkedin_api: FakeLinkedIn) -> None:
    credentials = linkedin_api.credentials(expired=True)
    saved: list[dict[str, str]] = []
    li = connector(linkedin_api)

    with pytest.raises(TokenExpiredError):
        li.publish(credentials, payload("first try"))
    result = call_with_fresh_token(
        li, credentials, lambda c: li.publish(c, payload("after refresh")), save=saved.append
    )

    assert linkedin_api.refreshes == 1
    assert len(saved) == 1
    assert saved[0]["access_token"] != credentials["access_token"]
    assert saved[0]["access_token"] in linkedin_api.access_tokens
    assert saved[0]["expires_at"] > "2026"
    assert [p["id"] for p in linkedin_api.posts] == [result.external_id]


def test_token_known_to_be_expired_is_refreshed_before_sending(linkedin_api: FakeLinkedIn) -> None:
    credentials = {**linkedin_api.credentials(expired=True), "expires_at": "1700000000"}
    saved: list[dict[str, str]] = []
    li = connector(linkedin_api)

    call_with_fresh_token(
        li, credentials, lambda c: li.publish(c, payload("hi")), save=saved.append
    )

    assert linkedin_api.refreshes == 1
    # Only the one post request: no refused attempt with the stale token first.
    assert [r.path for r, _ in linkedin_api.server.log].count("/rest/posts") == 1


def test_refresh_without_the_app_secret_asks_for_a_reconnect(linkedin_api: FakeLinkedIn) -> None:
    credentials = linkedin_api.credentials()
    del credentials["client_secret"]

    with pytest.raises(PermanentError, match="reconnect"):
        connector(linkedin_api).refresh(credentials)


def test_refused_refresh_token_is_permanent(linkedin_api: FakeLinkedIn) -> None:
    credentials = {**linkedin_api.credentials(), "refresh_token": "no-longer-valid-refresh-token"}

    with pytest.raises(PermanentError, match="invalid, expired or revoked"):
        connector(linkedin_api).refresh(credentials)


def test_lost_answer_is_unknown_and_find_existing_finds_the_post(
    linkedin_api: FakeLinkedIn,
) -> None:
    credentials = linkedin_api.credentials()
    post = payload("Quarterly update: all (good) news_")
    linkedin_api.hang_after_recording("POST", "/rest/posts", seconds=1.0)
    li = connector(linkedin_api, read_timeout=0.3)

    with pytest.raises(OutcomeUnknownError):
        li.publish(credentials, post)

    found = li.find_existing(credentials, post)
    assert found is not None
    assert found.external_id == linkedin_api.posts[0]["id"]
    assert li.find_existing(credentials, payload("something else")) is None
    assert len(linkedin_api.posts) == 1


def test_verify_names_the_organization(linkedin_api: FakeLinkedIn) -> None:
    identity = connector(linkedin_api).verify(linkedin_api.credentials())

    assert identity.name == "Acme Corp"
    assert identity.handle == "acme"
    assert identity.account_id == f"urn:li:organization:{linkedin_api.organization_id}"
    assert identity.url == "https://www.linkedin.com/company/acme/"
