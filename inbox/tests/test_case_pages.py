"""The case panel on the conversation page (htmx) and the org-admin helpdesk settings page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from inbox.models import Case, CaseDelivery, Conversation, HelpdeskConnection
from inbox.services import cases
from inbox.services.triage import conversation_triage
from inbox.tests.factories import make_conversation
from inbox.tests.peers.helpdesk_standins import FakeZendesk

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_panel_creates_a_case_and_shows_it(
    agent: User, conversation: Conversation, connected: HelpdeskConnection, zendesk: FakeZendesk
) -> None:
    client = _client(agent)
    page = client.get(f"/inbox/{conversation.pk}/")
    assert "Create a helpdesk case" in page.content.decode()
    answer = client.post(f"/inbox/{conversation.pk}/case/create/", headers=HTMX)
    assert answer.status_code == 200
    assert "Handing it to the helpdesk" in answer.content.decode()
    case = Case.objects.get()
    cases.case_deliver(case.pk)
    case.refresh_from_db()
    panel = client.get(f"/inbox/{conversation.pk}/case/").content.decode()
    assert case.helpdesk_number in panel
    assert "data-case-status" in panel
    again = client.post(f"/inbox/{conversation.pk}/case/create/", headers=HTMX)
    assert again.status_code == 409
    assert Case.objects.count() == 1


def test_a_failed_case_shows_the_message_and_a_retry(
    agent: User, conversation: Conversation, connected: HelpdeskConnection
) -> None:
    case = cases.case_create(actor=agent, conversation=conversation)
    Case.objects.filter(pk=case.pk).update(state=CaseDelivery.FAILED, last_error="No such group")
    client = _client(agent)
    panel = client.get(f"/inbox/{conversation.pk}/case/").content.decode()
    assert "No such group" in panel
    assert "Retry" in panel
    assert client.post(f"/inbox/{conversation.pk}/case/retry/", headers=HTMX).status_code == 200
    assert Case.objects.get().state == CaseDelivery.QUEUED


def test_without_a_helpdesk_the_panel_says_how_one_is_connected(
    agent: User, triager: User, conversation: Conversation
) -> None:
    panel = _client(agent).get(f"/inbox/{conversation.pk}/").content.decode()
    assert "data-no-helpdesk" in panel
    assert "An org admin connects the organisation's helpdesk" in panel
    assert 'href="/inbox/helpdesk/"' not in panel  # not theirs to open
    assert "Create a helpdesk case" not in panel

    give_org_role(triager, OrgRole.ORG_ADMIN)
    panel = _client(triager).get(f"/inbox/{conversation.pk}/case/").content.decode()
    assert "Helpdesk settings</a>" in panel
    assert 'href="/inbox/helpdesk/"' in panel
    assert "Create a helpdesk case" not in panel
    assert not HelpdeskConnection.objects.exists()


def test_outsiders_get_404_from_the_panel(
    sales: Department, conversation: Conversation, connected: HelpdeskConnection
) -> None:
    seller = UserFactory.create(email="seller@example.test")
    add_member(seller, sales)
    client = _client(seller)
    assert client.get(f"/inbox/{conversation.pk}/case/").status_code == 404
    assert client.post(f"/inbox/{conversation.pk}/case/create/").status_code == 404
    assert not Case.objects.exists()


def test_org_admins_save_the_helpdesk_and_check_it(org_admin: User, zendesk: FakeZendesk) -> None:
    client = _client(org_admin)
    assert client.get("/inbox/helpdesk/").status_code == 200
    values = {f"zendesk-{k}": v for k, v in zendesk.settings().items()}
    wrong = client.post("/inbox/helpdesk/", {"kind": "zendesk", **values, "zendesk-api_token": "x"})
    assert wrong.status_code == 400
    assert "did not accept" in wrong.content.decode()
    assert not HelpdeskConnection.objects.exists()
    saved = client.post("/inbox/helpdesk/", {"kind": "zendesk", **values})
    assert saved.status_code == 302
    page = client.get("/inbox/helpdesk/").content.decode()
    assert zendesk.api_token not in page
    assert "Check connection" in page
    assert client.post("/inbox/helpdesk/", {"check": "1"}).status_code == 302
    zendesk.api_token = "revoked"
    refused = client.post("/inbox/helpdesk/", {"check": "1"})
    assert refused.status_code == 400
    assert HelpdeskConnection.objects.get().problem


def test_the_helpdesk_page_is_404_for_others(agent: User, triager: User) -> None:
    for user in (agent, triager):
        assert _client(user).get("/inbox/helpdesk/").status_code == 404


def test_a_helpdesk_that_does_not_answer_is_a_message(
    org_admin: User, zendesk: FakeZendesk, settings: Any
) -> None:
    client = _client(org_admin)
    values = {f"zendesk-{k}": v for k, v in zendesk.settings().items()}
    zendesk.fail_next("GET", "/api/v2/users/me.json", 503, {"error": "down"})
    answer = client.post("/inbox/helpdesk/", {"kind": "zendesk", **values})
    assert answer.status_code == 503
    assert "try again" in answer.content.decode()
    assert not HelpdeskConnection.objects.exists()


def _with_case(account: Any, triager: User, support: Department, n: int, **case: Any) -> Case:
    conversation = conversation_triage(
        actor=triager,
        conversation=make_conversation(account, f"@acme parcel {n} is missing"),
        outcome="customer_service",
        department=support,
    )
    return Case.objects.create(conversation=conversation, external_id=f"socialhub-test-{n}", **case)


def test_the_inbox_list_shows_each_case_in_a_badge_at_a_constant_query_count(
    triager: User, account: Any, support: Department, api_as: Any
) -> None:
    client = _client(triager)
    created = {"state": CaseDelivery.CREATED, "status": "pending", "helpdesk_number": "#41"}
    _with_case(account, triager, support, 0, **created)
    client.get("/inbox/?tab=all")
    with CaptureQueriesContext(connection) as one:
        client.get("/inbox/?tab=all")
    _with_case(account, triager, support, 1, state=CaseDelivery.FAILED, last_error="refused")
    _with_case(account, triager, support, 2)  # queued
    for n in range(3, 6):
        _with_case(account, triager, support, n, **created)
    make_conversation(account, "@acme no case for this one")
    with CaptureQueriesContext(connection) as seven:
        page = client.get("/inbox/?tab=all").content.decode()

    assert page.count("data-inbox-row") == 7
    assert len(seven) == len(one)
    assert page.count('data-case-badge="pending"') == 4
    assert page.count('data-case-badge="handing-over"') == 1
    assert "Case #41 · Pending" in page
    assert page.count('data-case-badge="failed"') == 1

    # The API's list carries the same badge, also without a query per row.
    api = api_as(triager)
    api.get("/api/v1/inbox/conversations/")
    rows = api.get("/api/v1/inbox/conversations/?ordering=oldest").json()["results"]
    assert rows[0]["case"] == {
        "state": "created",
        "status": "pending",
        "helpdesk_number": "#41",
        "helpdesk_url": "",
    }
    assert rows[-1]["case"] is None
