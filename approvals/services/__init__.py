"""Writes for posts, their review and crisis pauses. Pages, the API, tasks and the admin all call
these, so no path skips a rule.

Each service checks first — 404 is the caller's business (it found the post through a scoped
selector), then 403 for a missing permission or a broken rule, 400 for bad input, 409 when the
post's state does not allow the action — and only then writes, in one transaction with its audit
event. State changes go through approvals.state_machine.perform_transition.

The services live in one module per topic and are re-exported here, so callers import them from
`approvals.services`:

- checks: the shared checks every service runs first (input, permissions, the locked row);
- images: which images a revision carries (planning, cleaning uploads, copying rows);
- drafting: new drafts, revisions and image edits;
- review: submitting for review and the reviewers' decisions;
- approval_rules: org admins' rules that add review stages, their versions, and the plan each
  revision is reviewed under (called as `approvals.services.approval_rules`);
- crisis: crisis pauses and the check that refuses publishing under one;
- quiet_periods: planned windows without publishing, legal's exceptions, and the check that
  refuses (or holds) a post inside one;
- scheduling: scheduling, unscheduling, publishing now and retrying;
- publication: the publishing engine's side (releasing due posts, recording outcomes);
- comments: review comments and suggestions (and the @mentions in them);
- coaching: the review-reason taxonomy and the streak that assigns a course;
- bulk: one review or scheduling action on many posts, each through its own service;
- expiry: approvals left unused for too long send the post back to its author;
- retention: drafts never sent for review are removed after SOCIALHUB_DRAFT_RETENTION_DAYS.
"""

from __future__ import annotations

from approvals.services.bulk import MAX_BULK_IDS, BulkAction, BulkResult, posts_bulk_apply
from approvals.services.checks import MAX_BODY_LENGTH, MAX_NOTE_LENGTH
from approvals.services.coaching import (
    clean_reason,
    coaching_check,
    review_reason_create,
    review_reason_retire,
    review_reason_update,
)
from approvals.services.comments import (
    MAX_COMMENT_LENGTH,
    comment_add,
    comment_apply_suggestion,
    comment_resolve,
)
from approvals.services.crisis import (
    crisis_pause_covering,
    crisis_pause_lift,
    crisis_pause_set,
    crisis_pauses_covering,
)
from approvals.services.drafting import (
    COPYABLE_STATES,
    UNCHANGED,
    clean_requested_time,
    post_copy_to_draft,
    post_create,
    post_media_add,
    post_media_remove,
    post_media_update,
    post_revise,
)
from approvals.services.expiry import (
    post_expire_approval,
    post_expire_passed_request,
    posts_expire_approvals,
    posts_expire_passed_requests,
)
from approvals.services.images import ImageChoice, ImagePlan, current_images
from approvals.services.publication import (
    ClaimedPost,
    post_claim_for_sending,
    post_hold_for_crisis,
    post_mark_failed,
    post_mark_failed_locked,
    post_mark_published,
    post_mark_published_claimed,
    post_mark_published_locked,
    post_mark_unconfirmed,
    post_release_due,
    post_release_due_locked,
    posts_release_due,
)
from approvals.services.quiet_periods import (
    blocking_quiet_period,
    blocking_quiet_periods,
    held_post_ids,
    quiet_period_cancel,
    quiet_period_create,
    quiet_period_exception_grant,
    quiet_period_exception_revoke,
    quiet_period_update,
    quiet_periods_for_post,
    require_no_quiet_period,
)
from approvals.services.retention import drafts_purge, purgeable_drafts
from approvals.services.review import (
    post_approve,
    post_reject,
    post_request_changes,
    post_submit,
    post_withdraw,
)
from approvals.services.scheduling import (
    MAX_SCHEDULE_AHEAD,
    MIN_SCHEDULE_LEAD,
    clean_schedule_time,
    post_publish_now,
    post_reschedule,
    post_retry,
    post_schedule,
    post_unschedule,
)

__all__ = [
    "COPYABLE_STATES",
    "MAX_BODY_LENGTH",
    "MAX_BULK_IDS",
    "MAX_COMMENT_LENGTH",
    "MAX_NOTE_LENGTH",
    "MAX_SCHEDULE_AHEAD",
    "MIN_SCHEDULE_LEAD",
    "UNCHANGED",
    "BulkAction",
    "BulkResult",
    "ClaimedPost",
    "ImageChoice",
    "ImagePlan",
    "blocking_quiet_period",
    "blocking_quiet_periods",
    "clean_reason",
    "clean_requested_time",
    "clean_schedule_time",
    "coaching_check",
    "comment_add",
    "comment_apply_suggestion",
    "comment_resolve",
    "crisis_pause_covering",
    "crisis_pause_lift",
    "crisis_pause_set",
    "crisis_pauses_covering",
    "current_images",
    "drafts_purge",
    "held_post_ids",
    "post_approve",
    "post_claim_for_sending",
    "post_copy_to_draft",
    "post_create",
    "post_expire_approval",
    "post_expire_passed_request",
    "post_hold_for_crisis",
    "post_mark_failed",
    "post_mark_failed_locked",
    "post_mark_published",
    "post_mark_published_claimed",
    "post_mark_published_locked",
    "post_mark_unconfirmed",
    "post_media_add",
    "post_media_remove",
    "post_media_update",
    "post_publish_now",
    "post_reject",
    "post_release_due",
    "post_release_due_locked",
    "post_request_changes",
    "post_reschedule",
    "post_retry",
    "post_revise",
    "post_schedule",
    "post_submit",
    "post_unschedule",
    "post_withdraw",
    "posts_bulk_apply",
    "posts_expire_approvals",
    "posts_expire_passed_requests",
    "posts_release_due",
    "purgeable_drafts",
    "quiet_period_cancel",
    "quiet_period_create",
    "quiet_period_exception_grant",
    "quiet_period_exception_revoke",
    "quiet_period_update",
    "quiet_periods_for_post",
    "require_no_quiet_period",
    "review_reason_create",
    "review_reason_retire",
    "review_reason_update",
]
