"""Facebook engagement (a Page post's reactions, comments and shares as Graph summaries)
against the local server speaking the Graph API: figures, a post Graph cannot load any more,
a rate limit."""

from __future__ import annotations

import uuid

import pytest

from channels_app.connectors import Engagement, PostPayload, RateLimited
from channels_app.connectors.facebook import FacebookConnector
from channels_app.tests.peers.http_platforms import FakeFacebook, graph_error


def connector(api: FakeFacebook) -> FacebookConnector:
    return FacebookConnector(api_base_url=api.url)


def _published(api: FakeFacebook) -> str:
    payload = PostPayload(text=f"Figures {uuid.uuid4().hex[:8]}", idempotency_key=str(uuid.uuid4()))
    return connector(api).publish(api.credentials(), payload).external_id


def test_reactions_comments_and_shares(facebook_api: FakeFacebook) -> None:
    liked, quiet = _published(facebook_api), _published(facebook_api)
    facebook_api.engagement[liked] = {"reactions": 9, "shares": 2}
    first = facebook_api.comment_as_fan(liked, "Great")
    facebook_api.comment_as_fan(first["id"], "A reply is not counted as a comment on the post")
    facebook_api.comment_as_fan(liked, "Agreed")
    fb = connector(facebook_api)

    assert fb.fetch_engagement(facebook_api.credentials(), [liked]).found[liked] == Engagement(
        likes=9, reposts=2, replies=2
    )
    assert fb.fetch_engagement(facebook_api.credentials(), [quiet]).found[quiet] == Engagement(
        likes=0, reposts=0, replies=0
    )
    gone = fb.fetch_engagement(facebook_api.credentials(), [f"{facebook_api.page_id}_1"])
    assert not gone.found
    assert "Object does not exist" in gone.missing[f"{facebook_api.page_id}_1"]
    assert not facebook_api.problems


def test_one_post_a_call(facebook_api: FakeFacebook) -> None:
    with pytest.raises(ValueError, match="at most 1"):
        connector(facebook_api).fetch_engagement(facebook_api.credentials(), ["1", "2"])


def test_a_rate_limit_leaves_the_page_alone(facebook_api: FakeFacebook) -> None:
    post = _published(facebook_api)
    body, status = graph_error("(#32) Page request limit reached", 32, status=400)
    facebook_api.fail_next("GET", f"/v21.0/{post}", status, body)
    with pytest.raises(RateLimited) as limited:
        connector(facebook_api).fetch_engagement(facebook_api.credentials(), [post])
    assert limited.value.retry_after_seconds > 0
