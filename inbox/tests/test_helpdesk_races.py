"""Org admins saving the helpdesk connection at once (PostgreSQL, threads with their own
connections): one row, created or locked under the row lock; every save either applied in turn
(audited) or refused with a conflict, never a second row and never one undone silently. Workers
sending a case's notes at once: each note once, in order."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, give_org_role
from activity.models import AuditEvent
from channels_app.models import BrandAccount
from core.tests.races import run_at_once
from inbox.models import Conversation, HelpdeskConnection
from inbox.services import cases
from inbox.services.helpdesk import helpdesk_connection_save, helpdesk_settings
from inbox.tests.factories import created_case, customer_writes
from inbox.tests.peers.helpdesk_standins import FakeZendesk

THREADS = 4

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite serialises every writer, so a race cannot even start "
        "there (CI runs this on PostgreSQL).",
    ),
    pytest.mark.django_db(transaction=True),
]


def _admins() -> list[User]:
    return [
        give_org_role(UserFactory.create(email=f"admin{n}@example.test"), OrgRole.ORG_ADMIN)
        for n in range(THREADS)
    ]


def test_admins_connecting_at_once_make_one_connection(zendesk: FakeZendesk) -> None:
    admins = _admins()

    def work(index: int) -> str:
        helpdesk_connection_save(actor=admins[index], kind="zendesk", data=zendesk.settings())
        return "ok"

    results = run_at_once(THREADS, work)

    assert results == ["ok"] * THREADS
    assert HelpdeskConnection.objects.count() == 1
    # Each save applied in turn under the lock, each audited: the first created the row.
    events = list(
        AuditEvent.objects.filter(action="inbox.helpdesk_connected").values_list(
            "from_state", flat=True
        )
    )
    assert sorted(events) == ["", *["zendesk"] * (THREADS - 1)]
    assert helpdesk_settings(HelpdeskConnection.objects.get())["api_token"] == zendesk.api_token


def test_admins_updating_at_once_never_undo_each_other(zendesk: FakeZendesk) -> None:
    admins = _admins()
    helpdesk_connection_save(actor=admins[0], kind="zendesk", data=zendesk.settings())

    def work(index: int) -> str:
        # The secret is left empty: the stored one is carried forward.
        helpdesk_connection_save(
            actor=admins[index],
            kind="zendesk",
            data={"url": zendesk.url, "email": zendesk.agent_email},
            partial=True,
        )
        return "ok"

    results = run_at_once(THREADS, work)

    assert set(results) <= {"ok", "conflict"}, results
    assert "ok" in results
    assert HelpdeskConnection.objects.count() == 1
    saves = AuditEvent.objects.filter(action="inbox.helpdesk_connected").count()
    assert saves == 1 + results.count("ok")  # a refused save wrote nothing
    assert helpdesk_settings(HelpdeskConnection.objects.get())["api_token"] == zendesk.api_token


def test_workers_sending_notes_at_once_send_each_once_in_order(
    connected: HelpdeskConnection,
    account: BrandAccount,
    conversation: Conversation,
    agent: User,
    zendesk: FakeZendesk,
) -> None:
    case = created_case(agent, conversation)
    texts = [f"message {n}" for n in range(5)]
    customer_writes(account, conversation, *texts)

    results = run_at_once(THREADS, lambda _index: cases.case_notes_send(case.pk))

    assert all(isinstance(added, int) for added in results), results
    assert sum(results) == len(texts)
    comments = zendesk.tickets[int(case.helpdesk_case_id)]["comments"]
    sent = [c["body"].split(": ", 1)[1].split("\n")[0] for c in comments if " wrote [" in c["body"]]
    assert sent == texts
