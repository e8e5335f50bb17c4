"""Each platform's hard limits and how it counts a post's length: one table, used by content
guidance while the SME types, by submit, and by the connectors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class PlatformRules:
    max_length: int
    counter: Callable[[str], int]
    how_counted: str
    max_images: int
    max_image_bytes: int
    max_image_pixels: int  # the longest side, in pixels

    def length(self, text: str) -> int:
        return self.counter(text)


RULES: dict[str, PlatformRules] = {
    Platform.INTERNAL: PlatformRules(
        10_000, count_graphemes, "characters", 10, 20 * 1024 * 1024, 8192
    ),
    # Mastodon's default; an instance may announce its own limit (read when connecting).
    Platform.MASTODON: PlatformRules(
        500, count_codepoints, "characters", 4, 16 * 1024 * 1024, 8192
    ),
    Platform.BLUESKY: PlatformRules(300, count_graphemes, "graphemes", 4, 1_000_000, 2000),
    Platform.LINKEDIN: PlatformRules(
        3_000, count_codepoints, "characters", 9, 10 * 1024 * 1024, 6012
    ),
    Platform.X: PlatformRules(
        280, count_x_weighted, "weighted characters (URLs count 23)", 4, 5 * 1024 * 1024, 8192
    ),
    Platform.FACEBOOK: PlatformRules(
        63_206, count_codepoints, "characters", 10, 4 * 1024 * 1024, 8192
    ),
}


def rules_for(platform: str, *, max_length: int | None = None) -> PlatformRules:
    """The platform's rules; max_length overrides the default (a Mastodon instance's own)."""
    rules = RULES[platform]
    if max_length:
        return PlatformRules(
            max_length,
            rules.counter,
            rules.how_counted,
            rules.max_images,
            rules.max_image_bytes,
            rules.max_image_pixels,
        )
    return rules
