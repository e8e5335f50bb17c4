"""Helpdesk cases on the department activity: how many were created for the department's
conversations in the range, and the median time from handing one over to the helpdesk solving
it."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import Department
from approvals.tests.factories import make_account
from dashboards.reports import inbox_figures
from dashboards.reports.periods import Period
from inbox.models import Case, CaseDelivery, Conversation, ConversationState, Outcome

pytestmark = pytest.mark.django_db

PERIOD = Period(
    first_day=date(2025, 3, 1), last_day=date(2025, 3, 31), zone=zoneinfo.ZoneInfo("UTC")
)
NOW = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _with_case(
    conversation: Conversation, *, state: str, solved_after: timedelta | None = None
) -> None:
    case = Case.objects.create(
        conversation=conversation, external_id=f"socialhub-conversation-{conversation.pk}"
    )
    # created_at is set on insert: put it at the first item, then the rest.
    Case.objects.filter(pk=case.pk).update(
        state=state,
        created_at=T0,
        solved_at=T0 + solved_after if solved_after is not None else None,
    )


def test_cases_created_and_the_median_time_to_solve(sales: Department, rnd: Department) -> None:
    account = make_account(sales, platform="mastodon")

    def conversation(department: Department) -> Conversation:
        return Conversation.objects.create(
            brand_account=account,
            platform=account.platform,
            thread_key=f"thread-{Conversation.objects.count()}",
            first_item_at=T0,
            last_item_at=T0,
            state=ConversationState.TRIAGED,
            outcome=Outcome.CUSTOMER_SERVICE,
            department=department,
            triaged_at=T0,
        )

    _with_case(conversation(sales), state=CaseDelivery.CREATED, solved_after=2 * HOUR)
    _with_case(conversation(sales), state=CaseDelivery.CREATED, solved_after=4 * HOUR)
    _with_case(conversation(sales), state=CaseDelivery.CREATED)  # open still
    _with_case(conversation(sales), state=CaseDelivery.FAILED)  # never created
    conversation(sales)  # no case
    _with_case(conversation(rnd), state=CaseDelivery.CREATED, solved_after=HOUR)

    totals, _people = inbox_figures.department_inbox(department=sales, period=PERIOD, now=NOW)

    assert totals.conversations == 5
    assert totals.cases_created == 3
    assert totals.median_solve_seconds == 3 * 3600.0
