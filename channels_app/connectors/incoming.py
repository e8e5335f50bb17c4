"""What the connectors' read side shares: opaque cursors, skipping what a platform sends
malformed, reading its times, and the two ways platforms page.

Platforms page incoming items in one of two ways:
- forward from a mark: Mastodon's ``min_id``, or a time (LinkedIn, Graph) from which the
  connector itself keeps what is newer (``take_forward``);
- backwards from the newest (Bluesky's and X's ``cursor``/``pagination_token``): a poll walks
  back page by page until it meets what it saw last time (``Sweep``).
Either way the cursor handed to the inbox is one opaque string (JSON the connector wrote) that
never moves backwards.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from channels_app.connectors.base import IncomingItem, PermanentError

logger = logging.getLogger("channels_app.connectors")

T = TypeVar("T")


class MalformedItem(ValueError):
    """One item lacks what the platform documents (an id, an author, a time): skip it."""


# --- Cursors -------------------------------------------------------------------------------


def encode_cursor(state: Mapping[str, Any]) -> str:
    return json.dumps(state, separators=(",", ":"), sort_keys=True)


def decode_cursor(cursor: str | None, *, platform: str) -> dict[str, Any]:
    """The connector's state from a cursor it wrote; {} for the first poll. A cursor from
    elsewhere is refused rather than guessed at: guessing could skip or repeat items."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        state = None
    if not isinstance(state, dict):
        raise PermanentError(
            "The stored incoming-items cursor is not one this connector wrote; clear it to "
            "start again from the newest items.",
            platform=platform,
        )
    return state


# --- Items ---------------------------------------------------------------------------------


def collect(
    platform: str,
    raws: Iterable[T],
    parse: Callable[[T], IncomingItem | None],
    *,
    what: str = "item",
) -> tuple[list[IncomingItem], int]:
    """Each raw entry parsed; an entry ``parse`` finds malformed is logged and counted, never
    allowed to stop the poll. ``parse`` returns None for entries that are not for the inbox
    (our own posts, other notification types)."""
    items: list[IncomingItem] = []
    skipped = 0
    for raw in raws:
        try:
            item = parse(raw)
        except (MalformedItem, KeyError, TypeError, ValueError, AttributeError) as exc:
            skipped += 1
            logger.warning(
                "%s: skipped a malformed incoming %s (%s: %s) id=%s",
                platform,
                what,
                type(exc).__name__,
                str(exc)[:200],
                _id_of(raw),
            )
            continue
        if item is not None:
            items.append(item)
    return items, skipped


def _id_of(raw: Any) -> str:
    if isinstance(raw, Mapping):
        for key in ("id", "uri", "commentUrn", "$URN"):
            if raw.get(key):
                return str(raw[key])[:120]
    return "?"


def text_field(mapping: Any, key: str) -> str:
    """A required string field; MalformedItem when it is missing or not a string."""
    if not isinstance(mapping, Mapping):
        raise MalformedItem(f"expected an object holding '{key}'")
    value = mapping.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise MalformedItem(f"'{key}' missing")
    return value


def parse_time(value: Any) -> datetime:
    """An aware datetime from ISO 8601 (``Z``, ``+00:00`` or Graph's ``+0000``)."""
    if not isinstance(value, str) or not value:
        raise MalformedItem("time missing")
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"  # Graph's +0000 → +00:00
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MalformedItem(f"unreadable time {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def time_from_millis(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedItem("time missing")
    return datetime.fromtimestamp(value / 1000, tz=UTC)


# --- Paging forward from a time ------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An item read from a platform that pages by time, with its time in the platform's own
    unit (seconds or milliseconds) and its id, for the mark."""

    moment: int
    item_id: str
    item: IncomingItem


def is_new(moment: int, item_id: str, mark: Mapping[str, Any] | None) -> bool:
    """Newer than the mark, or as old but not among the ids the mark saw at that moment."""
    if not mark:
        return True
    seen_at = int(mark.get("t", 0))
    return moment > seen_at or (moment == seen_at and item_id not in set(mark.get("ids", ())))


def take_forward(
    candidates: list[Candidate], mark: Mapping[str, Any] | None, limit: int
) -> tuple[list[IncomingItem], dict[str, Any] | None, bool]:
    """Of the new candidates, the page to hand over, the next mark, and whether more wait.

    On the first poll (no mark) the newest ``limit`` items are taken and the mark set at the
    newest: older history is not imported. After that, the oldest ``limit`` new items are
    taken, so whatever did not fit is still newer than the mark and comes next time."""
    if not candidates:
        return [], dict(mark) if mark else None, False
    if not mark:
        newest = sorted(candidates, key=lambda c: (c.moment, c.item_id), reverse=True)
        taken = newest[:limit]
        top = newest[0].moment
        at_top = sorted(c.item_id for c in candidates if c.moment == top)
        return [c.item for c in reversed(taken)], {"t": top, "ids": at_top}, False
    ordered = sorted(candidates, key=lambda c: (c.moment, c.item_id))
    taken = ordered[:limit]
    last = taken[-1].moment
    ids = {c.item_id for c in taken if c.moment == last}
    if last == int(mark.get("t", 0)):
        ids |= set(mark.get("ids", ()))
    return [c.item for c in taken], {"t": last, "ids": sorted(ids)}, len(ordered) > limit


# --- Paging backwards from the newest ------------------------------------------------------


@dataclass
class Sweep:
    """A walk from the newest items back to what the last poll saw.

    ``mark``: where the last completed walk started (the newest item it saw); ``next``: the
    platform's page cursor to continue a walk under way; ``top``: the newest item of the walk
    under way, which becomes the mark once the walk meets the old mark."""

    mark: Any = None
    next: str | None = None
    top: Any = None

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None) -> Sweep:
        state = state or {}
        return cls(mark=state.get("mark"), next=state.get("next"), top=state.get("top"))

    def advance(self, *, page_top: Any, reached_mark: bool, platform_next: str | None) -> bool:
        """Move on after one page (newest first); True when more pages wait. The first poll
        (no mark yet) reads one page only."""
        if self.top is None:
            self.top = page_top
        if self.mark is None or reached_mark or not platform_next:
            self.mark = self.top if self.top is not None else self.mark
            self.next = None
            self.top = None
            return False
        self.next = platform_next
        return True

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"mark": self.mark}
        if self.next:
            state["next"] = self.next
            state["top"] = self.top
        return state
