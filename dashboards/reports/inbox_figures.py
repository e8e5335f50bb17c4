"""The inbox's figures on the activity reports: conversations by outcome, time to first
response and service-level breaches, per department and per person.

A conversation counts in the range when its first item arrived inside it. It belongs to the
department it was assigned to (none for one closed without a response, or assigned to a person
only) and to the person answering it: its owner, else the person it was assigned to. Time to
first response runs from its first item to the brand's first answer; the median is over the
conversations answered. A conversation breached its service levels when triage, its first
response or its closing came later than the settings allow (or has not come and the time has
passed): the same levels as the inbox (`inbox.sla`). Each figure is counted by the database,
a fixed number of queries for any number of conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from accounts.models import Department, Membership, User
from dashboards.reports.percentiles import SecondsBetween, duration_percentiles
from dashboards.reports.periods import Period
from inbox.models import Conversation, Outcome
from inbox.sla import sla_hours


@dataclass(frozen=True)
class InboxFigures:
    conversations: int = 0
    no_response: int = 0
    customer_service: int = 0
    public_response: int = 0
    untriaged: int = 0
    responded: int = 0
    breaches: int = 0
    median_first_response_seconds: float | None = None
    # Kept for the report API's earlier readers: copies of the helpdesk case figures (created,
    # median time to solve), which live in dashboards/reports/case_figures.py and are filled in
    # by the reports that carry both (dashboards/reports/activity/).
    cases_created: int = 0
    median_solve_seconds: float | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any], median: float | None = None) -> InboxFigures:
        fields = {name: row[name] for name in cls.__dataclass_fields__ if name in row}
        return cls(**fields, median_first_response_seconds=median)

    def outcomes(self) -> list[tuple[str, str, int]]:
        return [(key, label, getattr(self, key)) for key, label in OUTCOME_COLUMNS]


OUTCOME_COLUMNS: tuple[tuple[str, str], ...] = (
    (Outcome.NO_RESPONSE.value, "No response"),
    (Outcome.CUSTOMER_SERVICE.value, "Customer service"),
    (Outcome.PUBLIC_RESPONSE.value, "Public response"),
    ("untriaged", "Not triaged yet"),
)
METRICS = (
    "conversations",
    *(key for key, _label in OUTCOME_COLUMNS),
    "responded",
    "median_first_response_seconds",
    "breaches",
)


@dataclass(frozen=True)
class InboxPersonRow:
    user_id: int
    name: str
    email: str
    figures: InboxFigures


def conversations_in(period: Period, *, department: Department | None = None) -> QuerySet[Any]:
    rows = Conversation.objects.filter(
        first_item_at__gte=period.start, first_item_at__lt=period.end
    ).order_by()
    if department is not None:
        rows = rows.filter(department=department)
    return rows


def _late(done: str, hours: float, now: datetime) -> GreaterThan:
    """``done`` (or now, when it has not happened) came more than ``hours`` after the first
    item."""
    deadline = ExpressionWrapper(
        F("first_item_at") + Value(timedelta(hours=hours)), output_field=DateTimeField()
    )
    return GreaterThan(Coalesce(F(done), Value(now), output_field=DateTimeField()), deadline)


def breached_q(now: datetime) -> Q:
    """Conversations that missed a service level: triage, then per outcome the first response
    and the closing."""
    q = Q(_late("triaged_at", settings.SOCIALHUB_INBOX_SLA_TRIAGE_HOURS, now))
    for outcome in (Outcome.CUSTOMER_SERVICE, Outcome.PUBLIC_RESPONSE):
        levels = sla_hours(outcome)
        if levels is None:
            continue
        first_response, close = levels
        q |= Q(outcome=outcome) & (
            Q(_late("first_response_at", first_response, now)) | Q(_late("closed_at", close, now))
        )
    return q


def _aggregates(now: datetime) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "conversations": Count("pk"),
        **{
            outcome: Count("pk", filter=Q(outcome=outcome))
            for outcome in (Outcome.NO_RESPONSE, Outcome.CUSTOMER_SERVICE, Outcome.PUBLIC_RESPONSE)
        },
        "untriaged": Count("pk", filter=Q(outcome="")),
        "responded": Count("pk", filter=Q(first_response_at__isnull=False)),
        "breaches": Count("pk", filter=breached_q(now)),
    }
    return counts


def _response_times(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.annotate(first_response=SecondsBetween(F("first_response_at"), F("first_item_at")))


def _medians(rows: QuerySet[Any], group: str | None) -> dict[Any, float | None]:
    found = duration_percentiles(_response_times(rows), value="first_response", group=group)
    return {key: value["median"] for key, value in found.items()}


def _with_person(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.annotate(person_id=Coalesce("owner_id", "assignee_id"))


def department_inbox(
    *, department: Department, period: Period, now: datetime
) -> tuple[InboxFigures, list[InboxPersonRow]]:
    """The department's totals and one row per member or person who answered its
    conversations in the range (five queries)."""
    rows = conversations_in(period, department=department)
    totals = InboxFigures.from_row(
        rows.aggregate(**_aggregates(now)), _medians(rows, None).get(None)
    )
    people_rows = _with_person(rows)
    medians = _medians(people_rows, "person_id")
    by_person = {
        row["person_id"]: InboxFigures.from_row(row, medians.get(row["person_id"]))
        for row in people_rows.values("person_id").annotate(**_aggregates(now))
    }
    members = Membership.objects.filter(department=department).values("user_id")
    people = User.objects.filter(
        Q(pk__in=members) | Q(pk__in=[pk for pk in by_person if pk is not None])
    ).order_by("full_name", "email", "pk")
    return totals, [
        InboxPersonRow(
            user_id=person.pk,
            name=person.full_name or person.email,
            email=person.email,
            figures=by_person.get(person.pk, InboxFigures()),
        )
        for person in people
    ]


def inbox_totals(*, period: Period, now: datetime) -> InboxFigures:
    """The whole organisation's figures, conversations of no department included (two
    queries)."""
    rows = conversations_in(period)
    return InboxFigures.from_row(rows.aggregate(**_aggregates(now)), _medians(rows, None).get(None))


def inbox_by_department(*, period: Period, now: datetime) -> dict[int | None, InboxFigures]:
    """{department id (None: no department): figures} (two queries)."""
    rows = conversations_in(period)
    medians = _medians(rows, "department_id")
    return {
        row["department_id"]: InboxFigures.from_row(row, medians.get(row["department_id"]))
        for row in rows.values("department_id").annotate(**_aggregates(now))
    }
