"""The one place where an approved post leaves the workflow for the publishing engine.

`hand_over_for_publishing(post_id)` is called on commit, after the post moved to `publishing`
(publish now, retry, or its scheduled time came). The publishing engine (its own issue) replaces
this body — typically with `publish_post.delay(post_id)` — and reports the outcome through
`approvals.services.post_mark_published / post_mark_failed / post_mark_unconfirmed`.

Until then it only logs: the post stays in `publishing`, visibly, rather than pretending to
have been sent anywhere.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("socialhub.publishing")


def hand_over_for_publishing(post_id: int) -> None:
    logger.info("Post %s handed over for publishing.", post_id)
