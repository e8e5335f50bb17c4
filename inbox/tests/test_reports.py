"""Inbox figures on the activity reports: by outcome, median first response, breaches, per
department and per person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Department, User
from channels_app.models import BrandAccount
from inbox.models import Conversation
from inbox.reports import inbox_report
from inbox.services import ownership, triage
from inbox.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def test_figures_by_outcome_response_time_and_person(
    account: BrandAccount, triager: User, sme: User, sales: Department
) -> None:
    answered = make_conversation(account)
    triage.conversation_triage(
        actor=triager, conversation=answered, outcome="public_response", department="sales"
    )
    ownership.conversation_claim(actor=sme, conversation=answered)
    Conversation.objects.filter(pk=answered.pk).update(
        first_response_at=answered.first_item_at + timedelta(minutes=30)
    )
    spam = make_conversation(account)
    triage.conversation_triage(
        actor=triager, conversation=spam, outcome="no_response", reason="spam"
    )
    make_conversation(account)
    now = timezone.now()

    report = inbox_report(start=now - timedelta(days=1), end=now + timedelta(days=1), now=now)

    assert report.overall.by_outcome == {
        "untriaged": 1,
        "no_response": 1,
        "customer_service": 0,
        "public_response": 1,
    }
    assert report.overall.median_first_response_seconds == 1800
    assert report.departments[sales.pk].total == 1
    assert list(report.people) == [("Sam Sales", sme.email)]


def test_the_department_page_shows_them(
    account: BrandAccount, triager: User, manager: User, sales: Department
) -> None:
    conversation = make_conversation(account)
    triage.conversation_triage(
        actor=triager, conversation=conversation, outcome="public_response", department="sales"
    )
    client = Client()
    client.force_login(manager)
    today = timezone.localdate()

    page = client.get(f"/reports/departments/sales/?from={today - timedelta(days=3)}&to={today}")

    assert page.status_code == 200
    assert b'id="inbox-table"' in page.content
