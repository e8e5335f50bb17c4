"""Access to courses, attempts, certificates, assignments, policies and training notices.

Each access_* helper answers, for pages, the API and the services alike, whether the person may
reach one object: NotFound (404) when they may not even see it — the same answer as for a
missing id — and PermissionDenied (403) when they see it but lack the permission asked for.
lock=True reads the row FOR UPDATE inside the caller's transaction.

The rules themselves (who follows whose training, who revokes) are asked of accounts.authz;
the scoped lists come from the selectors, so a list and a lookup never disagree.
"""

from __future__ import annotations

from typing import Any, Literal

from accounts import authz
from training import selectors
from training.models import Assignment, Attempt, Certification, Course, Policy, TrainingNotice

CertificationPerm = Literal["view", "revoke"]
AssignmentPerm = Literal["view", "cancel"]

REVOKE_REFUSAL = "Only HR and org admins can revoke certificates."
FOLLOW_REFUSAL = "Only HR, org admins and department managers assign courses."


# --- The rules ---------------------------------------------------------------------------------


def can_revoke_certification(user: Any, certification: Certification | None = None) -> bool:
    """Who may revoke a certificate: HR and org admins, any certificate they see. The page's
    button, the API and certification_revoke all ask this one function."""
    return authz.can_revoke_certifications(user)


def require_revoke(user: Any, certification: Certification | None = None) -> None:
    authz.require(can_revoke_certification(user, certification), REVOKE_REFUSAL)


def require_follow_training(user: Any, message: str = FOLLOW_REFUSAL) -> None:
    """Assignments and the certification matrix: HR, org admins and department managers."""
    authz.require(authz.can_follow_training(user), message)


# --- One object --------------------------------------------------------------------------------


def access_course(user: Any, pk: Any, *, lock: bool = False, with_content: bool = False) -> Course:
    """A published course (a draft is invisible to learners, as a missing one). with_content:
    its lessons and questions with choices come along (two more queries)."""
    courses = selectors.course_list(user=user)
    if with_content:
        courses = courses.prefetch_related("lessons", "questions__choices")
    return authz.get_visible_or_404(courses, lock=lock, pk=pk)


def access_attempt(user: Any, pk: Any, *, lock: bool = False) -> Attempt:
    """One of the person's own attempts; anybody else's answers 404."""
    return authz.get_visible_or_404(
        Attempt.objects.filter(user_id=user.pk or 0).select_related("course", "certification"),
        lock=lock,
        pk=pk,
    )


def access_certification(
    user: Any, pk: Any, *, perm: CertificationPerm = "view", lock: bool = False
) -> Certification:
    """A certificate the person follows: their own; their departments' people's (managers);
    everyone's (HR, org admins). perm="revoke": 403 unless they may revoke it."""
    certification = authz.get_visible_or_404(
        selectors.certification_list(user=user), lock=lock, pk=pk
    )
    if perm == "revoke":
        require_revoke(user, certification)
    return certification


def access_assignment(
    user: Any, pk: Any, *, perm: AssignmentPerm = "view", lock: bool = False
) -> Assignment:
    """An open assignment the person manages (HR: every one; managers: those to their
    departments or their people). Somebody who follows nobody's training is refused (403) before
    any lookup, whatever the id, so the answer says nothing about what exists."""
    require_follow_training(
        user,
        FOLLOW_REFUSAL
        if perm == "view"
        else "Only HR, org admins and department managers cancel assignments.",
    )
    return authz.get_visible_or_404(selectors.assignment_list(user=user), lock=lock, pk=pk)


def access_policy(user: Any, pk: Any) -> Policy:
    """A published policy version (drafts are the org admins' work in the admin site)."""
    return authz.get_visible_or_404(Policy.objects.published(), pk=pk)


def access_training_notice(user: Any, pk: Any, *, lock: bool = False) -> TrainingNotice:
    """One of the person's own training notices."""
    return authz.get_visible_or_404(
        TrainingNotice.objects.filter(user_id=user.pk or 0), lock=lock, pk=pk
    )
