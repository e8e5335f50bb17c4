"""Reads of the engine's attempts and of the internal feed, scoped to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import Department
from accounts.permissions import access_department
from approvals import permissions
from approvals.models import Post
from core.errors import NotAllowed
from publishing.feed_comments import feed_comments_of
from publishing.models import FeedEntry, PublishAttempt

# --- Attempts ---------------------------------------------------------------------------------


def post_attempts(post: Post) -> list[PublishAttempt]:
    """Every publish attempt of the post, oldest first (one query). Callers check who may see
    them; the post page reaches this through approvals.handover."""
    return list(PublishAttempt.objects.filter(post=post).order_by("number"))


def attempt_list(*, user: Any, post: Post) -> QuerySet[PublishAttempt]:
    """Every publish attempt of a post the caller sees, oldest first. 403 for people who see
    the post but are neither its author nor work on its account (docs/design.md §4: the
    platform's messages are for the author and the reviewers). One query."""
    if not permissions.can_see_attempts(user, post):
        raise NotAllowed(
            "Only the author, the account's reviewers and publishers, and org admins see the "
            "publishing attempts.",
            code="not_allowed",
        )
    return PublishAttempt.objects.filter(post=post).order_by("number")


# --- The internal feed ------------------------------------------------------------------------

FEED_PAGE_SIZE = 20


def feed_departments(*, user: Any) -> list[Any]:
    """The departments whose feeds the person reads: their own (every one for org admins and
    HR, who look into every department)."""
    return list(Department.objects.visible_to(user).order_by("name"))


def feed_entries() -> QuerySet[FeedEntry]:
    # Images in one more query for the whole page (ordered by the model's Meta: entry, order),
    # the comments and their authors in one more.
    return feed_comments_of(
        FeedEntry.objects.select_related("brand_account", "department")
        .prefetch_related("images")
        .order_by("-published_at", "-id")
    )


def organisation_feed(*, user: Any) -> QuerySet[FeedEntry]:
    """What organisation-wide accounts published, newest first: for every signed-in person."""
    if not user.is_authenticated:
        return FeedEntry.objects.none()
    return feed_entries().filter(org_wide=True)


def department_feed(*, user: Any, slug: str) -> tuple[Any, QuerySet[FeedEntry]]:
    """A department's feed, newest first: everything its internal accounts published.
    404 for people who do not look into that department."""
    department = access_department(user, slug)
    return department, feed_entries().filter(department=department)
