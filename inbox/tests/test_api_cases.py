"""/api/v1/inbox/conversations/{id}/case/ (and retry/) and /api/v1/inbox/helpdesk/: the happy
path, the outsider (404), the wrong role (403), bad input (400, nothing written), and a
constant query count."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from activity.models import AuditEvent
from inbox.models import Case, CaseDelivery, Conversation, HelpdeskConnection
from inbox.services import cases, ownership
from inbox.tests.peers.helpdesk_standins import FakeZendesk

pytestmark = pytest.mark.django_db

HELPDESK = "/api/v1/inbox/helpdesk/"


def _case_url(conversation: Conversation, retry: bool = False) -> str:
    return f"/api/v1/inbox/conversations/{conversation.pk}/case/{'retry/' if retry else ''}"


@pytest.fixture
def seller(sales: Department) -> User:
    user = UserFactory.create(email="seller@example.test")
    add_member(user, sales)
    return user


# --- conversations/{id}/case/ ----------------------------------------------------------------


def test_create_then_read_the_case(
    api_as: Any, agent: User, conversation: Conversation, connected: HelpdeskConnection
) -> None:
    assert api_as(agent).get(_case_url(conversation)).status_code == 404
    answer = api_as(agent).post(_case_url(conversation))
    assert answer.status_code == 201, answer.json()
    assert answer.json()["state"] == "queued"
    assert answer.json()["external_id"] == f"socialhub-conversation-{conversation.pk}"
    again = api_as(agent).post(_case_url(conversation))
    assert again.status_code == 409
    assert Case.objects.count() == 1
    read = api_as(agent).get(_case_url(conversation))
    assert read.status_code == 200
    assert read.json()["id"] == answer.json()["id"]


def test_outsiders_get_404_and_nothing_is_written(
    api_as: Any,
    seller: User,
    hr_user: User,
    conversation: Conversation,
    connected: HelpdeskConnection,
) -> None:
    for user in (seller, hr_user):
        assert api_as(user).post(_case_url(conversation)).status_code == 404
        assert api_as(user).get(_case_url(conversation)).status_code == 404
        assert api_as(user).post(_case_url(conversation, retry=True)).status_code == 404
    assert api_as(None).post(_case_url(conversation)).status_code in (401, 403)
    assert not Case.objects.exists()


def test_wrong_outcome_or_no_helpdesk_is_409_and_nothing_is_written(
    api_as: Any,
    triager: User,
    agent: User,
    account: Any,
    sales: Department,
    conversation: Conversation,
) -> None:
    from inbox.services.triage import conversation_triage
    from inbox.tests.factories import make_conversation

    # No helpdesk connected yet.
    assert api_as(agent).post(_case_url(conversation)).status_code == 409
    public = conversation_triage(
        actor=triager,
        conversation=make_conversation(account, "@acme hello"),
        outcome="public_response",
        department=sales,
    )
    assert api_as(triager).post(_case_url(public)).status_code == 409
    assert not Case.objects.exists()


def test_wrong_role_is_403_and_nothing_is_written(
    api_as: Any,
    agent: User,
    support: Department,
    conversation: Conversation,
    connected: HelpdeskConnection,
) -> None:
    """Once a member of the department owns the conversation, another member sees it but
    does not hand it over: the owner does (or a triager, or comms)."""
    colleague = UserFactory.create(email="colleague@example.test")
    add_member(colleague, support)
    ownership.conversation_claim(actor=agent, conversation=conversation)
    assert api_as(colleague).post(_case_url(conversation)).status_code == 403
    assert not Case.objects.exists()
    assert api_as(agent).post(_case_url(conversation)).status_code == 201
    Case.objects.update(state=CaseDelivery.FAILED)
    assert api_as(colleague).post(_case_url(conversation, retry=True)).status_code == 403
    assert Case.objects.get().state == CaseDelivery.FAILED


def test_retry_of_a_case_that_did_not_fail_is_409(
    api_as: Any, agent: User, conversation: Conversation, connected: HelpdeskConnection
) -> None:
    api_as(agent).post(_case_url(conversation))
    assert api_as(agent).post(_case_url(conversation, retry=True)).status_code == 409


def test_retry_a_failed_case(
    api_as: Any,
    agent: User,
    conversation: Conversation,
    connected: HelpdeskConnection,
    zendesk: FakeZendesk,
) -> None:
    case = cases.case_create(actor=agent, conversation=conversation)
    Case.objects.filter(pk=case.pk).update(state=CaseDelivery.FAILED, last_error="Refused")
    answer = api_as(agent).post(_case_url(conversation, retry=True))
    assert answer.status_code == 200, answer.json()
    assert answer.json()["state"] == "queued"
    assert AuditEvent.objects.filter(action="inbox.case_retried").count() == 1


def test_reading_the_case_costs_the_same_queries(
    api_as: Any,
    agent: User,
    conversation: Conversation,
    connected: HelpdeskConnection,
    django_assert_num_queries: Any,
) -> None:
    cases.case_create(actor=agent, conversation=conversation)
    client = api_as(agent)
    client.get(_case_url(conversation))
    # The token, the user, their roles and departments, the conversation, its case.
    with django_assert_num_queries(6):
        assert client.get(_case_url(conversation)).status_code == 200


# --- helpdesk/ -------------------------------------------------------------------------------


def test_org_admins_set_and_read_the_helpdesk_without_secrets(
    api_as: Any, org_admin: User, zendesk: FakeZendesk
) -> None:
    assert api_as(org_admin).get(HELPDESK).status_code == 404
    answer = api_as(org_admin).put(
        HELPDESK, {"kind": "zendesk", "settings": zendesk.settings()}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert zendesk.api_token not in str(answer.json())
    read = api_as(org_admin).get(HELPDESK).json()
    assert read["kind"] == "zendesk"
    assert "api_token" not in read["settings"]
    assert zendesk.api_token not in str(read)
    # A secret left out keeps its stored value.
    patched = api_as(org_admin).patch(
        HELPDESK, {"settings": {"email": zendesk.agent_email}}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert HelpdeskConnection.objects.count() == 1


def test_others_get_404_on_the_helpdesk(
    api_as: Any, agent: User, triager: User, zendesk: FakeZendesk
) -> None:
    for user in (agent, triager):
        assert api_as(user).get(HELPDESK).status_code == 404
        put = api_as(user).put(
            HELPDESK, {"kind": "zendesk", "settings": zendesk.settings()}, format="json"
        )
        assert put.status_code == 404
    assert not HelpdeskConnection.objects.exists()


def test_options_on_the_helpdesk_describe_writing_only_to_org_admins_with_a_connection(
    api_as: Any, org_admin: User, triager: User, zendesk: FakeZendesk
) -> None:
    """DRF's OPTIONS answer asks the view for its object before describing PUT: the one
    connection for org admins, a 404 (so no description) for others and before any is saved."""
    assert "actions" not in api_as(triager).options(HELPDESK).json()
    assert "actions" not in api_as(org_admin).options(HELPDESK).json()
    api_as(org_admin).put(
        HELPDESK, {"kind": "zendesk", "settings": zendesk.settings()}, format="json"
    )
    answer = api_as(org_admin).options(HELPDESK)
    assert answer.status_code == 200
    assert "PUT" in answer.json()["actions"]
    assert "actions" not in api_as(triager).options(HELPDESK).json()


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "freshdesk", "settings": {}},
        {"kind": "zendesk", "settings": {"url": "not a url"}},
        {"kind": "zendesk"},
    ],
)
def test_bad_helpdesk_settings_are_400_and_nothing_is_written(
    api_as: Any, org_admin: User, body: dict[str, Any]
) -> None:
    answer = api_as(org_admin).put(HELPDESK, body, format="json")
    assert answer.status_code == 400
    assert not HelpdeskConnection.objects.exists()


def test_settings_the_helpdesk_refuses_are_400(
    api_as: Any, org_admin: User, zendesk: FakeZendesk
) -> None:
    answer = api_as(org_admin).put(
        HELPDESK,
        {"kind": "zendesk", "settings": zendesk.settings(api_token="wrong")},
        format="json",
    )
    assert answer.status_code == 400
    assert not HelpdeskConnection.objects.exists()


def test_reading_the_helpdesk_costs_the_same_queries(
    api_as: Any, org_admin: User, connected: HelpdeskConnection, django_assert_num_queries: Any
) -> None:
    client = api_as(org_admin)
    client.get(HELPDESK)
    with django_assert_num_queries(4):  # the token, the user, their roles, the row
        assert client.get(HELPDESK).status_code == 200
