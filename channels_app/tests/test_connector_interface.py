"""What every connector shares: the registry, the credentials table, payloads, Bluesky record
keys and facets, LinkedIn's little text, and reading a platform's wait time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from channels_app.connectors import (
    CONNECTORS,
    CREDENTIAL_FIELDS,
    Connector,
    PermanentError,
    PostPayload,
    call_with_fresh_token,
    connector_for,
)
from channels_app.connectors.bluesky import record_key
from channels_app.connectors.bluesky_facets import detect
from channels_app.connectors.linkedin import little_text
from channels_app.connectors.transport import parse_retry_after
from channels_app.platforms import Platform

TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


@pytest.mark.parametrize(
    "platform",
    [Platform.MASTODON, Platform.BLUESKY, Platform.LINKEDIN, Platform.X, Platform.FACEBOOK],
)
def test_every_external_platform_has_a_connector_and_a_credentials_row(platform: str) -> None:
    connector = connector_for(platform)

    assert isinstance(connector, Connector)
    assert connector.platform == platform
    assert connector_for(platform) is connector  # one per process: pools and sessions are shared
    assert CREDENTIAL_FIELDS[platform]


def test_every_platform_has_a_connector_the_internal_feed_too() -> None:
    # The internal feed's connector lives beside the feed it writes to (publishing, which
    # registers it when Django starts).
    assert set(CONNECTORS) == set(Platform.values)
    internal = connector_for(Platform.INTERNAL)
    assert (internal.platform, type(internal).__module__) == (
        Platform.INTERNAL,
        "publishing.internal_feed",
    )
    with pytest.raises(LookupError, match="tiktok"):
        connector_for("tiktok")


def test_credentials_table_names_what_the_issue_lists() -> None:
    def required(platform: str) -> set[str]:
        return {f.name for f in CREDENTIAL_FIELDS[platform] if f.required}

    assert required(Platform.MASTODON) == {"instance_url", "access_token"}
    assert required(Platform.BLUESKY) == {"pds_url", "handle", "app_password"}
    assert required(Platform.LINKEDIN) == {
        "access_token",
        "refresh_token",
        "expires_at",
        "organization_id",
    }
    assert required(Platform.X) == {"access_token", "refresh_token", "expires_at", "client_id"}
    assert required(Platform.FACEBOOK) == {"page_id", "page_access_token"}
    secrets = {f.name for fields in CREDENTIAL_FIELDS.values() for f in fields if f.secret}
    assert secrets == {
        "access_token",
        "app_password",
        "refresh_token",
        "client_secret",
        "page_access_token",
    }


def test_missing_credentials_are_a_permanent_error_naming_them() -> None:
    payload = PostPayload(text="hello", idempotency_key="k1")

    with pytest.raises(PermanentError, match="access_token missing"):
        connector_for(Platform.MASTODON).publish({"instance_url": "https://m.example"}, payload)


def test_payload_needs_a_key_and_an_aware_time() -> None:
    with pytest.raises(ValueError, match="idempotency key"):
        PostPayload(text="hello", idempotency_key="")
    with pytest.raises(ValueError, match="timezone-aware"):
        PostPayload(text="hello", idempotency_key="k", created_at=datetime(2026, 1, 1))  # noqa: DTZ001


def test_record_key_is_a_tid_stable_per_post_and_distinct_between_posts() -> None:
    when = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    first = record_key(PostPayload(text="a", idempotency_key="post-1", created_at=when))

    assert TID.match(first)
    assert (
        record_key(PostPayload(text="edited", idempotency_key="post-1", created_at=when)) == first
    )
    assert record_key(PostPayload(text="a", idempotency_key="post-2", created_at=when)) != first
    later = record_key(
        PostPayload(text="a", idempotency_key="post-1", created_at=when + timedelta(seconds=1))
    )
    assert later > first  # TIDs sort by time
    no_time = record_key(PostPayload(text="a", idempotency_key="post-1"))
    assert TID.match(no_time)
    assert no_time == record_key(PostPayload(text="b", idempotency_key="post-1"))


def test_facets_find_links_mentions_and_tags_with_clean_edges() -> None:
    text = "See (https://example.com/a_(b)) and https://x.org/p. @alice.test, @5pm #Tag1! #123"
    found = [(f.kind, text[f.start : f.end], f.value) for f in detect(text)]

    assert found == [
        ("link", "https://example.com/a_(b)", "https://example.com/a_(b)"),
        ("link", "https://x.org/p", "https://x.org/p"),
        ("mention", "@alice.test", "alice.test"),
        ("tag", "#Tag1", "Tag1"),
    ]


def test_little_text_escapes_reserved_characters_and_templates_hashtags() -> None:
    assert little_text("Q3 (final) @ 5pm_ok #Launch *now*") == (
        r"Q3 \(final\) \@ 5pm\_ok {hashtag|\#|Launch} \*now\*"
    )
    assert little_text("C# and a\\b") == r"C\# and a\\b"


def test_retry_after_reads_seconds_dates_and_reset_times() -> None:
    now = 1_800_000_000.0
    in_90 = format_datetime(datetime.fromtimestamp(now + 90, tz=UTC), usegmt=True)

    assert parse_retry_after({"Retry-After": "12"}, now=now) == 12
    assert parse_retry_after({"Retry-After": in_90}, now=now) == pytest.approx(90)
    assert parse_retry_after({"x-rate-limit-reset": str(int(now + 45))}, now=now) == 45
    assert parse_retry_after({"X-RateLimit-Reset": "2027-01-15T08:00:45Z"}, now=now) == (
        pytest.approx(datetime(2027, 1, 15, 8, 0, 45, tzinfo=UTC).timestamp() - now)
    )
    assert parse_retry_after({}, now=now) is None


def test_a_platform_without_refresh_does_not_refresh() -> None:
    saved: list[dict[str, str]] = []

    def boom(credentials: object) -> str:
        raise PermanentError("refused")

    with pytest.raises(PermanentError):
        call_with_fresh_token(
            connector_for(Platform.FACEBOOK), {"page_id": "1"}, boom, save=saved.append
        )
    assert saved == []
