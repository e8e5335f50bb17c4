"""The one place where an approved post leaves the workflow for the publishing engine.

Both functions run on commit, after the workflow's transaction moved the post:

- `hand_over_for_publishing(post_id)`: the post entered `publishing` (publish now, retry, or its
  scheduled time came): its publish task is queued now.
- `hand_over_scheduled(post_id, at)`: the post was scheduled: its publish task is queued with
  that time (Celery `eta`) once the time is near; the sweep queues later ones as they near.

A broker that is down does not undo the workflow's change: the post waits in the database and
the engine's sweep (`approvals.publishing.sweep`, every 30 s) queues it again.
"""

from __future__ import annotations

from datetime import datetime


def hand_over_for_publishing(post_id: int) -> None:
    # Imported here: the engine builds on approvals.services, which calls these functions.
    from approvals import publishing

    publishing.enqueue(post_id)


def hand_over_scheduled(post_id: int, at: datetime) -> None:
    from approvals import publishing

    publishing.enqueue_scheduled(post_id, at)
