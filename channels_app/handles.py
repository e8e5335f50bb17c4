"""How each platform writes an account's handle: checked and written one way, so the same
account cannot be registered twice under two spellings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from channels_app.platforms import Platform


@dataclass(frozen=True)
class HandleRule:
    pattern: str
    example: str
    lowercase: bool
    prefix_at: bool  # written with a leading @ (Mastodon, X)


_DOMAIN_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"

HANDLE_RULES: dict[str, HandleRule] = {
    Platform.INTERNAL: HandleRule(r"[a-z0-9][a-z0-9._-]{0,99}", "sales-news", True, False),
    Platform.MASTODON: HandleRule(
        rf"@?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?@({_DOMAIN_LABEL}\.)+[A-Za-z]{{2,}}",
        "@acme@mastodon.social",
        True,
        True,
    ),
    Platform.BLUESKY: HandleRule(
        rf"@?({_DOMAIN_LABEL}\.)+[A-Za-z][A-Za-z0-9-]*", "acme.bsky.social", True, False
    ),
    Platform.LINKEDIN: HandleRule(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", "acme-corp", True, False),
    Platform.X: HandleRule(r"@?[A-Za-z0-9_]{1,15}", "@acme", False, True),
    Platform.FACEBOOK: HandleRule(r"[A-Za-z0-9][A-Za-z0-9.]{4,49}", "AcmeCorp", False, False),
}


def normalise_handle(platform: str, raw: str) -> str | None:
    """The handle written the platform's way, or None when it does not fit the platform."""
    rule = HANDLE_RULES[platform]
    handle = (raw or "").strip()
    if not re.fullmatch(rule.pattern, handle, flags=re.IGNORECASE):
        return None
    handle = handle.lstrip("@")
    if rule.lowercase:
        handle = handle.lower()
    return f"@{handle}" if rule.prefix_at else handle


def handle_example(platform: str) -> str:
    return HANDLE_RULES[platform].example
