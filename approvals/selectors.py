"""Reads for posts, review and crisis pauses, always scoped to what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts import authz
from accounts.models import Department
from activity.models import AuditEvent
from activity.selectors import audit_events_for
from approvals import permissions
from approvals.models import (
    CrisisPause,
    Decision,
    MediaAttachment,
    Post,
    PostState,
    ReviewComment,
    Revision,
    Stage,
    Verdict,
)
from approvals.querysets import PostQuerySet
from channels_app.models import BrandAccount
from core.errors import InvalidInput, whole_number

# --- Posts ------------------------------------------------------------------------------------


def visible_posts(*, user: Any) -> PostQuerySet:
    return Post.objects.visible_to(user)  # type: ignore[no-any-return]


def _int_or_400(value: Any, field: str) -> int:
    return whole_number(value, field=field)


def post_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Post]:
    """Posts the person may see. Filters: state, department (slug), brand_account (id),
    author (id, or "me")."""
    filters = filters or {}
    posts = visible_posts(user=user).with_list_relations()
    state = filters.get("state")
    if state:
        if state not in PostState.values:
            raise InvalidInput(
                f"Unknown state {state!r}; use one of: {', '.join(PostState.values)}.",
                field="state",
            )
        posts = posts.filter(state=state)
    if filters.get("department"):
        posts = posts.filter(department__slug=filters["department"])
    if filters.get("brand_account"):
        posts = posts.filter(
            brand_account_id=_int_or_400(filters["brand_account"], "brand_account")
        )
    author = filters.get("author")
    if author == "me":
        posts = posts.filter(author=user)
    elif author:
        posts = posts.filter(author_id=_int_or_400(author, "author"))
    return posts.order_by("-updated_at", "-id")


def post_state_counts(*, posts: QuerySet[Post]) -> dict[str, int]:
    """{state: number of posts} in one query, every state present."""
    counts = dict.fromkeys(PostState.values, 0)
    rows = posts.order_by().values_list("state").annotate(n=Count("pk"))
    for state, number in rows:
        counts[state] = number
    return counts


@dataclass(frozen=True)
class StageStatus:
    stage: str
    label: str
    approved_by: Any | None
    approved_at: datetime | None


def stage_statuses(post: Post, approvals: list[Decision] | None = None) -> list[StageStatus]:
    """Each required stage and who approved the current revision for it (if anyone).

    approvals: the post's approve decisions already loaded (with_list_relations), else read.
    """
    if approvals is None:
        approvals = getattr(post, "approval_decisions", None)
    if approvals is None:
        approvals = list(
            Decision.objects.filter(
                revision=post.current_revision, verdict=Verdict.APPROVE
            ).select_related("reviewer")
        )
    current = {d.stage: d for d in approvals if d.revision_id == post.current_revision_id}
    statuses = []
    for stage in post.required_stages():
        decision = current.get(stage)
        statuses.append(
            StageStatus(
                stage=stage,
                label=Stage(stage).label,
                approved_by=decision.reviewer if decision else None,
                approved_at=decision.created_at if decision else None,
            )
        )
    return statuses


# --- Review queue -----------------------------------------------------------------------------


def review_queue(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Post]:
    """Posts waiting for a stage the person decides, on accounts they review, across
    departments, oldest submission first. Their own posts and revisions they already approved
    stay out (someone else must decide those)."""
    filters = filters or {}
    stages = permissions.reviewer_stages(user)
    if not stages:
        return Post.objects.none()
    accounts = permissions.accounts_with(user, [permissions.REVIEW_ON]).values("pk")
    posts = Post.objects.filter(state=PostState.IN_REVIEW, brand_account_id__in=accounts).exclude(
        author=user
    )
    wanted = filters.get("stage")
    if wanted and wanted not in stages:
        raise InvalidInput("Choose a stage you review.", field="stage")
    pending = Q(pk__in=[])
    for stage in [wanted] if wanted else stages:
        pending |= Q(pk__in=Post.objects.pending_stage(stage).values("pk"))
    mine = Decision.objects.filter(
        revision_id__in=posts.values("current_revision_id"),
        verdict=Verdict.APPROVE,
        reviewer=user,
    ).values("revision_id")
    posts = posts.filter(pending).exclude(current_revision_id__in=mine)
    if filters.get("department"):
        posts = posts.filter(department__slug=filters["department"])
    if filters.get("brand_account"):
        posts = posts.filter(
            brand_account_id=_int_or_400(filters["brand_account"], "brand_account")
        )
    return posts.with_list_relations().order_by("submitted_at", "id")


# --- One post's history -----------------------------------------------------------------------


def revision_list(*, post: Post) -> QuerySet[Revision]:
    return post.revisions.select_related("created_by").order_by("number")


def comment_list(*, post: Post) -> QuerySet[ReviewComment]:
    return post.comments.select_related("author", "revision", "resolved_by").order_by(
        "created_at", "id"
    )


def comment_threads(*, post: Post) -> list[ReviewComment]:
    """Top-level comments, oldest first, each with .thread_replies (oldest first)."""
    comments = list(comment_list(post=post))
    replies: dict[int, list[ReviewComment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    roots = [c for c in comments if not c.parent_id]
    for root in roots:
        root.thread_replies = replies.get(root.pk, [])  # type: ignore[attr-defined]
    return roots


def decision_list(*, post: Post) -> QuerySet[Decision]:
    return post.decisions.select_related("reviewer", "revision").order_by("created_at", "id")


def audit_list(*, post: Post) -> QuerySet[AuditEvent]:
    return audit_events_for(target=post)


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # revision, comment, decision, event
    at: datetime
    item: Any


def timeline(*, post: Post) -> list[TimelineEntry]:
    """Revisions, comments, decisions and audit events of the post, in the order they happened.

    Events that duplicate a revision, comment or decision shown already are left out, so each
    thing appears once; state changes without their own row (submit, schedule…) stay.
    """
    entries = [TimelineEntry("revision", r.created_at, r) for r in revision_list(post=post)]
    entries += [TimelineEntry("comment", c.created_at, c) for c in comment_list(post=post)]
    entries += [TimelineEntry("decision", d.created_at, d) for d in decision_list(post=post)]
    shown_elsewhere = {"post.created", "post.revise", "post.commented"}
    for event in audit_list(post=post):
        if event.action in shown_elsewhere or event.data.get("decision"):
            continue
        entries.append(TimelineEntry("event", event.created_at, event))
    order = {"revision": 0, "decision": 1, "event": 2, "comment": 3}
    entries.sort(key=lambda e: (e.at, order[e.kind]))
    return entries


# --- Content calendar -------------------------------------------------------------------------

CALENDAR_STATES = (
    PostState.SCHEDULED,
    PostState.PUBLISHING,
    PostState.PUBLISHED,
    PostState.FAILED,
    PostState.UNCONFIRMED,
)


def calendar_posts(
    *,
    user: Any,
    start: datetime,
    end: datetime,
    department: str = "",
    brand_account: Any = None,
) -> QuerySet[Post]:
    """Scheduled and published posts the person may see whose time falls in [start, end)."""
    posts = (
        visible_posts(user=user)
        .filter(state__in=CALENDAR_STATES)
        .filter(reply_private=False)  # a direct message is not a calendar item
        .annotate(calendar_at=Coalesce("published_at", "scheduled_at"))
        .filter(calendar_at__gte=start, calendar_at__lt=end)
    )
    if department:
        posts = posts.filter(department__slug=department)
    if brand_account:
        posts = posts.filter(brand_account_id=_int_or_400(brand_account, "brand_account"))
    # One more query, whatever the number of posts: the images of each current revision, for
    # the calendar's thumbnails.
    return (
        posts.select_related("brand_account", "department", "author", "current_revision")
        .prefetch_related("current_revision__media")
        .order_by("calendar_at", "id")
    )


def calendar_filter_choices(*, user: Any) -> tuple[list[Any], list[BrandAccount]]:
    """Departments and accounts the person can filter the calendar by."""
    if authz.is_reviewer(user) or authz.is_org_admin(user):
        departments = list(Department.objects.order_by("name"))  # they work across departments
    else:
        departments = list(Department.objects.visible_to(user).order_by("name"))
    accounts = list(
        permissions.accounts_with(
            user, [permissions.DRAFT_ON, permissions.REVIEW_ON, permissions.PUBLISH_ON]
        ).order_by("display_name", "id")
    )
    return departments, accounts


# --- Crisis pauses ----------------------------------------------------------------------------


def active_crisis_pauses() -> list[CrisisPause]:
    return list(
        CrisisPause.objects.filter(lifted_at__isnull=True)
        .select_related("brand_account", "set_by")
        .order_by("started_at", "id")
    )


def crisis_pause_list(*, active: bool | None = None) -> QuerySet[CrisisPause]:
    """Everyone may know about pauses (the banner shows them); the list is not scoped."""
    pauses = CrisisPause.objects.select_related("brand_account", "set_by", "lifted_by")
    if active is True:
        pauses = pauses.filter(lifted_at__isnull=True)
    elif active is False:
        pauses = pauses.filter(lifted_at__isnull=False)
    return pauses.order_by("-started_at", "-id")


# --- Home page --------------------------------------------------------------------------------


def home_summary(*, user: Any) -> dict[str, Any]:
    """What the home page shows about posts: my posts by state, comments to answer, and for
    reviewers what waits in their queue (docs/design.md §5)."""
    mine = Post.objects.filter(author=user)
    counts = post_state_counts(posts=mine)
    summary: dict[str, Any] = {
        "my_post_counts": [
            {"state": value, "label": label, "count": counts[value]}
            for value, label in PostState.choices
            if counts[value]
        ],
        "comments_to_answer": ReviewComment.objects.filter(post__author=user, resolved=False)
        .exclude(author=user)
        .count(),
        "posts_needing_attention": mine.exclude(notice="").filter(state=PostState.APPROVED).count(),
        "queue": None,
    }
    if permissions.reviewer_stages(user):
        queue = review_queue(user=user).aggregate(n=Count("pk"), oldest=Min("submitted_at"))
        summary["queue"] = queue
    return summary


# --- Images -----------------------------------------------------------------------------------


def media_list(*, post: Post) -> QuerySet[MediaAttachment]:
    """The images of the post's current revision, in order (one query)."""
    if post.current_revision_id is None:
        return MediaAttachment.objects.none()
    return MediaAttachment.objects.filter(revision_id=post.current_revision_id).order_by("order")


def media_of_revision(*, revision: Revision) -> QuerySet[MediaAttachment]:
    return MediaAttachment.objects.filter(revision=revision).order_by("order")
