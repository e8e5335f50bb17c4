"""The workflow's pages: thin views that parse, call a selector or a service, and render.

A refused action re-renders the page with the service's message and the matching status
(400 bad input, 403 rule or permission, 409 state); nothing is written in that case.

One module per topic (posts, compose, review, scheduling, comments, media, calendar, crisis,
quiet periods, approval rules, notifications; page_context holds what the post pages share);
the views are re-exported here.
"""

from __future__ import annotations

from approvals.views.approval_rules import (
    approval_rule_edit,
    approval_rule_list,
    approval_rule_retire,
)
from approvals.views.bulk import posts_bulk
from approvals.views.calendar import content_calendar, post_reschedule
from approvals.views.coaching import (
    my_feedback,
    review_reason_edit,
    review_reason_list,
    review_reason_summary,
)
from approvals.views.comments import comment_apply, comment_create, comment_resolve
from approvals.views.compose import post_check, post_compose, post_edit
from approvals.views.crisis import crisis_pause_lift, crisis_pause_list
from approvals.views.media import media_file, media_thumbnail
from approvals.views.notifications import notification_list, notifications_read
from approvals.views.posts import post_copy, post_detail, post_list, post_submit, post_withdraw
from approvals.views.quiet_periods import (
    quiet_period_cancel,
    quiet_period_edit,
    quiet_period_exception_grant,
    quiet_period_exception_revoke,
    quiet_period_list,
)
from approvals.views.review import post_decide, post_review, review_queue
from approvals.views.scheduling import post_publish_now, post_retry, post_schedule, post_unschedule

__all__ = [
    "approval_rule_edit",
    "approval_rule_list",
    "approval_rule_retire",
    "comment_apply",
    "comment_create",
    "comment_resolve",
    "content_calendar",
    "crisis_pause_lift",
    "crisis_pause_list",
    "media_file",
    "media_thumbnail",
    "my_feedback",
    "notification_list",
    "notifications_read",
    "post_check",
    "post_compose",
    "post_copy",
    "post_decide",
    "post_detail",
    "post_edit",
    "post_list",
    "post_publish_now",
    "post_reschedule",
    "post_retry",
    "post_review",
    "post_schedule",
    "post_submit",
    "post_unschedule",
    "post_withdraw",
    "posts_bulk",
    "quiet_period_cancel",
    "quiet_period_edit",
    "quiet_period_exception_grant",
    "quiet_period_exception_revoke",
    "quiet_period_list",
    "review_queue",
    "review_reason_edit",
    "review_reason_list",
    "review_reason_summary",
]
