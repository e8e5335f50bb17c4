"""The publishing engine (docs/design.md §4): an approved post goes out at its time, exactly once.

One task per post, `approvals.publish_post(post_id)` (publishing/tasks.py; the name predates
the publishing app and stays, for messages already queued), runs `post_publish(post_id=…)`:

1. **Claim** (one transaction, the post's row locked): a scheduled post whose time came is
   released (or held back under a crisis pause); a post in `publishing` or `unconfirmed` that
   has no external id and no running attempt gets a new `PublishAttempt` — a *send*, or a
   *check* on the platform when the outcome of an earlier send is unknown. A post with an
   external id is never sent again; the database refuses a second running attempt per post.
2. **Deliver**, outside any transaction: the brand account's connector publishes (or looks the
   post up), with a fresh OAuth token when the platform needs one (saved before it is used).
3. **Record** (one transaction, the row locked again): the attempt's outcome, the state change
   and its audit event together — published with the external id and URL; a temporary error
   queued again after an exponential back-off with jitter (at least the platform's
   Retry-After) until the attempts run out; a refusal → `failed` with the platform's message;
   an unknown outcome → `unconfirmed`, and a check before any resend.

Messages carry only the post id. Lost messages (a broker restart, a worker killed mid-send, a
broker that was down when the post was handed over) are found by `sweep()`, which beat runs
every 30 seconds: an attempt whose lease ran out is treated as an unknown outcome, so the next
claim checks the platform before sending again — never a blind resend.

One module per step, re-exported here: queueing, retry_schedule, outcomes, claim, deliver,
record, publish (the task's service, the three steps in order) and sweep.
"""

from __future__ import annotations

from publishing.engine.claim import EARLY_TOLERANCE, Claim, new_idempotency_key
from publishing.engine.deliver import Delivery
from publishing.engine.publish import post_publish
from publishing.engine.queueing import PUBLISH_TASK, enqueue, enqueue_scheduled
from publishing.engine.retry_schedule import MAX_CHECK_DELAY, MAX_RETRY_AFTER, retry_delay
from publishing.engine.sweep import SWEEP_BATCH, SweepReport, sweep

__all__ = [
    "EARLY_TOLERANCE",
    "MAX_CHECK_DELAY",
    "MAX_RETRY_AFTER",
    "PUBLISH_TASK",
    "SWEEP_BATCH",
    "Claim",
    "Delivery",
    "SweepReport",
    "enqueue",
    "enqueue_scheduled",
    "new_idempotency_key",
    "post_publish",
    "retry_delay",
    "sweep",
]
