"""Routing rules: the first active rule that matches a new conversation suggests its outcome
and owner. The triager confirms or changes the suggestion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from channels_app.connectors.base import IncomingItem
from channels_app.models import BrandAccount
from inbox.models import RoutingRule


def active_rules() -> list[RoutingRule]:
    """Every active rule, in the order they are tried (one query per poll page)."""
    return list(RoutingRule.objects.filter(is_active=True).order_by("priority", "id"))


def item_language(item: IncomingItem) -> str:
    """The language the platform gave the item (Mastodon and Bluesky say it), or ""."""
    return str(item.raw_ref.get("language", "") or item.raw_ref.get("lang", "")).lower()


def rule_matches(
    rule: RoutingRule, *, account: BrandAccount, items: Sequence[IncomingItem]
) -> bool:
    if rule.brand_account_id is not None and rule.brand_account_id != account.pk:
        return False
    if rule.platform and rule.platform != account.platform:
        return False
    if rule.language and not any(
        item_language(item).split("-")[0] == rule.language.lower() for item in items
    ):
        return False
    words = rule.keyword_list
    if words:
        text = " ".join(item.text for item in items).lower()
        return any(word in text for word in words)
    return True


def rule_for(
    rules: Iterable[RoutingRule], *, account: BrandAccount, items: Sequence[IncomingItem]
) -> RoutingRule | None:
    return next((rule for rule in rules if rule_matches(rule, account=account, items=items)), None)
