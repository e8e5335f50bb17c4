"""Writes for training and certification: every change checks access and rules first, then
writes with its audit event in one transaction; e-mail leaves only after the commit.

Pages, the API, the admin and the reminder task all call these, so no path skips a rule.

One module per topic, re-exported here: courses (publishing courses, certification
requirements), attempts (taking a quiz), certifications (issuing, renewing, revoking),
assignments, policy, and reminders (notices and e-mail about expiring or overdue training).
"""

from __future__ import annotations

from training.services.assignments import (
    MAX_DUE_DAYS,
    assignment_cancel,
    assignment_create,
    assignment_create_for_coaching,
)
from training.services.attempts import (
    attempt_start,
    attempt_submit,
    attempt_take,
    retake_available_at,
)
from training.services.certifications import certification_revoke
from training.services.courses import (
    course_publish,
    course_unpublish,
    quiz_problems,
    requirement_delete,
    requirement_save,
)
from training.services.policy import (
    policy_acknowledge,
    policy_create,
    policy_publish,
    policy_update_draft,
)
from training.services.reminders import (
    REMINDER_DAYS,
    assignment_overdue_remind,
    certification_expiry_remind,
    hr_expiry_digest_send,
    notice_dismiss,
)

__all__ = [
    "MAX_DUE_DAYS",
    "REMINDER_DAYS",
    "assignment_cancel",
    "assignment_create",
    "assignment_create_for_coaching",
    "assignment_overdue_remind",
    "attempt_start",
    "attempt_submit",
    "attempt_take",
    "certification_expiry_remind",
    "certification_revoke",
    "course_publish",
    "course_unpublish",
    "hr_expiry_digest_send",
    "notice_dismiss",
    "policy_acknowledge",
    "policy_create",
    "policy_publish",
    "policy_update_draft",
    "quiz_problems",
    "requirement_delete",
    "requirement_save",
    "retake_available_at",
]
