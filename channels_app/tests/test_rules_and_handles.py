"""The platform rules table and how handles are written."""

from __future__ import annotations

import pytest

from channels_app.credentials import CREDENTIAL_FIELDS
from channels_app.handles import HANDLE_RULES, normalise_handle
from channels_app.platforms import Platform
from channels_app.rules import RULES, rules_for


def test_every_platform_has_rules_handles_and_a_credential_table() -> None:
    assert set(RULES) == set(HANDLE_RULES) == set(CREDENTIAL_FIELDS) == set(Platform.values)


@pytest.mark.parametrize(
    ("platform", "text", "length"),
    [
        ("bluesky", "👍🏽👨‍👩‍👧", 2),  # graphemes: a toned thumb and a family count once each
        ("mastodon", "👍🏽", 2),  # code points
        ("x", "see https://example.com/a/very/long/path/indeed", 27),  # 4 + a URL at 23
        ("x", "日本", 4),  # CJK counts double
    ],
)
def test_length_is_counted_the_platforms_way(platform: str, text: str, length: int) -> None:
    assert rules_for(platform).length(text) == length


def test_limits_and_an_instance_override() -> None:
    assert [RULES[p].max_length for p in ("bluesky", "x", "mastodon", "linkedin", "facebook")] == [
        300,
        280,
        500,
        3000,
        63206,
    ]
    assert rules_for("mastodon", max_length=1000).max_length == 1000


@pytest.mark.parametrize(
    ("platform", "raw", "written"),
    [
        ("mastodon", " @Acme@Mastodon.Social ", "@acme@mastodon.social"),
        ("mastodon", "acme@mastodon.social", "@acme@mastodon.social"),
        ("mastodon", "@acme", None),  # the server is part of a Mastodon handle
        ("bluesky", "@Acme.bsky.social", "acme.bsky.social"),
        ("bluesky", "acme", None),
        ("x", "acme", "@acme"),
        ("x", "@AcmeCorp", "@AcmeCorp"),
        ("x", "@this_is_far_too_long", None),
        ("linkedin", "Acme-Corp", "acme-corp"),
        ("facebook", "AcmeCorp", "AcmeCorp"),
        ("facebook", "Acme", None),  # page usernames have at least five characters
        ("internal", "Sales-News", "sales-news"),
        ("internal", "sales news", None),
    ],
)
def test_handles_are_written_one_way(platform: str, raw: str, written: str | None) -> None:
    assert normalise_handle(platform, raw) == written
