"""When a post is tried again: exponential back-off with jitter, at least the platform's
Retry-After."""

from __future__ import annotations

import random

from django.conf import settings

# A platform that asks for more than a day is not waited for blindly: the post is retried
# then, and fails if the platform still refuses.
MAX_RETRY_AFTER = 24 * 3600.0
# Checks after an unknown outcome never give up (giving up would let a person resend blindly);
# they back off to this and keep looking.
MAX_CHECK_DELAY = 3600.0


def retry_delay(
    retries: int,
    *,
    retry_after: float | None = None,
    base: float | None = None,
    cap: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before the next try after `retries` temporary errors in a row (1 for
    the first): base·2^(retries-1), capped, with "equal jitter" (between half and all of it, so
    posts that failed together do not return together), and never less than the platform's
    Retry-After (itself capped at a day)."""
    base = settings.SOCIALHUB_PUBLISH_RETRY_BASE if base is None else base
    cap = settings.SOCIALHUB_PUBLISH_RETRY_MAX if cap is None else cap
    rng = rng or _random
    ceiling = min(cap, base * 2 ** max(0, retries - 1))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    if retry_after:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


_random = random.SystemRandom()
