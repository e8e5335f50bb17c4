"""The one place where an approved post leaves the workflow for the publishing engine.

The engine (the `publishing` app) sits above approvals: it moves posts through approvals'
services, so approvals may not import it. Instead approvals declares here what it needs from
the engine, and publishing's AppConfig.ready() registers its functions at startup
(`engine_register`). A registry rather than Django signals: one receiver, called directly,
with a clear error when it is missing.

Both hand-overs run on commit, after the workflow's transaction moved the post:

- `hand_over_for_publishing(post_id)`: the post entered `publishing` (publish now, retry, or its
  scheduled time came): its publish task is queued now.
- `hand_over_scheduled(post_id, at)`: the post was scheduled: its publish task is queued with
  that time (Celery `eta`) once the time is near; the sweep queues later ones as they near.

A broker that is down does not undo the workflow's change: the post waits in the database and
the engine's sweep (`publishing.engine.sweep`, every 30 s) queues it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from approvals.models import Post


@dataclass(frozen=True)
class _Engine:
    hand_over: Callable[[int], Any]
    hand_over_scheduled: Callable[[int, datetime], Any]
    attempts: Callable[[Post], list[Any]]


_engine: _Engine | None = None


def engine_register(
    *,
    hand_over: Callable[[int], Any],
    hand_over_scheduled: Callable[[int, datetime], Any],
    attempts: Callable[[Post], list[Any]],
) -> None:
    """Called once by the publishing app when Django starts."""
    global _engine
    _engine = _Engine(
        hand_over=hand_over, hand_over_scheduled=hand_over_scheduled, attempts=attempts
    )


def _registered() -> _Engine:
    if _engine is None:
        raise ImproperlyConfigured(
            "No publishing engine is registered: add 'publishing' to INSTALLED_APPS."
        )
    return _engine


def hand_over_for_publishing(post_id: int) -> None:
    _registered().hand_over(post_id)


def hand_over_scheduled(post_id: int, at: datetime) -> None:
    _registered().hand_over_scheduled(post_id, at)


def publishing_attempts(post: Post) -> list[Any]:
    """The engine's attempts on the post, oldest first (for the post page; callers check who
    may see them)."""
    return _registered().attempts(post)
