"""No token or password in an exception message, a log line or a repr, whatever goes wrong —
even when a platform echoes the token back in its error body."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from channels_app.connectors import ConnectorError, PostPayload
from channels_app.connectors.facebook import GRAPH_VERSION, FacebookConnector
from channels_app.connectors.linkedin import LinkedInConnector
from channels_app.connectors.mastodon import MastodonConnector
from channels_app.connectors.x import XConnector
from channels_app.tests.peers.fixtures import MastodonPeer, free_port
from channels_app.tests.peers.http_platforms import FakeFacebook, FakeLinkedIn, FakeX

ACCESS = "ACCESS-7f3c9a2e61d04b8f"
REFRESH = "REFRESH-0b5e8d14c2a97f36"
CLIENT_SECRET = "CLIENTSECRET-9d2f7a0c"
SECRETS = (ACCESS, REFRESH, CLIENT_SECRET)


def payload() -> PostPayload:
    return PostPayload(text=f"hello {uuid.uuid4()}", idempotency_key=f"post-{uuid.uuid4()}")


def everything_said(exc: BaseException) -> str:
    """Message, repr, args, and the whole chained traceback as a log handler would print it."""
    return "\n".join([str(exc), repr(exc), repr(exc.args), *traceback.format_exception(exc)])


def attempt(call: Callable[[], Any]) -> str:
    try:
        call()
    except ConnectorError as exc:
        return everything_said(exc)
    return ""


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # urllib3's request lines too
    return caplog


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_mastodon_errors_and_logs_hold_no_token(
    mastodon_peer: MastodonPeer, debug_logs: pytest.LogCaptureFixture
) -> None:
    credentials = {"instance_url": mastodon_peer.url, "access_token": ACCESS}
    connector = MastodonConnector(read_timeout=0.2)
    unreachable = {"instance_url": f"http://127.0.0.1:{free_port()}", "access_token": ACCESS}
    mastodon_peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 500, "body": {"error": f"bad token {ACCESS}"}},
            "count": 1,
        }
    )

    said = [
        attempt(lambda: connector.publish(credentials, payload())),  # 500 echoing the token
        attempt(lambda: connector.publish(credentials, payload())),  # 401
        attempt(lambda: connector.verify(credentials)),
        attempt(lambda: connector.publish(unreachable, payload())),
    ]

    assert all(said), "every call above should have failed"
    assert "[redacted]" in said[0]
    assert_no_secret(*said, debug_logs.text, repr(connector), repr(connector.http))


def test_oauth_platform_errors_and_logs_hold_no_secret(
    linkedin_api: FakeLinkedIn,
    x_api: FakeX,
    facebook_api: FakeFacebook,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    # The three fakes share one server; each knows the token as its own.
    for fake in (linkedin_api, x_api, facebook_api):
        fake.access_tokens.add(ACCESS)
        fake.refresh_tokens.discard(REFRESH)
    base = linkedin_api.url
    linkedin = LinkedInConnector(api_base_url=base, token_url=f"{base}/oauth/v2/accessToken")
    x = XConnector(api_base_url=base, token_url=f"{base}/2/oauth2/token", read_timeout=0.3)
    facebook = FacebookConnector(api_base_url=base)
    li_credentials = {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "expires_at": "2099-01-01T00:00:00Z",
        "organization_id": linkedin_api.organization_id,
        "client_id": linkedin_api.client_id,
        "client_secret": CLIENT_SECRET,
    }
    x_credentials = {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "expires_at": "2099-01-01T00:00:00Z",
        "client_id": x_api.client_id,
        "client_secret": CLIENT_SECRET,
    }
    fb_credentials = {"page_id": facebook_api.page_id, "page_access_token": ACCESS}
    linkedin_api.fail_next(
        "POST", "/rest/posts", 422, {"message": f"token {ACCESS} refused", "status": 422}
    )
    facebook_api.fail_next(
        "POST",
        f"/{GRAPH_VERSION}/{facebook_api.page_id}/feed",
        400,
        {"error": {"message": f"Invalid OAuth access token - {ACCESS}", "code": 190}},
    )
    x_api.hang_after_recording("POST", "/2/tweets", seconds=0.6)

    said = [
        attempt(lambda: linkedin.publish(li_credentials, payload())),
        attempt(lambda: linkedin.refresh(li_credentials)),  # refresh token unknown: refused
        attempt(lambda: x.refresh(x_credentials)),
        attempt(lambda: x.publish(x_credentials, payload())),  # the answer comes too late
        attempt(lambda: facebook.publish(fb_credentials, payload())),
    ]

    assert all(said), "every call above should have failed"
    assert_no_secret(*said, debug_logs.text, repr(linkedin), repr(x), repr(facebook))
