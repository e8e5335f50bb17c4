"""The quiet-periods API (`quiet-periods/`) and the per-post exception endpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent
from approvals import services
from approvals.models import PostState, QuietPeriod, QuietPeriodException
from approvals.tests.factories import approved_post, make_account
from channels_app.models import BrandAccount

ApiAs = Callable[[User | None], Any]
URL = "/api/v1/quiet-periods/"


@pytest.fixture
def soon() -> datetime:
    return (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)


def _body(start: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(),
        "reason": "Q3 earnings quiet period.",
        **extra,
    }


def _window(actor: User, start: datetime, **scope: Any) -> QuietPeriod:
    return services.quiet_period_create(
        actor=actor,
        reason=scope.pop("reason", "Embargo."),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        **scope,
    )


def test_legal_creates_reads_changes_and_cancels_a_window(
    api_as: ApiAs, legal_reviewer: User, sales: Department, soon: datetime
) -> None:
    client = api_as(legal_reviewer)

    created = client.post(URL, _body(soon, department="sales"), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["scope"], body["department"]["slug"], body["status"]) == (
        "department",
        "sales",
        "upcoming",
    )
    url = f"{URL}{body['id']}/"
    assert client.get(url).json()["reason"] == "Q3 earnings quiet period."

    changed = client.patch(url, {"reason": "Longer embargo."}, format="json")
    assert changed.status_code == 200
    assert changed.json()["reason"] == "Longer embargo."

    cancelled = client.post(f"{url}cancel/", {"note": "Results moved."}, format="json")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_note"]) == (
        "cancelled",
        "Results moved.",
    )
    assert client.post(f"{url}cancel/", {}, format="json").status_code == 409
    assert list(
        AuditEvent.objects.filter(action__startswith="quiet_period.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["quiet_period.created", "quiet_period.updated", "quiet_period.cancelled"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "start"}, "ends_at"),
        ({"ends_at": "before"}, "ends_at"),
        ({"starts_at": "2030-05-01T09:00:00"}, "starts_at"),  # no zone
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"reason": ""}, "reason"),
        ({"reason": "a\x00b"}, "reason"),
        ({"department": "no-such-department"}, "department"),
        ({"brand_account": 999999}, "brand_account"),
        ({"brand_account": "x"}, "brand_account"),
        ({"department": "sales", "brand_account": "account"}, "brand_account"),
    ],
)
def test_bad_input_is_400_with_the_field_and_nothing_is_written(
    change: dict[str, Any],
    field: str,
    api_as: ApiAs,
    legal_reviewer: User,
    sales: Department,
    account: BrandAccount,
    soon: datetime,
) -> None:
    body = _body(soon)
    for key, value in change.items():
        body[key] = value
    if change.get("ends_at") == "start":
        body["ends_at"] = body["starts_at"]
    elif change.get("ends_at") == "before":
        body["ends_at"] = (soon - timedelta(hours=1)).isoformat()
    if body.get("brand_account") == "account":
        body["brand_account"] = account.pk

    response = api_as(legal_reviewer).post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not QuietPeriod.objects.exists()


def test_the_wrong_role_is_403_and_an_outsider_gets_404(
    api_as: ApiAs,
    legal_reviewer: User,
    comms_reviewer: User,
    sme: User,
    outsider: User,
    sales: Department,
    soon: datetime,
) -> None:
    period = _window(legal_reviewer, soon, department=sales)
    url = f"{URL}{period.pk}/"

    assert api_as(comms_reviewer).post(URL, _body(soon), format="json").status_code == 403
    # A member of sales sees the window that can refuse their posts, and may not change it.
    assert api_as(sme).get(url).status_code == 200
    assert api_as(sme).patch(url, {"reason": "x"}, format="json").status_code == 403
    assert api_as(sme).post(f"{url}cancel/", {}, format="json").status_code == 403
    # Someone from another department does not learn it exists.
    for response in (
        api_as(outsider).get(url),
        api_as(outsider).patch(url, {"reason": "x"}, format="json"),
        api_as(outsider).post(f"{url}cancel/", {}, format="json"),
    ):
        assert response.status_code == 404
    assert api_as(outsider).get(URL).json()["results"] == []
    assert api_as(None).get(URL).status_code in (401, 403)
    assert QuietPeriod.objects.get().reason == "Embargo."


def test_the_list_filters_by_state(api_as: ApiAs, legal_reviewer: User, soon: datetime) -> None:
    upcoming = _window(legal_reviewer, soon)
    current = _window(legal_reviewer, timezone.now() - timedelta(hours=1))
    client = api_as(legal_reviewer)

    assert [r["id"] for r in client.get(f"{URL}?state=current").json()["results"]] == [current.pk]
    assert [r["id"] for r in client.get(f"{URL}?state=upcoming").json()["results"]] == [upcoming.pk]
    bad = client.get(f"{URL}?state=soonish")
    assert bad.status_code == 400
    assert "state" in bad.json()


def test_the_list_costs_the_same_queries_for_one_window_or_six(
    api_as: ApiAs,
    legal_reviewer: User,
    sme: User,
    sales: Department,
    account: BrandAccount,
    soon: datetime,
    django_assert_num_queries: Any,
) -> None:
    _window(legal_reviewer, soon, department=sales)
    client = api_as(sme)
    client.get(URL)  # warm the session

    # session, user, the person's roles, their departments, the count, the page of windows
    # (with their department, account and people joined)
    with django_assert_num_queries(6):
        assert len(client.get(URL).json()["results"]) == 1
    for n in range(5):
        _window(legal_reviewer, soon + timedelta(days=n + 1), brand_account=account)
    with django_assert_num_queries(6):
        assert len(client.get(URL).json()["results"]) == 6


def test_the_page_list_costs_the_same_queries_for_one_window_or_six(
    client: Any,
    legal_reviewer: User,
    sales: Department,
    account: BrandAccount,
    soon: datetime,
    django_assert_num_queries: Any,
) -> None:
    _window(legal_reviewer, soon, department=sales)
    client.force_login(legal_reviewer)
    client.get("/quiet-periods/")

    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/quiet-periods/").status_code == 200
    for n in range(5):
        _window(legal_reviewer, soon + timedelta(days=n + 1), brand_account=account)
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get("/quiet-periods/")
    assert page.content.decode().count("data-quiet-period=") == 6


# session, user, the person's roles (org admins and legal see every window); the four lists
# (holding now, upcoming, ended, cancelled), each with its department, account and people joined;
# the count of upcoming ones for its pages; unread notifications and crisis pauses for the
# banner; departments and accounts for the form.
PAGE_QUERIES = 12


# --- posts/{id}/quiet-period-exceptions/ ------------------------------------------------------


def test_legal_grants_and_revokes_an_exception_over_the_api(
    api_as: ApiAs,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    soon: datetime,
) -> None:
    period = _window(legal_reviewer, soon)
    post = approved_post(sme, account, comms_reviewer)
    url = f"/api/v1/posts/{post.pk}/quiet-period-exceptions/"
    client = api_as(legal_reviewer)

    assert client.post(url, {"quiet_period": period.pk}, format="json").status_code == 400
    granted = client.post(
        url, {"quiet_period": period.pk, "note": "The results themselves."}, format="json"
    )
    assert granted.status_code == 201
    assert granted.json()["note"] == "The results themselves."
    again = client.post(url, {"quiet_period": period.pk, "note": "x"}, format="json")
    assert again.status_code == 409

    scheduled = api_as(comms_reviewer).post(
        f"/api/v1/posts/{post.pk}/schedule/", {"scheduled_at": soon.isoformat()}, format="json"
    )
    assert scheduled.status_code == 200
    assert scheduled.json()["state"] == PostState.SCHEDULED

    revoked = client.post(f"{url}revoke/", {"quiet_period": period.pk}, format="json")
    assert revoked.status_code == 204
    assert not QuietPeriodException.objects.exists()


def test_exceptions_are_legals_alone_and_unknown_windows_are_404(
    api_as: ApiAs,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    outsider: User,
    rnd: Department,
    soon: datetime,
) -> None:
    period = _window(legal_reviewer, soon)
    post = approved_post(sme, account, comms_reviewer)
    url = f"/api/v1/posts/{post.pk}/quiet-period-exceptions/"
    body = {"quiet_period": period.pk, "note": "Please."}

    assert api_as(comms_reviewer).post(url, body, format="json").status_code == 403
    assert api_as(outsider).post(url, body, format="json").status_code == 404  # the post
    missing = api_as(legal_reviewer).post(url, {"quiet_period": 999999, "note": "x"}, format="json")
    assert missing.status_code == 404
    lab_window = _window(legal_reviewer, soon, brand_account=make_account(rnd))
    elsewhere = api_as(legal_reviewer).post(
        url, {"quiet_period": lab_window.pk, "note": "x"}, format="json"
    )
    assert elsewhere.status_code == 400
    assert "quiet_period" in elsewhere.json()
    assert not QuietPeriodException.objects.exists()


def test_scheduling_over_the_api_into_a_window_is_refused_with_its_reason(
    api_as: ApiAs,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
    soon: datetime,
) -> None:
    _window(legal_reviewer, soon, reason="Merger embargo.")
    post = approved_post(sme, account, comms_reviewer)

    response = api_as(comms_reviewer).post(
        f"/api/v1/posts/{post.pk}/schedule/",
        {"scheduled_at": (soon + timedelta(minutes=10)).isoformat()},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "quiet_period"
    assert "Merger embargo." in response.json()["detail"]
