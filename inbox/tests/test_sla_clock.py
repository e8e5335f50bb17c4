"""The list's "SLA breached" filter reads the clock the database keeps (Conversation.sla_clock)
and must pick exactly the conversations the per-row rule (sla.is_breached) calls breached."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from channels_app.models import BrandAccount
from inbox import sla
from inbox.models import Conversation, SlaClock
from inbox.services import ownership, triage
from inbox.tests.factories import make_conversation

pytestmark = pytest.mark.django_db

# Ages around every threshold below (0.5 h to 100 h), and exactly on one.
AGES = (0.25, 0.75, 1.0, 1.5, 3.0, 5.0, 23.0, 30.0, 71.0, 100.0)


def _varied(account: BrandAccount) -> list[Conversation]:
    """Every state, outcome and first-response combination the table allows, at each age."""
    now = timezone.now()
    shapes = [("new", "", False)]
    for state, outcome, responded in itertools.product(
        ("triaged", "closed"),
        ("no_response", "customer_service", "public_response"),
        (False, True),
    ):
        shapes.append((state, outcome, responded))
    rows = []
    for n, ((state, outcome, responded), hours) in enumerate(itertools.product(shapes, AGES)):
        at = now - timedelta(hours=hours)
        rows.append(
            Conversation(
                brand_account=account,
                platform="mastodon",
                thread_key=f"varied-{n}",
                state=state,
                outcome=outcome,
                item_count=1,
                first_item_at=at,
                last_item_at=at,
                first_response_at=at + timedelta(minutes=10) if responded else None,
            )
        )
    Conversation.objects.bulk_create(rows)
    return list(Conversation.objects.filter(brand_account=account))


@pytest.mark.parametrize(
    "levels",
    [
        {"customer_service": (1.0, 24.0), "public_response": (4.0, 72.0)},
        {"customer_service": (0.5, 3.0)},  # public responses without a service level
        # A level for "no response" too: the filter follows whatever outcomes have one.
        {"no_response": (2.0, 5.0), "public_response": (1.0, 30.0)},
    ],
)
@pytest.mark.parametrize("triage_hours", [1.0, 4.0])
def test_the_filter_picks_what_the_per_row_rule_picks(
    settings: Any, account: BrandAccount, levels: dict[str, Any], triage_hours: float
) -> None:
    settings.SOCIALHUB_INBOX_SLA_HOURS = levels
    settings.SOCIALHUB_INBOX_SLA_TRIAGE_HOURS = triage_hours
    conversations = _varied(account)
    # "Exactly on the threshold" has to agree too, so both sides use one instant.
    now = timezone.now()
    for conversation in conversations:
        conversation.first_item_at = conversation.first_item_at.replace(microsecond=0)
    Conversation.objects.bulk_update(conversations, ["first_item_at"])
    conversations.append(
        Conversation.objects.create(
            brand_account=account,
            platform="mastodon",
            thread_key="on-the-threshold",
            item_count=1,
            first_item_at=now - timedelta(hours=triage_hours),
            last_item_at=now,
        )
    )

    expected = {c.pk for c in conversations if sla.is_breached(c, now=now)}
    breached = set(
        Conversation.objects.filter(sla.breached_q(now=now)).values_list("pk", flat=True)
    )
    on_time = set(
        Conversation.objects.exclude(sla.breached_q(now=now)).values_list("pk", flat=True)
    )

    assert breached == expected
    assert on_time == {c.pk for c in conversations} - expected
    assert expected, "the data must hold breached conversations"
    assert on_time, "and conversations within their service level"


def test_the_clock_follows_triage_the_first_response_and_closing(
    settings: Any, account: BrandAccount, triager: User, agent: User
) -> None:
    settings.SOCIALHUB_INBOX_SLA_HOURS = {"customer_service": (1.0, 24.0)}
    conversation = make_conversation(account)

    def clock() -> str:
        return str(Conversation.objects.values_list("sla_clock", flat=True).get(pk=conversation.pk))

    assert clock() == SlaClock.TRIAGE
    triage.conversation_triage(
        actor=triager, conversation=conversation, outcome="customer_service", assignee=agent
    )
    assert clock() == SlaClock.FIRST_RESPONSE
    Conversation.objects.filter(pk=conversation.pk).update(first_response_at=timezone.now())
    assert clock() == SlaClock.CLOSE
    conversation.refresh_from_db()
    ownership.conversation_close(actor=triager, conversation=conversation)
    assert clock() == SlaClock.NONE
