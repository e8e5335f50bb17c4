"""Reads for posts, review and crisis pauses, always scoped to what the caller may see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate, TruncMonth
from django.utils import timezone

from accounts import authz
from accounts.models import Department, Membership, User
from accounts.roles import OrgRole
from activity.models import AuditEvent
from activity.selectors import audit_events_for
from approvals import guidance, permissions, review_stages
from approvals.models import (
    CoachingAssignment,
    CrisisPause,
    Decision,
    MediaAttachment,
    Post,
    PostState,
    QuietPeriod,
    ReviewComment,
    ReviewReason,
    Revision,
    StageReviewer,
)
from approvals.querysets import PostQuerySet
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from channels_app.selectors import length_limit
from core.errors import InvalidInput, NotAllowed, NotFound, whole_number

# --- Posts ------------------------------------------------------------------------------------


def visible_posts(*, user: Any) -> PostQuerySet:
    return Post.objects.visible_to(user)  # type: ignore[no-any-return]


def _int_or_400(value: Any, field: str) -> int:
    return whole_number(value, field=field)


def _day_or_400(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("Give the day as YYYY-MM-DD.", field="day") from None


def post_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Post]:
    """Posts the person may see. Filters: state, department (slug), brand_account (id),
    author (id, or "me"), day (YYYY-MM-DD: the posts the content calendar shows on that day,
    in the person's time zone)."""
    filters = filters or {}
    posts = visible_posts(user=user).with_list_relations()
    if filters.get("day"):
        day = _day_or_400(filters["day"])
        zone = timezone.get_current_timezone()
        start = datetime.combine(day, time.min, tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        posts = on_the_calendar(posts, start=start, end=end)
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
    if filters.get("day"):
        return posts.order_by("calendar_at", "id")  # the day's posts in the calendar's order
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
    # What the review screen and the API show besides: why the stage applies, its state
    # (approved, pending, or waiting for an earlier stage), any one or all of its reviewers,
    # its step, the reviewers an approval rule named (empty for comms and legal: their role
    # decides), and everyone who approved it.
    reason: str = ""
    state: str = "pending"
    approval: str = "any"
    step: int = 0
    reviewers: tuple[dict[str, Any], ...] = ()
    approvals: tuple[Decision, ...] = ()
    rule: int | None = None


def stage_statuses(post: Post, approvals: list[Decision] | None = None) -> list[StageStatus]:
    """Each stage of the current revision and who approved it (if anyone), with why it applies.

    approvals: the post's approve decisions already loaded (with_list_relations), else read.
    No query beyond that: the stages are recorded on the revision, read with the post.
    """
    statuses = []
    for stage in review_stages.post_progress(post, approvals):
        first = stage.approvals[0] if stage.approvals else None
        statuses.append(
            StageStatus(
                stage=stage.key,
                label=stage.name,
                approved_by=first.reviewer if first and stage.satisfied else None,
                approved_at=first.created_at if first and stage.satisfied else None,
                reason=stage.reason,
                state=stage.state,
                approval=stage.approval,
                step=stage.step,
                reviewers=tuple(stage.reviewers),
                approvals=tuple(stage.approvals),
                rule=stage.rule,
            )
        )
    return statuses


# --- Review queue -----------------------------------------------------------------------------


# Review SLA: a submission waiting longer than these is shown as late (the queue's age filter
# and its badges use the same two marks).
SLA_WARN = timedelta(hours=24)
SLA_LATE = timedelta(hours=72)

QUEUE_AGES = {
    "fresh": "waiting under 24 hours",
    "warn": "waiting 24 hours or more",
    "late": "waiting 72 hours or more",
}
QUEUE_SORTS = {"oldest": "oldest first", "newest": "newest first"}
QUEUE_FILTERS = (
    "stage",
    "department",
    "brand_account",
    "platform",
    "author",
    "age",
    "findings",
    "sort",
)


def _with_findings(posts: PostQuerySet, wanted: bool) -> PostQuerySet:
    """Posts whose current revision has (wanted=True) or has no guidance finding. The findings
    are the guidance's, computed as the review page does: one query for the posts, one for their
    images, one for the word lists, then one filtered queryset whatever the number of posts."""
    rows = list(
        posts.select_related(
            "brand_account", "brand_account__connection", "current_revision"
        ).prefetch_related("current_revision__media")
    )
    terms = guidance.active_terms()
    matching = []
    for post in rows:
        images = (
            sorted(post.current_revision.media.all(), key=lambda m: m.order)
            if post.current_revision
            else []
        )
        result = guidance.check(
            body=post.body,
            platform=post.brand_account.platform,
            terms=terms,
            max_length=length_limit(post.brand_account),
            alt_texts=[image.alt_text for image in images],
        )
        if bool(result.findings) == wanted:
            matching.append(post.pk)
    return posts.filter(pk__in=matching)


def review_queue(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Post]:
    """Posts waiting for a stage the person decides, on accounts they review, across
    departments, oldest submission first. Their own posts and revisions they already approved
    stay out (someone else must decide those).

    Filters (all optional): stage (comms/legal, one the person decides), department (slug),
    brand_account (id), platform, author (id), age (fresh/warn/late, against the review SLA),
    findings (yes/no: the current revision has guidance findings), sort (oldest/newest)."""
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    stages = permissions.reviewer_stages(user)
    seated = authz.has_a_review_seat(user)
    if not stages and not seated:
        raise NotAllowed(
            "Only comms and legal reviewers, and the reviewers approval rules name, have a "
            "review queue."
        )
    wanted = filters.get("stage")
    if wanted and wanted not in stages:
        raise InvalidInput("Choose a stage you review.", field="stage")
    platform = filters.get("platform")
    if platform and platform not in Platform.values:
        raise InvalidInput(
            f"Unknown platform; use one of: {', '.join(Platform.values)}.", field="platform"
        )
    age = filters.get("age")
    if age and age not in QUEUE_AGES:
        raise InvalidInput(f"Use age={', '.join(QUEUE_AGES)}.", field="age")
    sort = filters.get("sort") or "oldest"
    if sort not in QUEUE_SORTS:
        raise InvalidInput("Sort by oldest or newest.", field="sort")
    findings = filters.get("findings")
    if findings and findings not in ("yes", "no"):
        raise InvalidInput("Use findings=yes or findings=no.", field="findings")
    accounts = permissions.accounts_with(user, [permissions.REVIEW_ON]).values("pk")
    if not seated or wanted:
        posts = Post.objects.filter(
            state=PostState.IN_REVIEW, brand_account_id__in=accounts
        ).exclude(author=user)
        posts = posts.pending_any_stage([wanted] if wanted else stages).not_approved_by(user)
    else:
        # Also an approval rule's reviewer: the posts whose open stage names them, besides
        # (for comms and legal) those pending on the accounts they review.
        posts = (
            Post.objects.filter(state=PostState.IN_REVIEW)
            .exclude(author=user)
            .waiting_for_stage_reviewer(user)
        )
        waiting = Q(my_open_seat__isnull=False)
        if stages:
            waiting |= Q(
                pk__in=Post.objects.filter(brand_account_id__in=accounts)
                .pending_any_stage(stages)
                .values("pk")
            )
        posts = posts.filter(waiting).not_approved_by(user)
    if filters.get("department"):
        posts = posts.filter(department__slug=filters["department"])
    if filters.get("brand_account"):
        posts = posts.filter(
            brand_account_id=_int_or_400(filters["brand_account"], "brand_account")
        )
    if platform:
        posts = posts.filter(brand_account__platform=platform)
    if filters.get("author"):
        posts = posts.filter(author_id=_int_or_400(filters["author"], "author"))
    if age:
        now = timezone.now()
        if age == "fresh":
            posts = posts.filter(submitted_at__gt=now - SLA_WARN)
        else:
            posts = posts.filter(submitted_at__lte=now - (SLA_WARN if age == "warn" else SLA_LATE))
    if findings:
        posts = _with_findings(posts, findings == "yes")
    order = ("submitted_at", "id") if sort == "oldest" else ("-submitted_at", "-id")
    return posts.with_list_relations().order_by(*order)


def queue_filter_choices(*, user: Any) -> dict[str, Any]:
    """What the queue's filter form offers: departments, accounts the person reviews, platforms,
    and the authors of posts on those accounts waiting in review (one query each)."""
    departments = list(Department.objects.order_by("name"))  # reviewers work across departments
    accounts = list(
        permissions.accounts_with(user, [permissions.REVIEW_ON]).order_by("display_name", "id")
    )
    authors = list(
        User.objects.filter(
            posts__state=PostState.IN_REVIEW,
            posts__brand_account_id__in=[account.pk for account in accounts],
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("full_name", "email")
    )
    return {
        "departments": departments,
        "accounts": accounts,
        "platforms": Platform.choices,
        "authors": authors,
        "ages": list(QUEUE_AGES.items()),
        "sorts": list(QUEUE_SORTS.items()),
    }


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


def on_the_calendar(posts: PostQuerySet, *, start: datetime, end: datetime) -> PostQuerySet:
    """The posts the calendar places in [start, end): by their publication time, else their
    scheduled time (annotated as calendar_at)."""
    return (
        posts.filter(state__in=CALENDAR_STATES)
        .filter(reply_private=False)  # a direct message is not a calendar item
        .annotate(calendar_at=Coalesce("published_at", "scheduled_at"))
        .filter(calendar_at__gte=start, calendar_at__lt=end)
    )


def _calendar_scope(
    *, user: Any, start: datetime, end: datetime, department: str, brand_account: Any
) -> PostQuerySet:
    posts = on_the_calendar(visible_posts(user=user), start=start, end=end)
    if department:
        posts = posts.filter(department__slug=department)
    if brand_account:
        posts = posts.filter(brand_account_id=_int_or_400(brand_account, "brand_account"))
    return posts


def _local_day() -> TruncDate:
    return TruncDate("calendar_at", tzinfo=timezone.get_current_timezone())


def calendar_posts(
    *,
    user: Any,
    start: datetime,
    end: datetime,
    department: str = "",
    brand_account: Any = None,
    per_day: int | None = None,
) -> QuerySet[Post]:
    """Scheduled and published posts the person may see whose time falls in [start, end).
    per_day: only the first so many of each day (in the person's time zone), for the month
    view; calendar_day_counts says how many each day has in all."""
    posts = _calendar_scope(
        user=user, start=start, end=end, department=department, brand_account=brand_account
    )
    if per_day is not None:
        posts = posts.annotate(
            day_rank=Window(
                RowNumber(), partition_by=[_local_day()], order_by=[F("calendar_at"), F("id")]
            )
        ).filter(day_rank__lte=per_day)
    # One more query, whatever the number of posts: the images of each current revision, for
    # the calendar's thumbnails.
    return (
        posts.select_related("brand_account", "department", "author", "current_revision")
        .prefetch_related("current_revision__media")
        .order_by("calendar_at", "id")
    )


def calendar_day_counts(
    *,
    user: Any,
    start: datetime,
    end: datetime,
    department: str = "",
    brand_account: Any = None,
) -> dict[date, int]:
    """{day: number of posts} of the calendar's posts in [start, end), by the day in the
    person's time zone (one query)."""
    posts = _calendar_scope(
        user=user, start=start, end=end, department=department, brand_account=brand_account
    )
    rows = posts.annotate(day=_local_day()).order_by().values("day").annotate(n=Count("pk"))
    return {row["day"]: row["n"] for row in rows}


def calendar_crisis_pauses(
    *, start: datetime, end: datetime, brand_account: Any = None
) -> list[CrisisPause]:
    """Crisis pauses holding at some time in [start, end) (one query): the calendar shows them
    on the days they cover. With an account filter, the organisation-wide ones and that
    account's."""
    pauses = CrisisPause.objects.filter(started_at__lt=end).filter(
        Q(lifted_at__isnull=True) | Q(lifted_at__gte=start)
    )
    if brand_account:
        pauses = pauses.filter(
            Q(brand_account__isnull=True)
            | Q(brand_account_id=_int_or_400(brand_account, "brand_account"))
        )
    return list(pauses.select_related("brand_account").order_by("started_at", "id"))


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


# --- Quiet periods ----------------------------------------------------------------------------

QUIET_PERIOD_STATES = ("current", "upcoming", "past", "cancelled")


def quiet_period_list(*, user: Any, state: str = "") -> QuerySet[QuietPeriod]:
    """The quiet periods the person may know about, soonest first. state: current (holding
    now), upcoming, past (ended), cancelled; empty: all. One query."""
    now = timezone.now()
    periods = permissions.visible_quiet_periods(user).select_related(
        "department", "brand_account", "created_by", "cancelled_by"
    )
    live = periods.filter(cancelled_at__isnull=True)
    by_state = {
        "current": live.filter(starts_at__lte=now, ends_at__gt=now),
        "upcoming": live.filter(starts_at__gt=now),
        "past": live.filter(ends_at__lte=now),
        "cancelled": periods.filter(cancelled_at__isnull=False),
    }
    if state and state not in by_state:
        raise InvalidInput(
            f"Use state={', '.join(QUIET_PERIOD_STATES)} (or leave it out).", field="state"
        )
    chosen = by_state[state] if state else periods
    if state in ("past", "cancelled"):
        return chosen.order_by("-ends_at", "-id")
    return chosen.order_by("starts_at", "id")


def calendar_quiet_periods(
    *, user: Any, start: datetime, end: datetime, brand_account: Any = None
) -> list[QuietPeriod]:
    """Quiet periods (not cancelled) holding at some time in [start, end) that the person may
    know about (one query). With an account filter, those that can cover that account."""
    periods = permissions.visible_quiet_periods(user).filter(
        cancelled_at__isnull=True, starts_at__lt=end, ends_at__gt=start
    )
    if brand_account:
        account_id = _int_or_400(brand_account, "brand_account")
        periods = periods.filter(
            Q(department__isnull=True, brand_account__isnull=True)
            | Q(brand_account_id=account_id)
            | Q(department__brand_accounts=account_id)
        )
    return list(periods.select_related("department", "brand_account").order_by("starts_at", "id"))


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
    if permissions.has_review_queue(user):
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


# --- Mentions in review comments --------------------------------------------------------------

MENTION_LIMIT = 8
MAX_MENTION_QUERY = 100
# "@sme.sales" (the part of the e-mail address before the @) or "@sme.sales@example.org" (the
# whole address, when two people share the first part). Not after a word character or a slash,
# so e-mail addresses and URLs in the text are not mentions.
MENTION = re.compile(r"(?<![\w/@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def post_audience(*, post: Post) -> QuerySet[User]:
    """The active people who may see the post (Post.objects.visible_to read the other way round,
    in one query): the author; the department's members (its managers only, for a private
    reply); reviewers and publishers of the account once the post was submitted; org admins."""
    members = Membership.objects.filter(department_id=post.department_id)
    if post.reply_private:
        members = members.filter(role=Membership.Role.MANAGER)
    who = (
        Q(pk=post.author_id)
        | Q(pk__in=members.values("user_id"))
        | Q(pk__in=authz.users_with_org_role(OrgRole.ORG_ADMIN).values("pk"))
        | Q(is_superuser=True)
    )
    who |= Q(pk__in=StageReviewer.objects.filter(post_id=post.pk).values("reviewer_id"))
    if post.first_submitted_at is not None:
        for perm in (permissions.REVIEW_ON, permissions.PUBLISH_ON):
            who |= Q(pk__in=authz.users_holding(perm, post.brand_account).values("pk"))
    return User.objects.filter(who, is_active=True)


def mention_handle(person: Any, shared_local_parts: set[str]) -> str:
    local = person.email.split("@", 1)[0].lower()
    return person.email.lower() if local in shared_local_parts else local


def _shared_local_parts(people: QuerySet[User], locals_: set[str]) -> set[str]:
    """Of these first parts of e-mail addresses, those two or more of the people share."""
    if not locals_:
        return set()
    starts = Q()
    for local in locals_:
        starts |= Q(email__istartswith=f"{local}@")
    seen: dict[str, int] = {}
    for email in people.filter(starts).values_list("email", flat=True):
        local = email.split("@", 1)[0].lower()
        seen[local] = seen.get(local, 0) + 1
    return {local for local, count in seen.items() if count > 1}


@dataclass(frozen=True)
class MentionCandidate:
    id: int
    name: str
    email: str
    handle: str


def mention_candidates(*, post: Post, user: Any, query: Any = "") -> list[MentionCandidate]:
    """Up to MENTION_LIMIT people who may see the post whose name or e-mail address starts a
    word with the query (the caller left out), for the comment form's autocomplete. Two queries,
    whatever the number of people."""
    if not isinstance(query, str) or len(query) > MAX_MENTION_QUERY or "\x00" in query:
        raise InvalidInput(
            f"Type at most {MAX_MENTION_QUERY} characters to look someone up.", field="q"
        )
    query = query.strip().lstrip("@")
    people = post_audience(post=post).exclude(pk=user.pk)
    if query:
        people = people.filter(
            Q(email__istartswith=query)
            | Q(full_name__istartswith=query)
            | Q(full_name__icontains=f" {query}")
        )
    found = list(people.order_by("full_name", "email")[:MENTION_LIMIT])
    shared = _shared_local_parts(
        post_audience(post=post), {p.email.split("@", 1)[0].lower() for p in found}
    )
    return [
        MentionCandidate(p.pk, p.full_name or p.email, p.email, mention_handle(p, shared))
        for p in found
    ]


def mentioned_people(*, post: Post, body: str) -> list[User]:
    """The people a comment's @mentions name, among those who may see the post (at most one
    query). A handle that names nobody visible, or two people, stays plain text."""
    handles = {match.lower().rstrip(".") for match in MENTION.findall(body)}
    if not handles:
        return []
    emails = {h for h in handles if "@" in h}
    locals_ = {h for h in handles if "@" not in h}
    match = Q(email__in=list(emails)) if emails else Q(pk__in=[])
    for local in locals_:
        match |= Q(email__istartswith=f"{local}@")
    people = list(post_audience(post=post).filter(match).order_by("pk"))
    by_local: dict[str, list[User]] = {}
    for person in people:
        by_local.setdefault(person.email.split("@", 1)[0].lower(), []).append(person)
    chosen: dict[int, User] = {}
    for person in people:
        if person.email.lower() in emails:
            chosen[person.pk] = person
    for local in locals_:
        named = by_local.get(local, [])
        if len(named) == 1:
            chosen[named[0].pk] = named[0]
    return list(chosen.values())


# --- Review reasons and coaching ---------------------------------------------------------------


def review_reasons_offered() -> QuerySet[ReviewReason]:
    """The reasons a reviewer may choose with request-changes and reject."""
    return ReviewReason.objects.filter(is_active=True)


def reasoned_decisions(
    *, user: Any, department: Department | None = None, person: Any = None
) -> QuerySet[Decision]:
    """Request-changes and rejections with their reason, newest first, that the caller may see:
    their own posts' (person=user), a department they manage or, for org admins and HR, any
    department. Anything else is empty (the page answers 404 before asking)."""
    decisions = Decision.objects.filter(reason__isnull=False).order_by("-created_at", "-id")
    if person is not None:
        return decisions.filter(post__author=person)
    if department is not None:
        return decisions.filter(post__department=department)
    if authz.sees_all_departments(user):
        return decisions
    return decisions.filter(post__department_id__in=authz.managed_department_ids(user))


@dataclass(frozen=True)
class ReasonMonths:
    """Counts per reason per month (the table under the feedback pages; newest month first)."""

    reasons: list[ReviewReason]
    months: list[tuple[date, list[int], int]]  # (first day of the month, per reason, total)


def reasons_by_month(*, decisions: QuerySet[Decision], months: int = 12) -> ReasonMonths:
    """One grouped query: decisions per calendar month (in the organisation's time zone) and
    reason over the last `months` months."""
    since = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months - 1):
        since = (since - timedelta(days=1)).replace(day=1)
    grouped = (
        decisions.filter(created_at__gte=since)
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month", "reason_id")
        .annotate(n=Count("pk"))
    )
    counts = {(row["month"].date(), row["reason_id"]): row["n"] for row in grouped}
    reasons = list(ReviewReason.objects.filter(pk__in={key[1] for key in counts}))
    month_keys = sorted({key[0] for key in counts}, reverse=True)
    table = []
    for month in month_keys:
        row = [counts.get((month, reason.pk), 0) for reason in reasons]
        table.append((month, row, sum(row)))
    return ReasonMonths(reasons=reasons, months=table)


# The coaching rows a summary shows (the newest first).
COACHING_ROWS = 20
# A department slug's characters: anything else (a NUL, which PostgreSQL refuses) is unknown.
_DEPARTMENT_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


@dataclass(frozen=True)
class ReasonSummaryScope:
    """What the reasons summary shows a viewer: the departments they may choose, the one chosen
    (None: all of theirs), its reasoned decisions and its coaching assignments."""

    departments: QuerySet[Department]
    department: Department | None
    decisions: QuerySet[Decision]
    coaching: QuerySet[CoachingAssignment]


def review_reason_summary_scope(*, user: Any, department_slug: str = "") -> ReasonSummaryScope:
    """Managers: the departments they manage; org admins and HR: any department, or all of
    them. NotFound for anyone else, and for a department the viewer may not choose (the same
    answer as for one that does not exist)."""
    sees_all = authz.sees_all_departments(user)
    managed = authz.managed_department_ids(user)
    if not sees_all and not managed:
        raise NotFound()
    departments = Department.objects.order_by("name")
    if not sees_all:
        departments = departments.filter(pk__in=managed)
    department = None
    slug = department_slug.strip()
    if slug:
        if not _DEPARTMENT_SLUG.fullmatch(slug):
            raise NotFound()
        department = authz.get_visible_or_404(departments, slug=slug)
    coaching = CoachingAssignment.objects.select_related(
        "person", "reason", "assignment__course"
    ).order_by("-created_at", "-id")
    if department is not None:
        coaching = coaching.filter(person__memberships__department=department)
    elif not sees_all:
        coaching = coaching.filter(person__memberships__department_id__in=managed).distinct()
    return ReasonSummaryScope(
        departments=departments,
        department=department,
        decisions=reasoned_decisions(user=user, department=department),
        coaching=coaching,
    )


def my_coaching(*, user: Any) -> QuerySet[CoachingAssignment]:
    """The coaching a person was given, newest first."""
    return CoachingAssignment.objects.filter(person_id=user.pk).select_related(
        "person", "reason", "assignment__course"
    )
