"""/api/v1/inbox/routing-rules/ and /api/v1/inbox/saved-replies/."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from activity.models import AuditEvent
from inbox.models import RoutingRule, SavedReply

pytestmark = pytest.mark.django_db

RULES = "/api/v1/inbox/routing-rules/"
REPLIES = "/api/v1/inbox/saved-replies/"


def test_triagers_and_org_admins_write_routing_rules(
    api_as: Any, triager: User, org_admin: User, sales: Department
) -> None:
    created = api_as(triager).post(
        RULES,
        {
            "name": "Prices",
            "keywords": "price, quote",
            "outcome": "public_response",
            "department": "sales",
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    rule = RoutingRule.objects.get()
    assert (rule.department, rule.keyword_list) == (sales, ["price", "quote"])
    changed = api_as(org_admin).patch(f"{RULES}{rule.pk}/", {"priority": 5}, format="json")
    assert changed.status_code == 200
    assert changed.json()["priority"] == 5
    assert api_as(org_admin).delete(f"{RULES}{rule.pk}/").status_code == 204
    assert list(
        AuditEvent.objects.filter(action__startswith="inbox.routing")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["inbox.routing_rule_created", "inbox.routing_rule_changed", "inbox.routing_rule_deleted"]


def test_others_may_not_write_routing_rules(
    api_as: Any, sme: User, comms_reviewer: User, triager: User
) -> None:
    rule = RoutingRule.objects.create(name="Spam", outcome="no_response")

    answer = api_as(comms_reviewer).post(
        RULES, {"name": "x", "outcome": "no_response"}, format="json"
    )

    assert answer.status_code == 403
    assert api_as(comms_reviewer).get(RULES).status_code == 200  # comms read them
    assert api_as(sme).get(f"{RULES}{rule.pk}/").status_code == 404
    assert api_as(sme).get(RULES).json()["results"] == []
    assert RoutingRule.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "x", "outcome": "maybe"}, "outcome"),
        ({"name": "", "outcome": "no_response"}, "name"),
        ({"name": "x", "outcome": "public_response"}, "department"),
        ({"name": "x", "outcome": "no_response", "platform": "myspace"}, "platform"),
        ({"name": "x", "outcome": "public_response", "department": "nowhere"}, "department"),
    ],
)
def test_bad_routing_rules_are_400(
    api_as: Any, triager: User, data: dict[str, Any], field: str
) -> None:
    answer = api_as(triager).post(RULES, data, format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert not RoutingRule.objects.exists()


def test_comms_write_saved_replies_and_responders_read_them(
    api_as: Any, comms_reviewer: User, sme: User, outsider: User, sales: Department, rnd: Department
) -> None:
    created = api_as(comms_reviewer).post(
        REPLIES, {"title": "Thanks", "text": "Thank you for writing to us."}, format="json"
    )
    sales_only = api_as(comms_reviewer).post(
        REPLIES,
        {"title": "Quote", "text": "Our sales team will call.", "department": "sales"},
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert created.json()["approved_by"]["id"] == comms_reviewer.pk
    assert sales_only.status_code == 201
    assert [r["title"] for r in api_as(sme).get(REPLIES).json()["results"]] == ["Quote", "Thanks"]
    assert [r["title"] for r in api_as(outsider).get(REPLIES).json()["results"]] == ["Thanks"]
    assert api_as(outsider).get(f"{REPLIES}{sales_only.json()['id']}/").status_code == 404
    answer = api_as(sme).post(REPLIES, {"title": "Mine", "text": "Hi"}, format="json")
    assert answer.status_code == 403
    assert SavedReply.objects.count() == 2


def test_a_saved_reply_needs_a_title_and_text(api_as: Any, comms_reviewer: User) -> None:
    answer = api_as(comms_reviewer).post(REPLIES, {"title": "", "text": "x"}, format="json")

    assert answer.status_code == 400
    assert "title" in answer.json()
    assert not SavedReply.objects.exists()


def test_configuration_lists_cost_the_same_queries(
    api_as: Any, triager: User, comms_reviewer: User, sales: Department
) -> None:
    client = api_as(comms_reviewer)
    RoutingRule.objects.create(name="r0", outcome="public_response", department=sales)
    SavedReply.objects.create(title="s0", text="x", department=sales, approved_by=comms_reviewer)
    client.get(RULES)
    with CaptureQueriesContext(connection) as one:
        client.get(RULES)
        client.get(REPLIES)
    for n in range(1, 6):
        RoutingRule.objects.create(name=f"r{n}", outcome="public_response", department=sales)
        SavedReply.objects.create(
            title=f"s{n}", text="x", department=sales, approved_by=comms_reviewer
        )
    with CaptureQueriesContext(connection) as six:
        assert len(client.get(RULES).json()["results"]) == 6
        assert len(client.get(REPLIES).json()["results"]) == 6

    assert len(six) == len(one)


@pytest.mark.parametrize("url", ["/api/v1/inbox/saved-replies/", "/api/v1/inbox/routing-rules/"])
@pytest.mark.parametrize("field", [{"is_active": 0}, {"department": ""}, {"department": 7}])
def test_loose_values_are_refused_not_guessed(
    api_as: Any, org_admin: Any, url: str, field: dict[str, Any]
) -> None:
    """0 is not false and "" is not "no department": the schema says so, and so does the API."""
    body = {"title": "Hours", "text": "We open at nine.", "name": "Hours", "outcome": "no_response"}
    response = api_as(org_admin).post(url, {**body, **field}, format="json")
    assert response.status_code == 400, response.content
    assert next(iter(field)) in response.content.decode()
    assert not SavedReply.objects.exists()
    assert not RoutingRule.objects.exists()
