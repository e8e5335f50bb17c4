"""Two triagers, two claimers at once (PostgreSQL, threads with their own connections): the
compare-and-swap lets exactly one win; the others get a conflict and nothing of theirs is
written."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from activity.models import AuditEvent
from approvals.tests.factories import make_account
from core.tests.races import run_at_once
from inbox.models import Conversation
from inbox.permissions import access_conversation
from inbox.services import ownership, triage
from inbox.tests.factories import make_conversation

THREADS = 6

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite serialises every writer, so a race cannot even start "
        "there (CI runs this on PostgreSQL).",
    ),
    pytest.mark.django_db(transaction=True),
]


def _setting() -> tuple[Conversation, list[Any], list[Any]]:
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    comms = DepartmentFactory.create(name="Communications", slug="communications")
    account = make_account(sales, platform="mastodon", handle="@acme@mastodon.example")
    triagers = []
    members = []
    for n in range(THREADS):
        person = UserFactory.create(email=f"triage{n}@example.test")
        add_member(person, comms)
        triagers.append(give_org_role(person, OrgRole.TRIAGE))
        member = UserFactory.create(email=f"sales{n}@example.test")
        add_member(member, sales)
        members.append(member)
    return make_conversation(account), triagers, members


def test_two_triagers_at_once_one_wins() -> None:
    conversation, triagers, _members = _setting()
    outcomes = ["no_response", "public_response"] * (THREADS // 2)

    def work(index: int) -> str:
        fresh = access_conversation(triagers[index], conversation.pk)
        triage.conversation_triage(
            actor=triagers[index],
            conversation=fresh,
            outcome=outcomes[index],
            reason="spam" if outcomes[index] == "no_response" else "",
            department=None if outcomes[index] == "no_response" else "sales",
            version=0,
        )
        return "won"

    results = run_at_once(THREADS, work)

    assert sorted(results) == ["conflict"] * (THREADS - 1) + ["won"], results
    conversation.refresh_from_db()
    assert conversation.version == 1
    assert AuditEvent.objects.filter(action="inbox.triaged").count() == 1


def test_two_claimers_at_once_one_owns_it() -> None:
    conversation, triagers, members = _setting()
    triage.conversation_triage(
        actor=triagers[0], conversation=conversation, outcome="public_response", department="sales"
    )

    def work(index: int) -> int:
        fresh = access_conversation(members[index], conversation.pk)
        ownership.conversation_claim(actor=members[index], conversation=fresh)
        return members[index].pk

    results = run_at_once(THREADS, work)

    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    assert results.count("conflict") == THREADS - 1, results
    conversation.refresh_from_db()
    assert conversation.owner_id == winners[0]
    assert AuditEvent.objects.filter(action="inbox.claimed").count() == 1
