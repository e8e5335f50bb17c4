"""/api/v1/inbox/conversations/: the list, one conversation, and its actions. Each endpoint:
the happy path, the outsider (404), the wrong role (403), bad input (400, nothing written), and
a constant query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from activity.models import AuditEvent, Notification
from channels_app.models import BrandAccount
from inbox.models import Conversation
from inbox.tests.factories import make_conversation

pytestmark = pytest.mark.django_db

URL = "/api/v1/inbox/conversations/"


def _detail(conversation: Conversation, action: str = "") -> str:
    return f"{URL}{conversation.pk}/{action + '/' if action else ''}"


def _triaged(conversation: Conversation, triager: User, api_as: Any, **data: Any) -> dict[str, Any]:
    answer = api_as(triager).post(_detail(conversation, "triage"), data, format="json")
    assert answer.status_code == 200, answer.json()
    return dict(answer.json())


# --- The list ------------------------------------------------------------------------------


def test_triagers_list_every_conversation_newest_first(
    api_as: Any, triager: User, account: BrandAccount
) -> None:
    older = make_conversation(account, "@acme first")
    newer = make_conversation(account, "@acme second")
    Conversation.objects.filter(pk=older.pk).update(
        last_item_at=newer.last_item_at.replace(year=2020)
    )

    answer = api_as(triager).get(URL)

    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == [newer.pk, older.pk]
    assert answer.json()["results"][0]["state"] == "new"
    oldest = api_as(triager).get(URL, {"ordering": "oldest"}).json()["results"]
    assert oldest[0]["id"] == older.pk


def test_the_list_filters(
    api_as: Any, triager: User, account: BrandAccount, sales: Department
) -> None:
    make_conversation(account, "@acme where is my parcel")
    other = make_conversation(account, "@acme nice")
    _triaged(other, triager, api_as, outcome="public_response", department="sales")

    def ids(**params: str) -> list[str]:
        return [r["subject"] for r in api_as(triager).get(URL, params).json()["results"]]

    assert ids(q="parcel") == ["@acme where is my parcel"]
    assert ids(outcome="public_response") == ["@acme nice"]
    assert ids(state="new") == ["@acme where is my parcel"]
    assert ids(tab="new") == ["@acme where is my parcel"]
    assert ids(platform="mastodon", account=str(account.pk), owner="none") == [
        "@acme nice",
        "@acme where is my parcel",
    ]
    assert ids(breached="true") == []


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("outcome", "maybe"),
        ("state", "lost"),
        ("account", "x"),
        ("breached", "perhaps"),
        ("tab", "x"),
        ("q", "parcel\x00lost"),
    ],
)
def test_bad_filters_are_400_with_the_field(
    api_as: Any, triager: User, param: str, value: str
) -> None:
    answer = api_as(triager).get(URL, {param: value})

    assert answer.status_code == 400
    assert param in answer.json()


def test_members_see_only_their_departments_conversations(
    api_as: Any, triager: User, sme: User, outsider: User, account: BrandAccount
) -> None:
    ours = make_conversation(account, "@acme for sales")
    make_conversation(account, "@acme untriaged")
    _triaged(ours, triager, api_as, outcome="public_response", department="sales")

    assert [r["id"] for r in api_as(sme).get(URL).json()["results"]] == [ours.pk]
    assert api_as(outsider).get(URL).json()["results"] == []
    assert api_as(outsider).get(_detail(ours)).status_code == 404
    assert api_as(None).get(URL).status_code in (401, 403)


def test_the_list_costs_the_same_queries_for_1_or_6_conversations(
    api_as: Any, triager: User, account: BrandAccount, sales: Department
) -> None:
    client = api_as(triager)
    first = make_conversation(account)
    _triaged(first, triager, api_as, outcome="public_response", department="sales")
    client.get(URL)  # warm the session

    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for _ in range(5):
        conversation = make_conversation(account)
        _triaged(conversation, triager, api_as, outcome="public_response", department="sales")
    with CaptureQueriesContext(connection) as six:
        assert len(client.get(URL).json()["results"]) == 6

    # session, user, roles (groups and managed), count, page with its joins
    assert len(six) == len(one)


# --- One conversation ------------------------------------------------------------------------


def test_one_conversation_has_its_items_and_timeline(
    api_as: Any, triager: User, account: BrandAccount
) -> None:
    conversation = make_conversation(account, "@acme hello")
    _triaged(conversation, triager, api_as, outcome="no_response", reason="praise")

    body = api_as(triager).get(_detail(conversation)).json()

    assert [item["text"] for item in body["items"]] == ["@acme hello"]
    assert [event["action"] for event in body["timeline"]] == ["inbox.triaged"]
    assert body["state"] == "closed"


# --- Triage ------------------------------------------------------------------------------------


def test_triage_assigns_and_tells_the_department(
    api_as: Any, triager: User, sme: User, manager: User, account: BrandAccount
) -> None:
    conversation = make_conversation(account)

    body = _triaged(conversation, triager, api_as, outcome="public_response", department="sales")

    assert (body["state"], body["outcome"], body["department"]["slug"]) == (
        "triaged",
        "public_response",
        "sales",
    )
    assert body["version"] == 1
    event = AuditEvent.objects.get(action="inbox.triaged")
    assert (event.actor, event.to_state) == (triager, "public_response")
    told = set(Notification.objects.filter(kind="inbox").values_list("recipient__email", flat=True))
    assert told == {sme.email, manager.email}


def test_customer_service_goes_to_support_by_default_and_a_person_owns_it_at_once(
    api_as: Any, triager: User, agent: User, account: BrandAccount
) -> None:
    first = make_conversation(account)
    second = make_conversation(account)

    by_default = _triaged(first, triager, api_as, outcome="customer_service")
    to_person = _triaged(second, triager, api_as, outcome="customer_service", assignee=agent.pk)

    assert by_default["department"]["slug"] == "support"
    assert by_default["owner"] is None
    assert (to_person["department"]["slug"], to_person["owner"]["id"]) == ("support", agent.pk)


def test_retriage_is_audited_as_such(
    api_as: Any, triager: User, agent: User, account: BrandAccount, sales: Department
) -> None:
    conversation = make_conversation(account)
    _triaged(conversation, triager, api_as, outcome="customer_service")

    body = _triaged(
        conversation, triager, api_as, outcome="public_response", department="sales", version=1
    )

    assert body["outcome"] == "public_response"
    event = AuditEvent.objects.get(action="inbox.retriaged")
    assert (event.from_state, event.to_state, event.data["reassigned"]) == (
        "customer_service",
        "public_response",
        True,
    )


def test_a_stale_version_is_a_conflict(
    api_as: Any, triager: User, account: BrandAccount, support: Department
) -> None:
    conversation = make_conversation(account)
    _triaged(conversation, triager, api_as, outcome="customer_service")

    answer = api_as(triager).post(
        _detail(conversation, "triage"),
        {"outcome": "no_response", "reason": "spam", "version": 0},
        format="json",
    )

    assert answer.status_code == 409
    conversation.refresh_from_db()
    assert conversation.outcome == "customer_service"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "ignore"}, "outcome"),
        ({}, "outcome"),
        ({"outcome": "no_response"}, "reason"),
        ({"outcome": "no_response", "reason": "other"}, "note"),
        ({"outcome": "public_response"}, "department"),
        ({"outcome": "public_response", "department": "nowhere"}, "department"),
        ({"outcome": "public_response", "assignee": 999999}, "assignee"),
        ({"outcome": "customer_service", "reason": "spam"}, "reason"),
    ],
)
def test_bad_triage_is_400_with_the_field_and_writes_nothing(
    api_as: Any, triager: User, account: BrandAccount, data: dict[str, Any], field: str
) -> None:
    conversation = make_conversation(account)

    answer = api_as(triager).post(_detail(conversation, "triage"), data, format="json")

    assert answer.status_code == 400, answer.json()
    assert field in answer.json()
    conversation.refresh_from_db()
    assert (conversation.state, conversation.version) == ("new", 0)
    assert not AuditEvent.objects.filter(action__startswith="inbox.").exists()


def test_an_assignee_outside_the_department_is_400(
    api_as: Any, triager: User, outsider: User, account: BrandAccount, sales: Department
) -> None:
    conversation = make_conversation(account)

    answer = api_as(triager).post(
        _detail(conversation, "triage"),
        {"outcome": "public_response", "department": "sales", "assignee": outsider.pk},
        format="json",
    )

    assert answer.status_code == 400
    assert "assignee" in answer.json()


def test_triage_needs_the_triage_role(
    api_as: Any, triager: User, comms_reviewer: User, sme: User, account: BrandAccount
) -> None:
    conversation = make_conversation(account)
    _triaged(conversation, triager, api_as, outcome="public_response", department="sales")

    for person in (comms_reviewer, sme):
        answer = api_as(person).post(
            _detail(conversation, "triage"),
            {"outcome": "no_response", "reason": "spam"},
            format="json",
        )
        assert answer.status_code == 403
    conversation.refresh_from_db()
    assert conversation.outcome == "public_response"


def test_outsiders_get_404_on_every_action(
    api_as: Any, outsider: User, triager: User, account: BrandAccount
) -> None:
    conversation = make_conversation(account)
    _triaged(conversation, triager, api_as, outcome="public_response", department="sales")

    for action in ("triage", "claim", "release", "close", "reopen"):
        answer = api_as(outsider).post(
            _detail(conversation, action), {"outcome": "no_response"}, format="json"
        )
        assert answer.status_code == 404, action


# --- Claim, release, close, reopen -----------------------------------------------------------


def test_one_owner_at_a_time(
    api_as: Any, triager: User, sme: User, manager: User, account: BrandAccount
) -> None:
    conversation = make_conversation(account)
    _triaged(conversation, triager, api_as, outcome="public_response", department="sales")

    mine = api_as(sme).post(_detail(conversation, "claim"))
    second = api_as(manager).post(_detail(conversation, "claim"))

    assert mine.status_code == 200
    assert mine.json()["owner"]["id"] == sme.pk
    assert second.status_code == 409
    assert api_as(manager).post(_detail(conversation, "release")).status_code == 403
    released = api_as(sme).post(_detail(conversation, "release"))
    assert released.status_code == 200
    assert released.json()["owner"] is None
    assert api_as(manager).post(_detail(conversation, "claim")).status_code == 200
    actions = list(
        AuditEvent.objects.filter(action__in=["inbox.claimed", "inbox.released"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["inbox.claimed", "inbox.released", "inbox.claimed"]


def test_only_responders_claim(
    api_as: Any, triager: User, agent: User, account: BrandAccount, sales: Department
) -> None:
    conversation = make_conversation(account)
    _triaged(conversation, triager, api_as, outcome="public_response", department="sales")

    assert api_as(triager).post(_detail(conversation, "claim")).status_code == 403
    conversation.refresh_from_db()
    assert conversation.owner is None


def test_close_and_reopen(
    api_as: Any, triager: User, sme: User, manager: User, account: BrandAccount
) -> None:
    conversation = make_conversation(account)
    _triaged(conversation, triager, api_as, outcome="public_response", department="sales")
    api_as(sme).post(_detail(conversation, "claim"))

    assert api_as(manager).post(_detail(conversation, "close")).status_code == 403
    closed = api_as(sme).post(_detail(conversation, "close"), {"note": "Answered."}, format="json")
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    assert api_as(sme).post(_detail(conversation, "close")).status_code == 409
    reopened = api_as(triager).post(_detail(conversation, "reopen"))
    assert reopened.status_code == 200
    assert reopened.json()["state"] == "triaged"


def test_a_bad_version_is_400(api_as: Any, triager: User, account: BrandAccount) -> None:
    conversation = make_conversation(account)

    answer = api_as(triager).post(_detail(conversation, "close"), {"version": -1}, format="json")

    assert answer.status_code == 400
    assert "version" in answer.json()
