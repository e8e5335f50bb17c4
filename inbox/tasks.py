"""Celery tasks of the inbox: load by id, call one service. Messages carry only ids."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from channels_app.models import BrandAccount
from inbox import ingestion
from inbox.demo import seed_feed_questions
from inbox.services import cases
from inbox.services.notices import sla_notices_send
from inbox.services.replies import responses_record

logger = logging.getLogger(__name__)


@shared_task(name="inbox.poll_accounts", ignore_result=True)
def poll_accounts() -> int:
    """Beat: queue one poll per account whose next poll is due. Returns how many."""
    due = ingestion.due_account_ids(now=timezone.now())
    for account_id in due:
        poll_account.delay(account_id)
    return len(due)


@shared_task(name="inbox.poll_account", ignore_result=True, acks_late=True)
def poll_account(account_id: int) -> int:
    """Read one account's new incoming items. Returns how many were stored."""
    account = BrandAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return 0
    report = ingestion.account_poll(account=account)
    if report.error:
        logger.info("Poll of brand account %s: %s", account_id, report.error)
    return report.stored


@shared_task(name="inbox.sla_notices", ignore_result=True)
def sla_notices() -> int:
    """Beat: tell owners before a breach, managers and comms at it (once each)."""
    now = timezone.now()
    responses_record(now=now)  # a published reply stops the first-response clock first
    return sla_notices_send(now=now)


@shared_task(name="inbox.demo_feed_questions", ignore_result=True)
def demo_feed_questions() -> int:
    """The demo's employee questions under the feed, once its entries are published."""
    return seed_feed_questions()


@shared_task(name="inbox.case_deliver", ignore_result=True, acks_late=True)
def case_deliver(case_id: int) -> str:
    """Create one case in the helpdesk (claimed under a row lock; looked up before a resend)."""
    return cases.case_deliver(case_id)


@shared_task(name="inbox.cases_sweep", ignore_result=True)
def cases_sweep() -> int:
    """Beat: queue again the cases a dead worker or a lost message left behind."""
    return cases.cases_sweep()


@shared_task(name="inbox.cases_follow", ignore_result=True)
def cases_follow() -> int:
    """Beat: read the open cases' status back and append new customer messages as notes."""
    return cases.cases_follow()


@shared_task(name="inbox.case_notes_send", ignore_result=True)
def case_notes_send(case_id: int) -> int:
    """Append one case's new customer messages as notes (a retry at its back-off time)."""
    return cases.case_notes_send(case_id)
