"""The publish task's service: claim, deliver, record."""

from __future__ import annotations

from django.utils import timezone

from publishing.engine.claim import _claim
from publishing.engine.deliver import _deliver
from publishing.engine.record import _record


def post_publish(*, post_id: int) -> str:
    """Claim the post, deliver it, record the outcome. Returns what happened, for the task's
    log line ("skipped" when there was nothing to do: already published, running elsewhere,
    not due yet, or held under a crisis pause)."""
    claim = _claim(post_id, now=timezone.now())
    if claim is None:
        return "skipped"
    if isinstance(claim, str):
        return claim  # decided without calling the platform (failed before sending)
    delivery = _deliver(claim)
    _record(claim, delivery, now=timezone.now())
    return delivery.outcome
