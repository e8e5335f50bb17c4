"""Quiet periods: the rules of the window (scope, start included, end excluded), every path that
schedules or publishes refused inside one, posts already scheduled held, the engine holding a
due post at send time, legal's exceptions, and the pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent, Notification
from approvals import services
from approvals.models import Post, PostState, QuietPeriod, QuietPeriodException
from approvals.tests.factories import approved_post, make_account, scheduled_post
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput, NotAllowed
from publishing.engine.claim import _claim


def _window(
    actor: User,
    *,
    start: datetime,
    hours: float = 4,
    department: Department | None = None,
    brand_account: BrandAccount | None = None,
    reason: str = "Q3 earnings quiet period.",
) -> QuietPeriod:
    return services.quiet_period_create(
        actor=actor,
        reason=reason,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        department=department,
        brand_account=brand_account,
    )


@pytest.fixture
def soon() -> datetime:
    """A whole minute a day ahead: far enough for scheduling's one-minute lead."""
    return (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)


# --- The window's rules -----------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["organisation", "department", "account"])
def test_each_scope_refuses_scheduling_inside_it_with_its_reason(
    scope: str,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    sales: Department,
    soon: datetime,
) -> None:
    scopes: dict[str, dict[str, Any]] = {
        "organisation": {},
        "department": {"department": sales},
        "account": {"brand_account": account},
    }
    kwargs = scopes[scope]
    _window(legal_reviewer, start=soon, reason="Launch blackout.", **kwargs)
    post = approved_post(sme, account, comms_reviewer)

    with pytest.raises(NotAllowed, match="Launch blackout") as refused:
        services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=soon)

    assert refused.value.code == "quiet_period"
    assert Post.objects.get(pk=post.pk).state == PostState.APPROVED


def test_another_departments_or_accounts_window_does_not_apply(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    rnd: Department,
    soon: datetime,
) -> None:
    lab = make_account(rnd)
    _window(legal_reviewer, start=soon, department=rnd)
    _window(legal_reviewer, start=soon, brand_account=lab)
    post = approved_post(sme, account, comms_reviewer)

    services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=soon)

    assert Post.objects.get(pk=post.pk).state == PostState.SCHEDULED


def test_the_start_is_included_and_the_end_excluded(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    period = _window(legal_reviewer, start=soon, hours=2)
    post = approved_post(sme, account, comms_reviewer)

    assert services.blocking_quiet_period(post=post, at=period.starts_at) == period
    last_moment = period.ends_at - timedelta(microseconds=1)
    assert services.blocking_quiet_period(post=post, at=last_moment) == period
    assert services.blocking_quiet_period(post=post, at=period.ends_at) is None
    assert services.blocking_quiet_period(post=post, at=soon - timedelta(seconds=1)) is None
    services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=period.ends_at)
    assert Post.objects.get(pk=post.pk).scheduled_at == period.ends_at


def test_a_cancelled_window_refuses_nothing(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    period = _window(legal_reviewer, start=soon)
    services.quiet_period_cancel(period=period, actor=legal_reviewer, note="Results moved.")
    post = approved_post(sme, account, comms_reviewer)

    services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=soon)

    assert Post.objects.get(pk=post.pk).state == PostState.SCHEDULED
    event = AuditEvent.objects.get(action="quiet_period.cancelled")
    assert (event.actor, event.note) == (legal_reviewer, "Results moved.")
    with pytest.raises(Conflict):
        services.quiet_period_cancel(period=period, actor=legal_reviewer)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "start"}, "ends_at"),  # ends when it starts
        ({"ends_at": "before"}, "ends_at"),
        ({"ends_at": "past"}, "ends_at"),
        ({"starts_at": "naive"}, "starts_at"),
        ({"reason": "  "}, "reason"),
        ({"reason": "a\x00b"}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"both": True}, "brand_account"),
        ({"ends_at": "two years"}, "ends_at"),
    ],
)
def test_bad_windows_are_refused_and_nothing_is_written(
    change: dict[str, Any],
    field: str,
    legal_reviewer: User,
    account: BrandAccount,
    sales: Department,
    soon: datetime,
) -> None:
    kwargs: dict[str, Any] = {
        "actor": legal_reviewer,
        "reason": change.get("reason", "Embargo."),
        "starts_at": soon,
        "ends_at": soon + timedelta(hours=1),
    }
    ends = change.get("ends_at")
    if ends == "start":
        kwargs["ends_at"] = soon
    elif ends == "before":
        kwargs["ends_at"] = soon - timedelta(hours=1)
    elif ends == "past":
        kwargs["starts_at"] = soon - timedelta(days=3)
        kwargs["ends_at"] = soon - timedelta(days=2)
    elif ends == "two years":
        kwargs["ends_at"] = soon + timedelta(days=730)
    if change.get("starts_at") == "naive":
        kwargs["starts_at"] = timezone.make_naive(soon)
    if change.get("both"):
        kwargs["department"] = sales
        kwargs["brand_account"] = account

    with pytest.raises(InvalidInput) as refused:
        services.quiet_period_create(**kwargs)

    assert refused.value.field == field
    assert not QuietPeriod.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="quiet_period").exists()


def test_the_database_refuses_both_scopes_and_an_inverted_window(
    legal_reviewer: User, account: BrandAccount, sales: Department, soon: datetime
) -> None:
    for fields in (
        {"department": sales, "brand_account": account, "ends_at": soon + timedelta(hours=1)},
        {"ends_at": soon},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            QuietPeriod.objects.create(
                starts_at=soon, reason="x", created_by=legal_reviewer, **fields
            )


@pytest.mark.parametrize("role", ["sme", "comms_reviewer", "hr_user"])
def test_only_org_admins_and_legal_manage_windows(
    role: str, request: pytest.FixtureRequest, org_admin: User, soon: datetime
) -> None:
    with pytest.raises(NotAllowed):
        _window(request.getfixturevalue(role), start=soon)
    assert _window(org_admin, start=soon).created_by == org_admin
    assert AuditEvent.objects.filter(action="quiet_period.created").count() == 1


# --- Every entry point ------------------------------------------------------------------------


def test_publish_now_and_retry_are_refused_while_a_window_holds(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User
) -> None:
    _window(legal_reviewer, start=timezone.now() - timedelta(hours=1))
    post = approved_post(sme, account, comms_reviewer)

    with pytest.raises(NotAllowed, match="Now falls in a quiet period"):
        services.post_publish_now(post=post, actor=comms_reviewer)

    assert Post.objects.get(pk=post.pk).state == PostState.APPROVED


def test_rescheduling_into_a_window_is_refused(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=soon - timedelta(hours=6))
    _window(legal_reviewer, start=soon)

    with pytest.raises(NotAllowed, match="quiet period"):
        services.post_reschedule(post=post, actor=comms_reviewer, scheduled_at=soon)

    assert Post.objects.get(pk=post.pk).scheduled_at == soon - timedelta(hours=6)


def test_bulk_scheduling_refuses_each_post_with_the_reason(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    _window(legal_reviewer, start=soon, reason="Merger embargo.")
    posts = [approved_post(sme, account, comms_reviewer, f"post {n}") for n in range(2)]

    results = services.posts_bulk_apply(
        actor=comms_reviewer,
        action=services.BulkAction.SCHEDULE,
        ids=[p.pk for p in posts],
        scheduled_at=soon + timedelta(minutes=30),
    )

    assert [(r.ok, r.code) for r in results] == [(False, "quiet_period")] * 2
    assert all("Merger embargo" in r.message for r in results)
    assert set(Post.objects.values_list("state", flat=True)) == {PostState.APPROVED}


def test_the_calendar_drag_is_refused_with_the_reason(
    client: Client,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    soon: datetime,
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=soon - timedelta(hours=6))
    _window(legal_reviewer, start=soon, reason="Product launch blackout.")
    client.force_login(comms_reviewer)

    local = timezone.localtime(soon + timedelta(hours=1))
    response = client.post(
        reverse("post_reschedule", args=[post.pk]),
        {"scheduled_at": local.strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 403
    assert "Product launch blackout" in response.content.decode()
    assert Post.objects.get(pk=post.pk).scheduled_at == soon - timedelta(hours=6)


def test_the_schedule_form_is_refused_with_the_reason(
    client: Client,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    soon: datetime,
) -> None:
    _window(legal_reviewer, start=soon, reason="Earnings embargo.")
    post = approved_post(sme, account, comms_reviewer)
    client.force_login(comms_reviewer)

    local = timezone.localtime(soon + timedelta(minutes=5))
    response = client.post(
        reverse("post_schedule", args=[post.pk]),
        {"scheduled_at": local.strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 403
    assert "Earnings embargo" in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == PostState.APPROVED


# --- Posts already scheduled, and the engine --------------------------------------------------


def test_a_new_window_holds_posts_scheduled_inside_it_and_tells_their_people(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    inside = scheduled_post(sme, account, comms_reviewer, at=soon + timedelta(hours=1))
    outside = scheduled_post(sme, account, comms_reviewer, at=soon + timedelta(hours=9))

    period = _window(legal_reviewer, start=soon)

    told = Notification.objects.filter(kind=Notification.Kind.QUIET_PERIOD)
    assert sorted(told.values_list("recipient__email", "target_id")) == sorted(
        [(sme.email, str(inside.pk)), (comms_reviewer.email, str(inside.pk))]
    )
    assert AuditEvent.objects.get(action="quiet_period.created").data["held_posts"] == [inside.pk]
    assert AuditEvent.objects.for_target(inside).filter(action="post.quiet_period_held").exists()
    assert Post.objects.get(pk=inside.pk).state == PostState.SCHEDULED  # held, not moved
    [shown] = services.quiet_periods_for_post(post=Post.objects.get(pk=inside.pk))
    assert (shown, getattr(shown, "holds_post", None)) == (period, True)
    [other] = services.quiet_periods_for_post(post=Post.objects.get(pk=outside.pk))
    assert getattr(other, "holds_post", None) is False


def test_moving_a_window_over_a_post_holds_it_once(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=soon + timedelta(hours=6))
    period = _window(legal_reviewer, start=soon, hours=2)

    services.quiet_period_update(
        period=period, actor=legal_reviewer, ends_at=soon + timedelta(hours=8)
    )
    services.quiet_period_update(period=period, actor=legal_reviewer, reason="Longer embargo.")

    told = Notification.objects.filter(kind=Notification.Kind.QUIET_PERIOD, target_id=str(post.pk))
    assert told.count() == 2  # the author and the publisher, once
    event = AuditEvent.objects.filter(action="quiet_period.updated").order_by("pk").first()
    assert event is not None
    assert (event.data["changed"], event.data["held_posts"]) == (["ends_at"], [post.pk])


def test_the_engine_holds_a_due_post_inside_a_window_at_send_time(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=soon + timedelta(hours=1))
    _window(legal_reviewer, start=soon, reason="Earnings quiet period.")

    outcome = _claim(post.pk, now=soon + timedelta(hours=1))

    assert outcome is None  # nothing sent
    held = Post.objects.get(pk=post.pk)
    assert (held.state, held.scheduled_at) == (PostState.APPROVED, None)
    assert "Earnings quiet period" in held.notice
    assert AuditEvent.objects.for_target(held).filter(action="post.hold_for_quiet_period").exists()
    assert Notification.objects.filter(
        kind=Notification.Kind.SCHEDULE_MISSED, target_id=str(post.pk)
    ).exists()


def test_a_post_released_late_is_held_by_a_window_that_began_since(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=soon - timedelta(minutes=30))
    QuietPeriod.objects.create(  # began after the post's time: scheduling could not refuse it
        starts_at=soon, ends_at=soon + timedelta(hours=1), reason="Late.", created_by=legal_reviewer
    )

    held = services.post_release_due(post_id=post.pk, now=soon + timedelta(minutes=5))

    assert held is not None
    assert held.state == PostState.APPROVED


def test_an_exception_lets_the_post_go_out_inside_the_window(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=soon + timedelta(hours=1))
    period = _window(legal_reviewer, start=soon)

    services.quiet_period_exception_grant(
        post=post, period=period, actor=legal_reviewer, note="The results announcement itself."
    )
    released = services.post_release_due(
        post_id=post.pk, now=soon + timedelta(hours=1), hand_over=False
    )

    assert released is not None
    assert released.state == PostState.PUBLISHING
    event = AuditEvent.objects.for_target(post).get(action="post.quiet_period_exception_granted")
    assert (event.actor, event.note) == (legal_reviewer, "The results announcement itself.")


def test_an_exception_lets_a_post_be_scheduled_into_the_window_and_revoking_it_holds_it_again(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    period = _window(legal_reviewer, start=soon)
    post = approved_post(sme, account, comms_reviewer)
    services.quiet_period_exception_grant(
        post=post, period=period, actor=legal_reviewer, note="Approved by the board."
    )

    services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=soon)
    services.quiet_period_exception_revoke(post=post, period=period, actor=legal_reviewer)

    assert services.blocking_quiet_period(post=post, at=soon) == period
    assert (
        AuditEvent.objects.for_target(post)
        .filter(action="post.quiet_period_exception_revoked")
        .exists()
    )


@pytest.mark.parametrize(
    ("who", "note", "error"),
    [
        ("comms_reviewer", "A note.", NotAllowed),
        ("org_admin", "A note.", NotAllowed),
        ("legal_reviewer", "  ", InvalidInput),
        ("legal_reviewer", "bad\x00note", InvalidInput),
    ],
)
def test_only_legal_grants_exceptions_and_with_a_note(
    who: str,
    note: str,
    error: type[Exception],
    request: pytest.FixtureRequest,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    soon: datetime,
) -> None:
    period = _window(legal_reviewer, start=soon)
    post = approved_post(sme, account, comms_reviewer)

    with pytest.raises(error):
        services.quiet_period_exception_grant(
            post=post, period=period, actor=request.getfixturevalue(who), note=note
        )

    assert not QuietPeriodException.objects.exists()


def test_an_exception_is_granted_once_and_only_for_a_window_that_covers_the_post(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    rnd: Department,
    soon: datetime,
) -> None:
    period = _window(legal_reviewer, start=soon)
    elsewhere = _window(legal_reviewer, start=soon, department=rnd)
    post = approved_post(sme, account, comms_reviewer)
    services.quiet_period_exception_grant(post=post, period=period, actor=legal_reviewer, note="ok")

    with pytest.raises(Conflict):
        services.quiet_period_exception_grant(
            post=post, period=period, actor=legal_reviewer, note="again"
        )
    with pytest.raises(InvalidInput) as refused:
        services.quiet_period_exception_grant(
            post=post, period=elsewhere, actor=legal_reviewer, note="ok"
        )
    assert refused.value.field == "quiet_period"


# --- Pages ------------------------------------------------------------------------------------


def _form(start: datetime, **extra: str) -> dict[str, str]:
    local = timezone.localtime(start)
    return {
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (local + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "Annual results embargo.",
        **extra,
    }


def test_legal_plans_a_window_on_the_page(
    client: Client, legal_reviewer: User, sales: Department, soon: datetime
) -> None:
    client.force_login(legal_reviewer)

    response = client.post(reverse("quiet_period_list"), _form(soon, department=str(sales.pk)))

    assert response.status_code == 302
    period = QuietPeriod.objects.get()
    assert (period.department, period.starts_at) == (sales, soon)
    page = client.get(reverse("quiet_period_list")).content.decode()
    assert "Annual results embargo." in page


def test_the_page_refuses_bad_input_and_the_wrong_role(
    client: Client,
    legal_reviewer: User,
    comms_reviewer: User,
    sales: Department,
    account: BrandAccount,
    soon: datetime,
) -> None:
    client.force_login(legal_reviewer)
    both = _form(soon, department=str(sales.pk), brand_account=str(account.pk))
    response = client.post(reverse("quiet_period_list"), both)
    assert response.status_code == 400
    assert "not both" in response.content.decode()
    backwards = {**_form(soon), "ends_at": _form(soon - timedelta(hours=5))["starts_at"]}
    assert client.post(reverse("quiet_period_list"), backwards).status_code == 400

    client.force_login(comms_reviewer)
    assert client.post(reverse("quiet_period_list"), _form(soon)).status_code == 403
    assert not QuietPeriod.objects.exists()


def test_editing_and_cancelling_on_the_page(
    client: Client, legal_reviewer: User, sme: User, sales: Department, soon: datetime
) -> None:
    period = _window(legal_reviewer, start=soon, department=sales)

    client.force_login(sme)  # a member of sales sees the window, but may not change it
    assert client.get(reverse("quiet_period_edit", args=[period.pk])).status_code == 403
    assert client.post(reverse("quiet_period_cancel", args=[period.pk])).status_code == 403

    client.force_login(legal_reviewer)
    edited = client.post(
        reverse("quiet_period_edit", args=[period.pk]),
        _form(soon, department=str(sales.pk), reason="Longer embargo."),
    )
    assert edited.status_code == 302
    assert QuietPeriod.objects.get().reason == "Longer embargo."
    cancelled = client.post(reverse("quiet_period_cancel", args=[period.pk]), {"note": "Off."})
    assert cancelled.status_code == 302
    assert QuietPeriod.objects.get().cancelled_by == legal_reviewer


def test_an_outsider_does_not_see_another_departments_window(
    client: Client, legal_reviewer: User, outsider: User, sales: Department, soon: datetime
) -> None:
    period = _window(legal_reviewer, start=soon, department=sales, reason="Sales-only embargo.")
    client.force_login(outsider)

    assert client.get(reverse("quiet_period_edit", args=[period.pk])).status_code == 404
    assert client.post(reverse("quiet_period_cancel", args=[period.pk])).status_code == 404
    assert "Sales-only embargo." not in client.get(reverse("quiet_period_list")).content.decode()


def test_the_review_screen_shows_the_hold_and_legal_grants_an_exception_there(
    client: Client,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    soon: datetime,
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=soon + timedelta(hours=1))
    period = _window(legal_reviewer, start=soon, reason="Earnings quiet period.")

    client.force_login(comms_reviewer)
    page = client.get(reverse("post_review", args=[post.pk])).content.decode()
    assert "Held by a quiet period" in page
    assert "Grant an exception" not in page  # legal only

    client.force_login(legal_reviewer)
    url = reverse("quiet_period_exception_grant", args=[post.pk, period.pk])
    assert client.post(url, {"note": "", "next_page": "review"}).status_code == 400
    granted = client.post(url, {"note": "The announcement itself.", "next_page": "review"})
    assert granted.status_code == 302
    page = client.get(reverse("post_review", args=[post.pk])).content.decode()
    assert "Held by a quiet period" not in page
    assert "The announcement itself." in page


def test_the_calendar_shows_windows_and_the_posts_they_hold(
    client: Client,
    legal_reviewer: User,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
) -> None:
    # Tomorrow mid-morning, so the window and both posts fall in the week shown at any hour.
    start = (timezone.localtime() + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    held = scheduled_post(sme, account, comms_reviewer, at=start + timedelta(hours=1))
    scheduled_post(sme, account, comms_reviewer, at=start + timedelta(hours=5))  # after it
    period = _window(legal_reviewer, start=start, reason="Launch blackout.")
    client.force_login(sme)

    day = timezone.localtime(start).date().isoformat()
    url = reverse("content_calendar") + f"?date={day}"
    page = client.get(url).content.decode()

    assert f'data-quiet-day="{period.pk}"' in page
    assert "Launch blackout." in page
    assert page.count("data-quiet-held") == 1
    services.quiet_period_exception_grant(
        post=held, period=period, actor=legal_reviewer, note="The launch post."
    )
    assert "data-quiet-held" not in client.get(url).content.decode()


def test_a_post_handed_over_just_before_a_window_fails_unsent_inside_it(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    services.post_publish_now(post=post, actor=comms_reviewer)
    QuietPeriod.objects.create(  # began between the hand-over and the send
        starts_at=timezone.now() - timedelta(seconds=1),
        ends_at=timezone.now() + timedelta(hours=1),
        reason="Embargo from now.",
        created_by=legal_reviewer,
    )

    outcome = _claim(post.pk, now=timezone.now())

    assert outcome == "failed"
    failed = Post.objects.get(pk=post.pk)
    assert failed.state == PostState.FAILED
    assert "Embargo from now." in failed.last_error


def test_cancelling_the_window_lets_a_held_post_go_out_at_its_time(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User, soon: datetime
) -> None:
    post = scheduled_post(sme, account, comms_reviewer, at=soon + timedelta(hours=1))
    period = _window(legal_reviewer, start=soon)
    services.quiet_period_cancel(period=period, actor=legal_reviewer)

    released = services.post_release_due(
        post_id=post.pk, now=soon + timedelta(hours=1), hand_over=False
    )

    assert released is not None
    assert released.state == PostState.PUBLISHING


def test_exceptions_on_the_page_are_legals_alone(
    client: Client,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    outsider: User,
    soon: datetime,
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    period = _window(legal_reviewer, start=soon)
    url = reverse("quiet_period_exception_grant", args=[post.pk, period.pk])

    client.force_login(comms_reviewer)
    assert client.post(url, {"note": "Please."}).status_code == 403
    client.force_login(outsider)  # may not see the post
    assert client.post(url, {"note": "Please."}).status_code == 404
    client.force_login(legal_reviewer)
    missing = reverse("quiet_period_exception_grant", args=[post.pk, 999999])
    assert client.post(missing, {"note": "Please."}).status_code == 404
    assert not QuietPeriodException.objects.exists()

    assert client.post(url, {"note": "Cleared."}).status_code == 302
    revoke = reverse("quiet_period_exception_revoke", args=[post.pk, period.pk])
    client.force_login(comms_reviewer)
    assert client.post(revoke).status_code == 403
    client.force_login(legal_reviewer)
    assert client.post(revoke).status_code == 302
    assert not QuietPeriodException.objects.exists()


def test_the_review_screen_says_when_the_requested_time_falls_in_a_window(
    client: Client,
    legal_reviewer: User,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    soon: datetime,
) -> None:
    inside = services.post_create(
        actor=sme, brand_account=account, body="Launch!", requested_at=soon + timedelta(hours=1)
    )
    outside = services.post_create(
        actor=sme, brand_account=account, body="Later", requested_at=soon + timedelta(hours=9)
    )
    for post in (inside, outside):
        services.post_submit(post=post, actor=sme)
    _window(legal_reviewer, start=soon, reason="Launch blackout.")
    client.force_login(comms_reviewer)

    page = client.get(reverse("post_review", args=[inside.pk])).content.decode()
    assert "data-quiet-requested" in page
    assert "Launch blackout." in page
    other = client.get(reverse("post_review", args=[outside.pk])).content.decode()
    assert "data-quiet-requested" not in other
