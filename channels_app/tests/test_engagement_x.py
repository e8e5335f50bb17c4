"""X engagement (``GET /2/tweets`` with ``public_metrics``) against the local server speaking
the X API v2: figures of a batch, posts X cannot find, a rate limit and an expired token."""

from __future__ import annotations

import time
import uuid

import pytest

from channels_app.connectors import (
    Engagement,
    PostPayload,
    RateLimited,
    TokenExpiredError,
)
from channels_app.connectors.x import XConnector
from channels_app.tests.peers.http_platforms import FakeX


def connector(api: FakeX) -> XConnector:
    return XConnector(api_base_url=api.url, token_url=f"{api.url}/2/oauth2/token")


def _published(api: FakeX, text: str) -> str:
    payload = PostPayload(text=f"{text} {uuid.uuid4().hex[:6]}", idempotency_key=str(uuid.uuid4()))
    return connector(api).publish(api.credentials(), payload).external_id


def test_public_metrics_of_a_batch(x_api: FakeX) -> None:
    liked = _published(x_api, "Figures")
    quiet = _published(x_api, "Quiet")
    x_api.metrics[liked] = {
        "like_count": 7,
        "retweet_count": 2,
        "reply_count": 1,
        "quote_count": 3,
        "impression_count": 940,
    }

    batch = connector(x_api).fetch_engagement(x_api.credentials(), [liked, quiet, "1999"])

    assert batch.found[liked] == Engagement(likes=7, reposts=2, replies=1, quotes=3, views=940)
    assert batch.found[quiet] == Engagement(likes=0, reposts=0, replies=0, quotes=0, views=0)
    assert batch.missing == {"1999": "Could not find tweet with ids: [1999]."}
    request, _ = x_api.server.log[-1]
    assert request.args["ids"] == f"{liked},{quiet},1999"
    assert request.args["tweet.fields"] == "public_metrics"
    assert not x_api.problems


def test_a_rate_limit_says_when_to_come_back(x_api: FakeX) -> None:
    reset = int(time.time()) + 300
    x_api.fail_next(
        "GET",
        "/2/tweets",
        429,
        {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    with pytest.raises(RateLimited) as caught:
        connector(x_api).fetch_engagement(x_api.credentials(), ["1"])
    assert caught.value.retry_after_seconds == pytest.approx(300, abs=3)


def test_an_expired_token_asks_for_a_refresh(x_api: FakeX) -> None:
    with pytest.raises(TokenExpiredError):
        connector(x_api).fetch_engagement(x_api.credentials(expired=True), ["1"])
