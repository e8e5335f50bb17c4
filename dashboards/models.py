"""Summary rows the activity reports read instead of the whole audit trail (docs/dashboards.md,
"Summary rows").

They are folded from the posts' audit trail by `dashboards.reports.rollups.rollups_advance`
(the beat task `dashboards.advance_rollups`), which reads the events past the watermark in
chunks and, in one transaction per chunk, adds them to these rows and moves the watermark.
`manage.py rebuild_rollups` empties them and folds the whole trail again. They hold nothing
the audit trail does not: they can always be thrown away and rebuilt.

Plain integer columns, not foreign keys: a summary row outlives nothing and guards nothing, and
the fold writes thousands of them without checking each reference.
"""

from __future__ import annotations

from django.db import models


class RollupWatermark(models.Model):
    """The one row (id 1): the last audit event folded into the summaries, when, the reporting
    zone their days are counted in, and the horizon the next fold goes up to."""

    last_event_id = models.BigIntegerField(default=0)
    advanced_at = models.DateTimeField(null=True, blank=True)
    zone = models.CharField(max_length=64, blank=True)
    # The last event id there was at `horizon_at`: folded up to once FOLD_LAG has passed.
    horizon_id = models.BigIntegerField(default=0)
    horizon_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"summaries through event {self.last_event_id} ({self.zone})"


class DailyActivity(models.Model):
    """Per local day (in the reporting zone) x department x brand account x author x state: how
    many posts reached the state that day (each post once a day), how many transitions, and the
    latest one. `state` is a report state key (dashboards/reports/activity/figures.py STATES),
    or "" for the transitions that count for no state but still make "last activity"."""

    day = models.DateField()
    week = models.DateField()  # the Monday of `day`'s week
    # 0 for none (an event without a department, a post since removed): the fold adds to a row
    # with INSERT … ON CONFLICT on this key, and NULLs never conflict.
    department_id = models.BigIntegerField(default=0)
    account_id = models.BigIntegerField(default=0)
    author_id = models.BigIntegerField(default=0)
    state = models.CharField(max_length=32, blank=True)
    posts = models.IntegerField(default=0)
    events = models.IntegerField(default=0)
    last_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("day", "department_id", "account_id", "author_id", "state"),
                name="dash_daily_one_row_per_slice",
            ),
        )
        indexes = (
            models.Index(fields=("department_id", "day"), name="dash_daily_dept_day"),
            models.Index(fields=("day",), name="dash_daily_day"),
        )

    def __str__(self) -> str:
        return f"{self.day} {self.department_id} {self.state}: {self.posts}"


class StateRepeat(models.Model):
    """A post that reached a state on more than one day: one row per later day, with the day
    before it (`prev_day`). Counting distinct posts over a range is the sum of the daily counts
    less the rows whose `prev_day` is inside the range too."""

    post_id = models.BigIntegerField()
    state = models.CharField(max_length=32)
    department_id = models.BigIntegerField(null=True)
    account_id = models.BigIntegerField(null=True)
    author_id = models.BigIntegerField(null=True)
    day = models.DateField()
    prev_day = models.DateField()

    class Meta:
        indexes = (
            models.Index(fields=("post_id", "state"), name="dash_repeat_post"),
            models.Index(fields=("day",), name="dash_repeat_day"),
        )

    def __str__(self) -> str:
        return f"post {self.post_id} {self.state} {self.prev_day} → {self.day}"


class ReviewTurnaround(models.Model):
    """One review that ended (final approval, changes requested, rejection): the closing audit
    event, its instant, and its turnaround in seconds (rounded to the millisecond by the same
    SQL the raw report uses), so percentiles stay exact."""

    event_id = models.BigIntegerField(primary_key=True)
    decided_at = models.DateTimeField()
    department_id = models.BigIntegerField(null=True)
    post_id = models.BigIntegerField()
    action = models.CharField(max_length=64)
    seconds = models.FloatField(null=True)

    class Meta:
        indexes = (
            models.Index(fields=("decided_at",), name="dash_turnaround_at"),
            models.Index(fields=("department_id", "decided_at"), name="dash_turnaround_dept"),
        )

    def __str__(self) -> str:
        return f"{self.action} at {self.decided_at}: {self.seconds}"
