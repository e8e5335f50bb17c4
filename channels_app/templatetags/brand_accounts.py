"""Template helpers for brand-account pages: presentation only, no queries."""

from __future__ import annotations

from typing import Any

from django import template

from channels_app.permissions import PERM_LABELS
from channels_app.readiness import account_readiness

register = template.Library()

# A short mark per platform, drawn with CSS (static/channels_app/brand_accounts.css): no
# third-party logos, nothing fetched from elsewhere.
PLATFORM_MARKS: dict[str, str] = {
    "internal": "In",
    "mastodon": "M",
    "bluesky": "B",
    "linkedin": "Li",
    "x": "X",
    "facebook": "f",
}


@register.inclusion_tag("channels_app/includes/platform.html")
def platform(account: Any) -> dict[str, Any]:
    return {
        "platform": account.platform,
        "label": account.get_platform_display(),
        "mark": PLATFORM_MARKS.get(account.platform, "?"),
    }


@register.inclusion_tag("channels_app/includes/perm_badges.html")
def perm_badges(perms: list[str], empty: str = "—") -> dict[str, Any]:
    return {"perms": [(perm, PERM_LABELS[perm]) for perm in perms], "empty": empty}


@register.inclusion_tag("channels_app/includes/connection_state.html")
def connection_state(account: Any, needs_connection: bool) -> dict[str, Any]:
    """'Connected on <date> by <person>' — and nothing of the credentials."""
    connected = account.is_connected
    return {
        "needs_connection": needs_connection,
        "connected": connected,
        "connected_at": account.connection.connected_at if connected else None,
        "connected_by": account.connection.connected_by if connected else None,
        "needs_reconnect": connected and account.connection.needs_reconnect,
        "problem_since": account.connection.problem_since if connected else None,
    }


@register.inclusion_tag("channels_app/includes/readiness.html")
def readiness(account: Any, notice: bool = False) -> dict[str, Any]:
    """Nothing when the account can publish; else a badge (notice=True: with what to do). The
    connection must come joined with the account (no query here)."""
    state = account_readiness(account)
    return {"readiness": state, "notice": notice}
