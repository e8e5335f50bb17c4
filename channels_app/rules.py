"""Each platform's hard limits and how it counts a post's length: one table, used by content
guidance while the SME types, by submit, and by the connectors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import regex
from twitter_text import parse_tweet

from channels_app.platforms import Platform


def count_codepoints(text: str) -> int:
    return len(text)


def count_graphemes(text: str) -> int:
    """What a person sees as one character (an emoji with modifiers, a flag) counts once."""
    return len(regex.findall(r"\X", text))


def count_x_weighted(text: str) -> int:
    """X's own rule (twitter-text v3): every URL counts 23, CJK and emoji count 2."""
    return int(parse_tweet(text).weightedLength)


JPEG, PNG, GIF, WEBP = "image/jpeg", "image/png", "image/gif", "image/webp"


@dataclass(frozen=True)
class PlatformRules:
    max_length: int
    counter: Callable[[str], int]
    how_counted: str
    max_images: int
    max_image_bytes: int
    max_image_pixels: int  # the longest side, in pixels
    # Image formats the platform's media API takes (MIME types), and its longest alt text.
    image_types: frozenset[str] = frozenset({JPEG, PNG, GIF, WEBP})
    max_alt_text: int = 1000

    def length(self, text: str) -> int:
        return self.counter(text)


RULES: dict[str, PlatformRules] = {
    Platform.INTERNAL: PlatformRules(
        10_000, count_graphemes, "characters", 10, 20 * 1024 * 1024, 8192, max_alt_text=1500
    ),
    # Mastodon's default; an instance may announce its own limit (read when connecting).
    # Mastodon describes media in up to 1,500 characters.
    Platform.MASTODON: PlatformRules(
        500, count_codepoints, "characters", 4, 16 * 1024 * 1024, 8192, max_alt_text=1500
    ),
    # A blob in app.bsky.embed.images may be 1,000,000 bytes at most.
    Platform.BLUESKY: PlatformRules(
        300, count_graphemes, "graphemes", 4, 1_000_000, 2000, max_alt_text=2000
    ),
    # LinkedIn's Images API takes JPEG, PNG and GIF (no WebP); altText up to 4,086 characters.
    Platform.LINKEDIN: PlatformRules(
        3_000,
        count_codepoints,
        "characters",
        9,
        10 * 1024 * 1024,
        6012,
        image_types=frozenset({JPEG, PNG, GIF}),
        max_alt_text=4086,
    ),
    Platform.X: PlatformRules(
        280, count_x_weighted, "weighted characters (URLs count 23)", 4, 5 * 1024 * 1024, 8192
    ),
    # Page photos: JPEG, PNG and GIF (WebP is not among the documented formats).
    Platform.FACEBOOK: PlatformRules(
        63_206,
        count_codepoints,
        "characters",
        10,
        4 * 1024 * 1024,
        8192,
        image_types=frozenset({JPEG, PNG, GIF}),
    ),
}


def rules_for(platform: str, *, max_length: int | None = None) -> PlatformRules:
    """The platform's rules; max_length overrides the default (a Mastodon instance's own)."""
    rules = RULES[platform]
    if max_length:
        return replace(rules, max_length=max_length)
    return rules
