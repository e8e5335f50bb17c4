"""Quiet periods: planned windows in which nothing may be published, and legal's per-post
exceptions. One check, blocking_quiet_period, serves scheduling, rescheduling, publishing now,
retrying, the calendar, bulk scheduling and the publishing engine at send time.

A window holds from starts_at (included) to ends_at (excluded): a post scheduled at the very
minute a window ends may go out, one scheduled at the minute it starts may not.

A post already scheduled inside a window when the window is created (or moved over it) stays
scheduled and is "held": the author and whoever scheduled it are told, the post page says so,
and if its time comes while the window still holds without an exception, the engine sends it
back to approved with a notice instead of publishing it. An exception granted (or the window
cancelled) before then lets it go out at its time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from activity.audit import audit_record
from approvals import notifications, permissions
from approvals.models import Post, PostState, QuietPeriod, QuietPeriodException
from approvals.services.checks import _clean_note, _lock
from core.dates import datetime_text
from core.errors import Conflict, InvalidInput, NotAllowed

if TYPE_CHECKING:
    from accounts.models import Department, User
    from channels_app.models import BrandAccount

MAX_REASON_LENGTH = 500
# A quiet period is planned around an event; a year is the longest one the form accepts.
MAX_QUIET_PERIOD = timedelta(days=366)
# Posts that are over: an exception for them would mean nothing.
CLOSED_STATES = frozenset({PostState.PUBLISHED, PostState.REJECTED, PostState.WITHDRAWN})


# --- Reads ------------------------------------------------------------------------------------


def _department_ids(post: Post | None, account: BrandAccount, department: Any) -> set[int]:
    """A department's window covers the posts of that department and the posts on its
    accounts (a post's department and its account's may differ)."""
    ids = {account.department_id}
    if post is not None:
        ids.add(post.department_id)
    if department is not None:
        ids.add(department.pk)
    return ids


def _scope_q(*, account: BrandAccount, department_ids: Iterable[int]) -> Q:
    return (
        Q(department__isnull=True, brand_account__isnull=True)
        | Q(department_id__in=list(department_ids))
        | Q(brand_account_id=account.pk)
    )


def blocking_quiet_period(
    *,
    at: datetime,
    post: Post | None = None,
    brand_account: BrandAccount | None = None,
    department: Department | None = None,
) -> QuietPeriod | None:
    """The quiet period that forbids publishing the post (or, before there is a post, anything
    on the account for the department) at the given moment, if any: not cancelled,
    starts_at <= at < ends_at, covering its scope, and no exception for the post. One query."""
    account = post.brand_account if post is not None else brand_account
    if account is None:
        raise ValueError("blocking_quiet_period needs a post or a brand account.")
    periods = blocking_quiet_periods(
        at=at,
        account_id=account.pk,
        department_ids=_department_ids(post, account, department),
        post_id=post.pk if post is not None else None,
    )
    return periods.select_related("department", "brand_account").order_by("starts_at", "id").first()


def blocking_quiet_periods(
    *, at: datetime, account_id: int, department_ids: Iterable[int], post_id: int | None
) -> QuerySet[QuietPeriod]:
    """blocking_quiet_period's rule as a query, by ids: the windows that forbid publishing on
    the account (for a post of those departments) at the moment, without an exception for the
    post. The publishing engine puts it in its claim's statement (NOT EXISTS), so the check
    costs no query of its own."""
    periods = QuietPeriod.objects.filter(
        Q(department__isnull=True, brand_account__isnull=True)
        | Q(department_id__in=list(department_ids))
        | Q(brand_account_id=account_id),
        cancelled_at__isnull=True,
        starts_at__lte=at,
        ends_at__gt=at,
    )
    if post_id is not None:
        periods = periods.exclude(exceptions__post_id=post_id)
    return periods


def quiet_periods_for_post(*, post: Post, now: datetime | None = None) -> list[QuietPeriod]:
    """The windows that cover the post and have not ended or been cancelled, each with
    `exception` (legal's exception for this post, or None), `holds_post` (its scheduled
    time falls inside) and `holds_request` (the time its author asked for falls inside): what
    the post and review pages show. Two queries."""
    now = now or timezone.now()
    account = post.brand_account
    periods = list(
        QuietPeriod.objects.filter(
            _scope_q(account=account, department_ids=_department_ids(post, account, None)),
            cancelled_at__isnull=True,
            ends_at__gt=now,
        )
        .select_related("department", "brand_account", "created_by")
        .order_by("starts_at", "id")
    )
    exceptions = {}
    if periods:
        exceptions = {
            e.quiet_period_id: e
            for e in QuietPeriodException.objects.filter(
                post=post, quiet_period__in=periods
            ).select_related("granted_by")
        }
    for period in periods:
        period.exception = exceptions.get(period.pk)  # type: ignore[attr-defined]
        period.holds_post = bool(  # type: ignore[attr-defined]
            post.state == PostState.SCHEDULED
            and post.scheduled_at is not None
            and period.exception is None  # type: ignore[attr-defined]
            and period.starts_at <= post.scheduled_at < period.ends_at
        )
        # The time the author asked for falls inside: reviewers and publishers see it early.
        period.holds_request = bool(  # type: ignore[attr-defined]
            post.state != PostState.SCHEDULED
            and post.requested_at is not None
            and period.exception is None  # type: ignore[attr-defined]
            and period.starts_at <= post.requested_at < period.ends_at
        )
    return periods


def _covers(period: QuietPeriod, post: Post) -> bool:
    if period.brand_account_id is not None:
        return period.brand_account_id == post.brand_account_id
    if period.department_id is not None:
        return period.department_id in {post.department_id, post.brand_account.department_id}
    return True


def held_post_ids(posts: Iterable[Post], periods: Iterable[QuietPeriod]) -> set[int]:
    """Of these posts, the scheduled ones one of these windows holds (no exception for it): for
    lists such as the calendar, which read the windows already. One query for the exceptions,
    none when no scheduled post falls inside a window."""
    live = [period for period in periods if period.cancelled_at is None]
    inside: dict[int, set[int]] = {}
    for post in posts:
        when = post.scheduled_at
        if post.state != PostState.SCHEDULED or when is None:
            continue
        for period in live:
            if period.starts_at <= when < period.ends_at and _covers(period, post):
                inside.setdefault(post.pk, set()).add(period.pk)
    if not inside:
        return set()
    excepted = set(
        QuietPeriodException.objects.filter(
            post_id__in=list(inside),
            quiet_period_id__in=list(set().union(*inside.values())),
        ).values_list("post_id", "quiet_period_id")
    )
    return {pk for pk, ids in inside.items() if any((pk, q) not in excepted for q in ids)}


def quiet_period_message(period: QuietPeriod, *, at: datetime, now: bool = False) -> str:
    """Why publishing at `at` is refused, in the words people read on every entry point."""
    when = "Now" if now else datetime_text(at)
    return (
        f"{when} falls in a quiet period on {period.scope_label} until "
        f"{datetime_text(period.ends_at)}: {period.reason} Pick a time outside it, or ask "
        "legal for an exception."
    )


def require_no_quiet_period(post: Post, *, at: datetime, now: bool = False) -> None:
    """Refuse (403, code quiet_period) publishing the post at `at`."""
    period = blocking_quiet_period(post=post, at=at)
    if period is not None:
        raise NotAllowed(quiet_period_message(period, at=at, now=now), code="quiet_period")


# --- Checking what people send -----------------------------------------------------------------


def _clean_reason(reason: Any) -> str:
    if not isinstance(reason, str):
        raise InvalidInput("The reason must be text.", field="reason")
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "Give the reason: people whose posts are refused or held read it.", field="reason"
        )
    if "\x00" in reason:
        raise InvalidInput("The reason contains a NUL character.", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"Keep the reason under {MAX_REASON_LENGTH} characters.", field="reason")
    return reason


def _clean_window(starts_at: Any, ends_at: Any, *, now: datetime) -> tuple[datetime, datetime]:
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            raise InvalidInput(
                "Give the date and time with its time zone (e.g. 2030-05-01T09:00:00+02:00).",
                field=field,
            )
    if ends_at <= starts_at:
        raise InvalidInput("The quiet period must end after it starts.", field="ends_at")
    if ends_at <= now:
        raise InvalidInput("That quiet period would already be over.", field="ends_at")
    if ends_at - starts_at > MAX_QUIET_PERIOD:
        raise InvalidInput("A quiet period lasts a year at most.", field="ends_at")
    return starts_at, ends_at


def _clean_scope(department: Any, brand_account: Any) -> None:
    if department is not None and brand_account is not None:
        raise InvalidInput(
            "Choose a department or an account, not both (neither: the whole organisation).",
            field="brand_account",
        )


def _require_manager(actor: User) -> None:
    if not permissions.can_manage_quiet_periods(actor):
        raise NotAllowed(
            "Only org admins and legal reviewers manage quiet periods.", code="not_allowed"
        )


def _require_open(period: QuietPeriod, *, now: datetime) -> None:
    if period.cancelled_at is not None:
        raise Conflict("This quiet period was cancelled.", code="cancelled")
    if period.ends_at <= now:
        raise Conflict("This quiet period is over.", code="ended")


def _audit_department(period: QuietPeriod) -> Department | None:
    if period.brand_account_id is not None:
        return period.brand_account.department  # type: ignore[union-attr]
    return period.department


def _snapshot(period: QuietPeriod) -> dict[str, Any]:
    return {
        "department": period.department_id,
        "brand_account": period.brand_account_id,
        "starts_at": period.starts_at.isoformat(),
        "ends_at": period.ends_at.isoformat(),
        "reason": period.reason,
    }


# --- Holding posts already scheduled inside a window -------------------------------------------


def _posts_inside(period: QuietPeriod) -> QuerySet[Post]:
    """Scheduled posts whose time falls inside the window, without an exception for it."""
    posts = Post.objects.filter(
        state=PostState.SCHEDULED,
        scheduled_at__gte=period.starts_at,
        scheduled_at__lt=period.ends_at,
    )
    if period.brand_account_id is not None:
        posts = posts.filter(brand_account_id=period.brand_account_id)
    elif period.department_id is not None:
        posts = posts.filter(
            Q(department_id=period.department_id)
            | Q(brand_account__department_id=period.department_id)
        )
    return posts.exclude(quiet_period_exceptions__quiet_period=period)


def _hold_scheduled(period: QuietPeriod, *, actor: User, before: set[int]) -> list[int]:
    """Tell the people behind each post the window now holds (and did not hold before) that it
    will not go out at its time; the post's timeline records it. Their ids, for the audit."""
    posts = list(
        _posts_inside(period)
        .exclude(pk__in=before)
        .select_related("author", "scheduled_by", "brand_account", "department")
        .order_by("scheduled_at", "pk")
    )
    for post in posts:
        notifications.quiet_period_held(post, period=period, actor=actor)
        audit_record(
            actor=actor,
            action="post.quiet_period_held",
            target=post,
            department=post.department,
            note=period.reason,
            data={
                "quiet_period": period.pk,
                "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
            },
        )
    return [post.pk for post in posts]


# --- Writes -----------------------------------------------------------------------------------


def quiet_period_create(
    *,
    actor: User,
    reason: Any,
    starts_at: Any,
    ends_at: Any,
    department: Department | None = None,
    brand_account: BrandAccount | None = None,
) -> QuietPeriod:
    """Plan a window (org-wide, one department or one account). Posts already scheduled
    inside it are held and their people told."""
    _require_manager(actor)
    reason = _clean_reason(reason)
    starts_at, ends_at = _clean_window(starts_at, ends_at, now=timezone.now())
    _clean_scope(department, brand_account)
    with transaction.atomic():
        period = QuietPeriod.objects.create(
            department=department,
            brand_account=brand_account,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_by=actor,
        )
        held = _hold_scheduled(period, actor=actor, before=set())
        audit_record(
            actor=actor,
            action="quiet_period.created",
            target=period,
            department=_audit_department(period),
            to_state="planned",
            note=reason,
            data={**_snapshot(period), "held_posts": held},
        )
    return period


_UNSET: Any = object()


def quiet_period_update(
    *,
    period: QuietPeriod,
    actor: User,
    reason: Any = _UNSET,
    starts_at: Any = _UNSET,
    ends_at: Any = _UNSET,
    department: Any = _UNSET,
    brand_account: Any = _UNSET,
) -> QuietPeriod:
    """Change a window that has not ended nor been cancelled; what is not given stays. Posts
    the changed window newly covers are held and their people told."""
    _require_manager(actor)
    now = timezone.now()
    with transaction.atomic():
        locked = QuietPeriod.objects.select_for_update(of=("self",)).get(pk=period.pk)
        _require_open(locked, now=now)
        before = _snapshot(locked)
        new_reason = locked.reason if reason is _UNSET else _clean_reason(reason)
        new_start = locked.starts_at if starts_at is _UNSET else starts_at
        new_end = locked.ends_at if ends_at is _UNSET else ends_at
        new_start, new_end = _clean_window(new_start, new_end, now=now)
        new_department = locked.department if department is _UNSET else department
        new_account = locked.brand_account if brand_account is _UNSET else brand_account
        _clean_scope(new_department, new_account)
        already = set(_posts_inside(locked).values_list("pk", flat=True))
        locked.reason = new_reason
        locked.starts_at = new_start
        locked.ends_at = new_end
        locked.department = new_department
        locked.brand_account = new_account
        locked.save()
        after = _snapshot(locked)
        held = _hold_scheduled(locked, actor=actor, before=already)
        audit_record(
            actor=actor,
            action="quiet_period.updated",
            target=locked,
            department=_audit_department(locked),
            note=new_reason,
            data={
                "before": before,
                "after": after,
                "changed": sorted(key for key in after if after[key] != before[key]),
                "held_posts": held,
            },
        )
    return locked


def quiet_period_cancel(*, period: QuietPeriod, actor: User, note: Any = "") -> QuietPeriod:
    """Call a window off before it ends; it stays in the history. Held posts go out at their
    time again (unless another window holds them)."""
    _require_manager(actor)
    note = _clean_note(note, required=False, what="")
    now = timezone.now()
    with transaction.atomic():
        locked = QuietPeriod.objects.select_for_update(of=("self",)).get(pk=period.pk)
        _require_open(locked, now=now)
        locked.cancelled_at = now
        locked.cancelled_by = actor
        locked.cancel_note = note
        locked.save(update_fields=["cancelled_at", "cancelled_by", "cancel_note", "updated_at"])
        audit_record(
            actor=actor,
            action="quiet_period.cancelled",
            target=locked,
            department=_audit_department(locked),
            from_state="planned",
            to_state="cancelled",
            note=note,
            data=_snapshot(locked),
        )
    return locked


def _require_legal(actor: User) -> None:
    if not permissions.can_grant_quiet_period_exception(actor):
        raise NotAllowed(
            "Only legal reviewers grant or withdraw quiet-period exceptions.", code="not_allowed"
        )


def _require_covers(period: QuietPeriod, post: Post) -> None:
    account = post.brand_account
    covered = QuietPeriod.objects.filter(
        _scope_q(account=account, department_ids=_department_ids(post, account, None)),
        pk=period.pk,
    ).exists()
    if not covered:
        raise InvalidInput("That quiet period does not cover this post.", field="quiet_period")


def quiet_period_exception_grant(
    *, post: Post, period: QuietPeriod, actor: User, note: Any
) -> QuietPeriodException:
    """Legal lets the post be published inside the window (the note says why: it is audited)."""
    _require_legal(actor)
    note = _clean_note(note, required=True, what="why this post may go out in the quiet period.")
    if "\x00" in note:
        raise InvalidInput("The note contains a NUL character.", field="note")
    _require_open(period, now=timezone.now())
    _require_covers(period, post)
    with transaction.atomic():
        # The post's row lock orders this against the engine releasing it.
        locked = _lock(post)
        if locked.state in CLOSED_STATES:
            raise Conflict(
                f"This post is {locked.get_state_display().lower()}: an exception would change "
                "nothing.",
                code="closed",
            )
        try:
            with transaction.atomic():
                exception = QuietPeriodException.objects.create(
                    post=locked, quiet_period=period, note=note, granted_by=actor
                )
        except IntegrityError as exc:
            raise Conflict(
                "This post already has an exception for that quiet period.",
                code="already_granted",
            ) from exc
        audit_record(
            actor=actor,
            action="post.quiet_period_exception_granted",
            target=locked,
            department=locked.department,
            note=note,
            data={"quiet_period": period.pk, "reason": period.reason},
        )
    return exception


def quiet_period_exception_revoke(
    *, post: Post, period: QuietPeriod, actor: User, note: Any = ""
) -> None:
    """Legal withdraws an exception: the window forbids the post again."""
    _require_legal(actor)
    note = _clean_note(note, required=False, what="")
    with transaction.atomic():
        locked = _lock(post)
        deleted, _ = QuietPeriodException.objects.filter(post=locked, quiet_period=period).delete()
        if not deleted:
            raise Conflict("This post has no exception for that quiet period.", code="no_exception")
        audit_record(
            actor=actor,
            action="post.quiet_period_exception_revoked",
            target=locked,
            department=locked.department,
            note=note,
            data={"quiet_period": period.pk},
        )
