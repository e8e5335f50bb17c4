"""Helpdesk cases against the Zendesk stand-in: handed over once (a 5xx then success, a lost
answer, a worker that died mid-request, a refusal), followed back (status, notes, closing)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from activity.models import AuditEvent
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput, NotAllowed
from inbox.helpdesks import registry
from inbox.helpdesks.validation import SettingsRefused
from inbox.ingestion import store_items
from inbox.models import Case, CaseDelivery, Conversation, ConversationState, HelpdeskConnection
from inbox.services import cases
from inbox.services.helpdesk import helpdesk_connection_save, helpdesk_settings
from inbox.services.triage import conversation_triage
from inbox.tests.factories import incoming, make_conversation
from inbox.tests.peers.helpdesk_standins import FakeZendesk

# Transactional: the delivery task is queued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_settings_are_stored_encrypted_once_the_helpdesk_accepts_them(
    connected: HelpdeskConnection, zendesk: FakeZendesk
) -> None:
    assert zendesk.api_token not in connected.settings_encrypted
    assert "api_token" not in connected.public_settings
    assert helpdesk_settings(connected)["api_token"] == zendesk.api_token
    assert connected.verified_at is not None
    assert AuditEvent.objects.filter(action="inbox.helpdesk_connected").count() == 1


def test_wrong_settings_are_refused_and_nothing_is_stored(
    org_admin: User, agent: User, zendesk: FakeZendesk
) -> None:
    with pytest.raises(SettingsRefused):
        helpdesk_connection_save(
            actor=org_admin, kind="zendesk", data=zendesk.settings(api_token="wrong")
        )
    with pytest.raises(InvalidInput):
        helpdesk_connection_save(actor=org_admin, kind="zendesk", data={"url": "nope"})
    with pytest.raises(NotAllowed):
        helpdesk_connection_save(actor=agent, kind="zendesk", data=zendesk.settings())
    assert not HelpdeskConnection.objects.exists()


def test_a_save_carrying_stored_values_forward_never_undoes_a_save_made_meanwhile(
    connected: HelpdeskConnection, org_admin: User, zendesk: FakeZendesk, monkeypatch: Any
) -> None:
    from inbox.services import helpdesk

    other = UserFactory.create(email="admin2@example.test")
    other = give_org_role(other, OrgRole.ORG_ADMIN)
    verify = helpdesk.verify_settings
    calls: list[str] = []

    def another_admin_saves_while_the_helpdesk_answers(kind: str, values: Any) -> Any:
        calls.append(kind)
        if len(calls) == 1:
            helpdesk_connection_save(actor=other, kind="zendesk", data=zendesk.settings())
        return verify(kind, values)

    monkeypatch.setattr(helpdesk, "verify_settings", another_admin_saves_while_the_helpdesk_answers)
    with pytest.raises(Conflict) as refused:
        # The secret left empty: the stored one would be carried forward.
        helpdesk_connection_save(
            actor=org_admin, kind="zendesk", data={"url": zendesk.url, "email": zendesk.agent_email}
        )
    assert refused.value.code == "changed_meanwhile"
    assert HelpdeskConnection.objects.count() == 1
    last = AuditEvent.objects.filter(action="inbox.helpdesk_connected").latest("pk")
    assert last.actor == other


def test_a_case_is_created_once_with_only_what_the_customer_wrote(
    connected: HelpdeskConnection,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    queued: Any,
) -> None:
    conversation.note = "internal: VIP, be nice"
    conversation.save()
    case = cases.case_create(actor=agent, conversation=conversation)
    assert case.state == CaseDelivery.QUEUED
    assert [task.name for task in queued()] == ["inbox.case_deliver"]
    assert cases.case_deliver(case.pk) == CaseDelivery.CREATED
    case.refresh_from_db()
    tickets = zendesk.with_external_id(case.external_id)
    assert len(tickets) == 1
    assert "never arrived" in tickets[0]["description"]
    assert "VIP" not in str(tickets[0])
    assert case.helpdesk_number == str(tickets[0]["id"])
    assert case.status == "open"
    # A second delivery of the same message does nothing.
    assert cases.case_deliver(case.pk) == "skipped"
    assert len(zendesk.tickets) == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"inbox.case_requested", "inbox.case_created"} <= actions
    with pytest.raises(Conflict):
        cases.case_create(actor=agent, conversation=conversation)


def test_only_customer_service_and_only_the_people_answering(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    triager: User,
    sales: Department,
) -> None:
    seller = UserFactory.create(email="seller@example.test")
    add_member(seller, sales)
    with pytest.raises(NotAllowed):
        cases.case_create(actor=seller, conversation=conversation)
    other = make_conversation(account, "@acme nice work")
    other = conversation_triage(
        actor=triager, conversation=other, outcome="public_response", department=sales
    )
    with pytest.raises(Conflict):
        cases.case_create(actor=triager, conversation=other)
    assert not Case.objects.exists()


def test_a_5xx_then_success_makes_one_case(
    connected: HelpdeskConnection,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    queued: Any,
) -> None:
    case = cases.case_create(actor=agent, conversation=conversation)
    queued()
    zendesk.fail_next("POST", "/api/v2/tickets.json", 503, {"error": "down"})
    assert cases.case_deliver(case.pk) == CaseDelivery.QUEUED
    case.refresh_from_db()
    assert case.last_error
    assert case.attempts == 1
    assert [task.name for task in queued()] == ["inbox.case_deliver"]
    retried = AuditEvent.objects.get(action="inbox.case_retried")
    assert (retried.actor, retried.from_state, retried.to_state) == (None, "creating", "queued")
    assert retried.data["automatic"] == "back-off"
    assert cases.case_deliver(case.pk) == CaseDelivery.CREATED
    assert len(zendesk.with_external_id(case.external_id)) == 1


def test_a_lost_answer_is_looked_up_not_sent_again(
    connected: HelpdeskConnection,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
) -> None:
    case = cases.case_create(actor=agent, conversation=conversation)
    zendesk.hang_after_recording("POST", "/api/v2/tickets.json", 3.0)
    assert cases.case_deliver(case.pk) == CaseDelivery.QUEUED
    case.refresh_from_db()
    assert case.maybe_sent
    assert cases.case_deliver(case.pk) == CaseDelivery.CREATED
    assert len(zendesk.with_external_id(case.external_id)) == 1


def test_a_worker_that_died_mid_request_is_swept_and_looked_up(
    connected: HelpdeskConnection,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    settings: Any,
    queued: Any,
) -> None:
    case = cases.case_create(actor=agent, conversation=conversation)
    # The ticket was created, then the worker died before storing it.
    claimed = cases._claim(case.pk)
    assert claimed is not None
    registry.connector_for("zendesk").create_case(
        helpdesk_settings(connected), cases.case_request(claimed[0], cases._customer_items(case))
    )
    queued()
    assert cases.cases_sweep() == 0  # within the grace period
    later = timezone.now() + timedelta(seconds=settings.SOCIALHUB_HELPDESK_SWEEP_GRACE + 1)
    assert cases.cases_sweep(now=later) == 1
    assert [task.name for task in queued()] == ["inbox.case_deliver"]
    swept = AuditEvent.objects.get(action="inbox.case_retried")
    assert (swept.from_state, swept.to_state, swept.data) == (
        "creating",
        "queued",
        {"automatic": "sweep"},
    )
    assert cases.case_deliver(case.pk) == CaseDelivery.CREATED
    assert len(zendesk.with_external_id(case.external_id)) == 1


def test_a_refusal_fails_with_the_message_and_a_retry_queues_it_again(
    connected: HelpdeskConnection,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    queued: Any,
) -> None:
    case = cases.case_create(actor=agent, conversation=conversation)
    zendesk.fail_next(
        "POST",
        "/api/v2/tickets.json",
        422,
        {"error": "RecordInvalid", "description": "Requester is suspended"},
    )
    assert cases.case_deliver(case.pk) == CaseDelivery.FAILED
    case.refresh_from_db()
    assert "suspended" in case.last_error
    queued()
    case = cases.case_retry(actor=agent, case=case)
    assert case.state == CaseDelivery.QUEUED
    assert [task.name for task in queued()] == ["inbox.case_deliver"]
    assert cases.case_deliver(case.pk) == CaseDelivery.CREATED
    events = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"inbox.case_failed", "inbox.case_retried", "inbox.case_created"} <= events
    with pytest.raises(Conflict):  # only a failed case is retried
        cases.case_retry(actor=agent, case=case)


def test_followed_back_notes_once_and_closed_when_solved(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
) -> None:
    case = cases.case_create(actor=agent, conversation=conversation)
    cases.case_deliver(case.pk)
    case.refresh_from_db()
    store_items(
        account,
        [incoming("@acme still nothing, order 1234", thread_key=conversation.thread_key)],
    )
    zendesk.set_status(case.helpdesk_case_id, "pending")
    assert cases.cases_follow() == 1
    assert cases.cases_follow() == 1
    ticket = zendesk.tickets[int(case.helpdesk_case_id)]
    notes = [c for c in ticket["comments"] if "still nothing" in c["body"]]
    assert len(notes) == 1
    case.refresh_from_db()
    assert (case.status, case.helpdesk_status) == ("pending", "Pending")
    zendesk.set_status(case.helpdesk_case_id, "solved")
    cases.cases_follow()
    case.refresh_from_db()
    conversation.refresh_from_db()
    assert case.status == "solved"
    assert case.solved_at is not None
    assert conversation.state == ConversationState.CLOSED
    assert AuditEvent.objects.filter(action="inbox.case_status").count() == 2
    assert AuditEvent.objects.filter(action="inbox.closed", actor=None).count() == 1


def test_solved_leaves_the_conversation_open_when_the_setting_says_so(
    connected: HelpdeskConnection,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    settings: Any,
) -> None:
    settings.SOCIALHUB_HELPDESK_CLOSE_WHEN_SOLVED = False
    case = cases.case_create(actor=agent, conversation=conversation)
    cases.case_deliver(case.pk)
    case.refresh_from_db()
    zendesk.set_status(case.helpdesk_case_id, "solved")
    cases.cases_follow()
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.TRIAGED


def test_the_sweep_leaves_a_retry_to_its_countdown(
    connected: HelpdeskConnection,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    settings: Any,
    queued: Any,
) -> None:
    settings.SOCIALHUB_HELPDESK_RETRY_BASE = 600.0
    case = cases.case_create(actor=agent, conversation=conversation)
    zendesk.fail_next("POST", "/api/v2/tickets.json", 503, {"error": "down"})
    assert cases.case_deliver(case.pk) == CaseDelivery.QUEUED
    queued()
    grace = timedelta(seconds=settings.SOCIALHUB_HELPDESK_SWEEP_GRACE + 1)
    assert cases.cases_sweep(now=timezone.now() + grace) == 0  # the retry is not due yet
    due = timezone.now() + timedelta(seconds=600) + grace
    assert cases.cases_sweep(now=due) == 1  # its message was lost: queued again
    assert [task.name for task in queued()] == ["inbox.case_deliver"]
    assert [
        (event.from_state, event.data["automatic"])
        for event in AuditEvent.objects.filter(action="inbox.case_retried").order_by("pk")
    ] == [("creating", "back-off"), ("queued", "sweep")]
