"""Department activity, review queue health and the organisation overview (docs/design.md §5,
issue 7).

Every figure comes out of the database: counts are conditional aggregates over the posts' audit
trail (`AuditEvent`, one row per transition with its from and to states), weeks are grouped by
`TruncWeek` in the viewer's zone, turnaround percentiles come from `percentiles.py`, coverage
from `training.requirements.annotate_requirement_coverage`. Python only assembles the rows the
database returns (and fills weeks without activity with zeros). Each report costs a fixed
number of queries, whatever the number of posts.

What the figures mean (also in docs/dashboards.md):
- A post counts for a state when it *reached* that state inside the range (its transition's
  time), each post once per state: "drafted" is created, "sent to review" entered review from
  elsewhere (submitted, resubmitted, or edited after approval), "approved" is the final approval
  (every required stage), "published" and "failed" are the publishing outcomes.
- A review is one stay in review that ended with a decision inside the range: the final
  approval, a request for changes or a rejection. Its turnaround runs from the moment the post
  last entered review to that decision. Rejection and changes-requested rates are shares of
  those reviews. Stage approvals that leave the post in review do not end a review.
- Revisions per post: for the posts approved or rejected in the range, their number of
  revisions.

One module per report, re-exported here: figures (what counts, and the queries every report
builds on), department (one department's activity), organisation (the overview, a row per
department) and queue_health (the comms review queue).
"""

from __future__ import annotations

from dashboards.reports.activity.department import (
    AccountRow,
    CoverageRow,
    DepartmentActivity,
    PersonRow,
    Snapshot,
    Week,
    department_activity,
)
from dashboards.reports.activity.figures import (
    APPROVE,
    CLOSING,
    CREATED,
    POST_TARGET,
    REJECT,
    REQUEST_CHANGES,
    STATE_KEYS,
    STATE_LABELS,
    STATES,
    Figures,
    S,
    Turnaround,
    post_events,
    review_rounds,
)
from dashboards.reports.activity.organisation import DepartmentRow, organisation_activity
from dashboards.reports.activity.queue_health import (
    MISSED_SHOWN,
    QueueHealth,
    QueueRow,
    ReviewerRow,
    review_queue_health,
)

__all__ = [
    "APPROVE",
    "CLOSING",
    "CREATED",
    "MISSED_SHOWN",
    "POST_TARGET",
    "REJECT",
    "REQUEST_CHANGES",
    "STATES",
    "STATE_KEYS",
    "STATE_LABELS",
    "AccountRow",
    "CoverageRow",
    "DepartmentActivity",
    "DepartmentRow",
    "Figures",
    "PersonRow",
    "QueueHealth",
    "QueueRow",
    "ReviewerRow",
    "S",
    "Snapshot",
    "Turnaround",
    "Week",
    "department_activity",
    "organisation_activity",
    "post_events",
    "review_queue_health",
    "review_rounds",
]
