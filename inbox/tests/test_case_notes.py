"""The customer's new messages appended to the case as notes: each exactly once and in order,
marked under the case row lock before it leaves; a 5xx or 429 tried again with back-off (the
later notes waiting); a refusal shown on the case panel; a lost answer or a sender that stopped
mid-request never doubles a note. Against the Zendesk stand-in and the real django-helpdesk."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from activity.models import AuditEvent
from channels_app.models import BrandAccount
from inbox.helpdesks import registry
from inbox.helpdesks.django_helpdesk import DjangoHelpdeskConnector
from inbox.models import Case, Conversation, HelpdeskConnection
from inbox.services import cases
from inbox.services.helpdesk import helpdesk_connection_save
from inbox.tests.factories import created_case, customer_writes
from inbox.tests.peers.django_helpdesk import DjangoHelpdeskPeer, django_helpdesk_peer
from inbox.tests.peers.helpdesk_standins import FakeZendesk

__all__ = ["django_helpdesk_peer"]  # the real django-helpdesk, a fixture found by name

pytestmark = pytest.mark.django_db(transaction=True)


def _texts(notes: list[str]) -> list[str]:
    """What the customer wrote, from notes "@handle wrote [time]: text\nlink"."""
    return [note.split(": ", 1)[1].split("\n")[0] for note in notes if " wrote [" in note]


def _notes(zendesk: FakeZendesk, case: Case) -> list[str]:
    comments = zendesk.tickets[int(case.helpdesk_case_id)]["comments"][1:]  # after the case
    return _texts([comment["body"] for comment in comments])


def _ticket_path(case: Case) -> str:
    return f"/api/v2/tickets/{case.helpdesk_case_id}.json"


def test_each_new_message_is_appended_once_in_order(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
) -> None:
    case = created_case(agent, conversation)
    customer_writes(account, conversation, "first", "second", "third")

    assert cases.case_notes_send(case.pk) == 3
    assert cases.case_notes_send(case.pk) == 0
    cases.cases_follow()
    customer_writes(account, conversation, "fourth")
    cases.cases_follow()

    assert _notes(zendesk, case) == ["first", "second", "third", "fourth"]
    case.refresh_from_db()
    assert case.note_sending_item_id is None
    assert case.note_error == ""


@pytest.mark.parametrize(
    ("status", "headers", "least_wait"),
    [(503, None, 1.0), (429, {"Retry-After": "120"}, 120.0)],
)
def test_a_5xx_or_429_is_tried_again_with_back_off_the_later_notes_waiting(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    queued: Any,
    status: int,
    headers: dict[str, str] | None,
    least_wait: float,
) -> None:
    case = created_case(agent, conversation)
    customer_writes(account, conversation, "first", "second")
    queued()
    zendesk.fail_next("PUT", _ticket_path(case), status, {"error": "busy"}, headers)

    assert cases.case_notes_send(case.pk) == 0
    case.refresh_from_db()
    assert case.note_attempts == 1
    assert case.notes_retry_at is not None
    wait = (case.notes_retry_at - timezone.now()).total_seconds()
    assert least_wait - 5 < wait <= least_wait
    assert [task.name for task in queued()] == ["inbox.case_notes_send"]
    assert cases.case_notes_send(case.pk) == 0  # not due yet: nothing sent
    assert _notes(zendesk, case) == []

    later = case.notes_retry_at + timedelta(seconds=1)
    assert cases.case_notes_send(case.pk, now=later) == 2
    assert _notes(zendesk, case) == ["first", "second"]
    case.refresh_from_db()
    assert (case.note_attempts, case.notes_retry_at, case.note_error) == (0, None, "")


def test_a_refusal_is_shown_and_the_next_messages_still_go(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    api_as: Any,
) -> None:
    case = created_case(agent, conversation)
    customer_writes(account, conversation, "first", "second")
    zendesk.fail_next(
        "PUT", _ticket_path(case), 422, {"error": "RecordInvalid", "description": "Ticket closed"}
    )

    assert cases.case_notes_send(case.pk) == 1
    assert _notes(zendesk, case) == ["second"]
    case.refresh_from_db()
    assert "Ticket closed" in case.note_error
    failed = AuditEvent.objects.get(action="inbox.case_note_failed")
    assert "Ticket closed" in failed.note
    client = Client()
    client.force_login(agent)
    panel = client.get(f"/inbox/{conversation.pk}/case/").content.decode()
    assert "data-note-error" in panel
    assert "Ticket closed" in panel
    answer = api_as(agent).get(f"/api/v1/inbox/conversations/{conversation.pk}/case/").json()
    assert "Ticket closed" in answer["note_error"]
    assert answer["note_error_at"] is not None
    assert cases.case_notes_send(case.pk) == 0  # the refused one is not sent again


def test_retries_that_never_succeed_give_up_with_a_message(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    settings: Any,
) -> None:
    settings.SOCIALHUB_HELPDESK_MAX_ATTEMPTS = 2
    case = created_case(agent, conversation)
    customer_writes(account, conversation, "first")
    zendesk.fail_next("PUT", _ticket_path(case), 503, {"error": "down"})
    zendesk.fail_next("PUT", _ticket_path(case), 503, {"error": "down"})

    cases.case_notes_send(case.pk)
    cases.case_notes_send(case.pk, now=timezone.now() + timedelta(hours=1))

    case.refresh_from_db()
    assert case.note_error.startswith("The message of")
    assert "Gave up after 2 attempts" in case.note_error
    assert _notes(zendesk, case) == []


def test_a_lost_answer_is_not_sent_again(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
) -> None:
    case = created_case(agent, conversation)
    customer_writes(account, conversation, "first", "second")
    zendesk.hang_after_recording("PUT", _ticket_path(case), 3.0)

    assert cases.case_notes_send(case.pk) == 1  # the first's answer was lost
    assert cases.case_notes_send(case.pk) == 0

    assert _notes(zendesk, case) == ["first", "second"]  # each once


def test_a_sender_that_stopped_mid_request_is_neither_waited_for_nor_doubled(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
    settings: Any,
) -> None:
    case = created_case(agent, conversation)
    customer_writes(account, conversation, "first", "second")
    # A worker marked the first as being sent, sent it, and stopped before remembering it.
    picked = cases._next_note(case.pk, timezone.now())
    assert picked is not None
    registry.connector_for("zendesk").add_note(
        dict(zendesk.settings()), case.helpdesk_case_id, cases._note_text(picked[1])
    )

    assert cases.case_notes_send(case.pk) == 0  # within the grace period: it may be sending
    past_grace = timezone.now() + timedelta(seconds=settings.SOCIALHUB_HELPDESK_SWEEP_GRACE + 1)
    assert cases.case_notes_send(case.pk, now=past_grace) == 1

    assert _notes(zendesk, case) == ["first", "second"]


# --- Against the real django-helpdesk --------------------------------------------------------


def test_notes_reach_django_helpdesk_once_in_order_through_a_503(
    org_admin: User,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    django_helpdesk_peer: DjangoHelpdeskPeer,
) -> None:
    peer = django_helpdesk_peer
    peer.clear_faults()
    registry._instances["django_helpdesk"] = DjangoHelpdeskConnector(read_timeout=5.0)
    try:
        helpdesk_connection_save(actor=org_admin, kind="django_helpdesk", data=peer.settings())
        case = created_case(agent, conversation)
        customer_writes(account, conversation, "first", "second", "third")
        peer.add_fault({"method": "POST", "path": "/api/followups/", "status": 503})

        assert cases.case_notes_send(case.pk) == 0
        case.refresh_from_db()
        assert case.notes_retry_at is not None
        later = case.notes_retry_at + timedelta(seconds=1)
        assert cases.case_notes_send(case.pk, now=later) == 3
        assert cases.case_notes_send(case.pk, now=later) == 0
    finally:
        registry._instances.pop("django_helpdesk", None)
        peer.clear_faults()

    followups = peer.api("GET", f"/api/tickets/{case.helpdesk_case_id}/")["followup_set"]
    assert _texts([f["comment"] for f in followups]) == ["first", "second", "third"]
    assert not any(f["public"] for f in followups if " wrote [" in f["comment"])
