"""Inbox figures for the activity reports: conversations by outcome, the median time to the
first response, service-level breaches, per department and per person. Conversations count in
the range their first item arrived in. Two queries whatever the number of departments."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from inbox import sla
from inbox.models import Conversation, Outcome

OUTCOME_KEYS = ("untriaged", *Outcome.values)


@dataclass
class InboxFigures:
    by_outcome: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOME_KEYS, 0))
    breaches: int = 0
    response_seconds: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def median_first_response_seconds(self) -> float | None:
        return statistics.median(self.response_seconds) if self.response_seconds else None


@dataclass
class InboxReport:
    """The range's figures: overall, per department id and per owner (name, email)."""

    overall: InboxFigures = field(default_factory=InboxFigures)
    departments: dict[int, InboxFigures] = field(default_factory=dict)
    people: dict[tuple[str, str], InboxFigures] = field(default_factory=dict)


def inbox_report(
    *, start: datetime, end: datetime, now: datetime, department_id: int | None = None
) -> InboxReport:
    conversations = Conversation.objects.filter(first_item_at__gte=start, first_item_at__lt=end)
    if department_id is not None:
        conversations = conversations.filter(department_id=department_id)
    report = InboxReport()
    breached = sla.breached_q(now=now) | Q(breach_notified_at__isnull=False)
    # Query 1: counts by department and outcome, with breaches.
    rows = (
        conversations.order_by()
        .values("department_id", "outcome")
        .annotate(n=Count("pk"), late=Count("pk", filter=breached))
    )
    for row in rows:
        key = row["outcome"] or "untriaged"
        for figures in (report.overall, _of(report.departments, row["department_id"])):
            figures.by_outcome[key] += row["n"]
            figures.breaches += row["late"]
    # Query 2: the answered ones' response times (at most the range's conversations).
    answered = conversations.filter(first_response_at__isnull=False).values_list(
        "department_id", "owner__full_name", "owner__email", "first_item_at", "first_response_at"
    )
    for department, name, email, first, response in answered:
        seconds = (response - first).total_seconds()
        report.overall.response_seconds.append(seconds)
        _of(report.departments, department).response_seconds.append(seconds)
        if email:
            person = _of(report.people, (name or email, email))
            person.response_seconds.append(seconds)
    return report


def _of(table: dict, key: object) -> InboxFigures:  # type: ignore[type-arg]
    if key not in table:
        table[key] = InboxFigures()
    figures: InboxFigures = table[key]
    return figures
