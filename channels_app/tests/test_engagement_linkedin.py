"""LinkedIn engagement (organization share statistics, Rest.li 2.0) against the local server
speaking LinkedIn's API: figures of a batch of the organization's posts, posts it does not
report, a refusal with LinkedIn's message."""

from __future__ import annotations

import uuid

import pytest

from channels_app.connectors import Engagement, PermanentError, PostPayload
from channels_app.connectors.linkedin import LinkedInConnector
from channels_app.tests.peers.http_platforms import FakeLinkedIn


def connector(api: FakeLinkedIn) -> LinkedInConnector:
    return LinkedInConnector(api_base_url=api.url, token_url=f"{api.url}/oauth/v2/accessToken")


def _published(api: FakeLinkedIn) -> str:
    payload = PostPayload(text=f"Figures {uuid.uuid4().hex[:8]}", idempotency_key=str(uuid.uuid4()))
    return connector(api).publish(api.credentials(), payload).external_id


def test_share_statistics_of_a_batch(linkedin_api: FakeLinkedIn) -> None:
    liked, quiet = _published(linkedin_api), _published(linkedin_api)
    linkedin_api.statistics[liked] = {
        "likeCount": 12,
        "shareCount": 2,
        "commentCount": 4,
        "impressionCount": 1300,
    }
    stranger = "urn:li:share:42"
    ugc = "urn:li:ugcPost:77"

    batch = connector(linkedin_api).fetch_engagement(
        linkedin_api.credentials(), [liked, quiet, stranger, ugc]
    )

    assert batch.found[liked] == Engagement(likes=12, reposts=2, replies=4, views=1300)
    assert batch.found[quiet] == Engagement(likes=0, reposts=0, replies=0, views=0)
    assert set(batch.missing) == {stranger, ugc}
    assert not linkedin_api.problems
    # Shares and UGC posts are asked for separately, each as an encoded List().
    asked = [r for r, _ in linkedin_api.server.log if "ShareStatistics" in r.path]
    assert [r.args.get("shares", "") or r.args.get("ugcPosts", "") for r in asked] == [
        f"List({liked},{quiet},{stranger})",
        f"List({ugc})",
    ]


def test_another_organizations_posts_are_refused_with_linkedins_message(
    linkedin_api: FakeLinkedIn,
) -> None:
    credentials = {**linkedin_api.credentials(), "organization_id": "999"}
    with pytest.raises(PermanentError) as refused:
        connector(linkedin_api).fetch_engagement(credentials, ["urn:li:share:1"])
    assert (refused.value.status, str(refused.value)) == (403, "LinkedIn: Not enough permissions")
