"""Service levels: age and breach in the list, a notice to the owner before the breach and to
the department's managers and comms at it, each sent once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from activity.models import AuditEvent, Notification
from channels_app.models import BrandAccount
from inbox import sla
from inbox.models import Conversation
from inbox.services import ownership, triage
from inbox.services.notices import sla_notices_send
from inbox.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def _customer_service(
    account: BrandAccount, triager: User, agent: User, *, age: timedelta
) -> Conversation:
    conversation = make_conversation(account)
    Conversation.objects.filter(pk=conversation.pk).update(
        first_item_at=timezone.now() - age, last_item_at=timezone.now() - age
    )
    conversation.refresh_from_db()
    triage.conversation_triage(
        actor=triager, conversation=conversation, outcome="customer_service", assignee=agent
    )
    return conversation


def _told(kind_subject: str) -> set[str]:
    return set(
        Notification.objects.filter(kind="inbox", message__icontains=kind_subject).values_list(
            "recipient__email", flat=True
        )
    )


def test_the_owner_is_warned_once_before_the_breach(
    settings: Any, account: BrandAccount, triager: User, agent: User
) -> None:
    settings.SOCIALHUB_INBOX_SLA_HOURS = {"customer_service": (1.0, 24.0)}
    conversation = _customer_service(account, triager, agent, age=timedelta(minutes=50))

    assert sla_notices_send(now=timezone.now()) == 1
    assert sla_notices_send(now=timezone.now()) == 0

    assert _told("must be answered within") == {agent.email}
    conversation.refresh_from_db()
    assert conversation.warned_at is not None
    assert conversation.breach_notified_at is None


def test_managers_and_comms_hear_of_a_breach_once(
    settings: Any,
    account: BrandAccount,
    triager: User,
    agent: User,
    comms_reviewer: User,
    support: Any,
) -> None:
    from accounts.tests.factories import UserFactory, add_member

    boss = UserFactory.create(email="boss@example.test")
    add_member(boss, support, "manager")
    settings.SOCIALHUB_INBOX_SLA_HOURS = {"customer_service": (1.0, 24.0)}
    conversation = _customer_service(account, triager, agent, age=timedelta(hours=2))

    assert sla_notices_send(now=timezone.now()) == 1
    assert sla_notices_send(now=timezone.now()) == 0

    assert _told("past its service level") == {boss.email, comms_reviewer.email}
    assert _told("must be answered within") == set()  # the warning is moot once breached
    assert AuditEvent.objects.filter(action="inbox.sla_breached").count() == 1
    conversation.refresh_from_db()
    assert sla.is_breached(conversation, now=timezone.now())


def test_the_list_shows_breached_conversations(
    settings: Any, api_as: Any, account: BrandAccount, triager: User, agent: User
) -> None:
    settings.SOCIALHUB_INBOX_SLA_HOURS = {"customer_service": (1.0, 24.0)}
    late = _customer_service(account, triager, agent, age=timedelta(hours=3))
    _customer_service(account, triager, agent, age=timedelta(minutes=5))

    rows = api_as(triager).get("/api/v1/inbox/conversations/", {"breached": "true"}).json()

    assert [(r["id"], r["breached"]) for r in rows["results"]] == [(late.pk, True)]
    on_time = api_as(triager).get("/api/v1/inbox/conversations/", {"breached": "false"}).json()
    assert [r["breached"] for r in on_time["results"]] == [False]


def test_a_closed_conversation_has_no_clock(
    settings: Any, account: BrandAccount, triager: User, agent: User
) -> None:
    conversation = _customer_service(account, triager, agent, age=timedelta(hours=30))
    ownership.conversation_close(actor=agent, conversation=conversation)

    assert sla.due_at(conversation) is None
    assert sla_notices_send(now=timezone.now()) == 0
