"""What a connector reports about posts it published: their public engagement figures, read in
batches (docs/insights.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Engagement:
    """One post's public figures as its platform counts them at the moment they were read.
    None means the platform does not report that figure (Mastodon has no views), never 0."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None


@dataclass(frozen=True)
class EngagementBatch:
    """The answer for a batch of posts, by external id: the figures of each post found, and for
    each post the platform no longer shows (deleted, hidden) the reason in its words."""

    found: Mapping[str, Engagement] = field(default_factory=dict)
    missing: Mapping[str, str] = field(default_factory=dict)


def count(value: Any) -> int | None:
    """A platform's count as an int; None for absent or unreadable values (never a guess)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
