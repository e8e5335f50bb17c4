"""Every figure of the department activity report, against a department whose activity happened
at known instants (dashboards/tests/factories.py tells the story). Runs on SQLite and PostgreSQL
alike (DATABASE_URL): the figures must be the same on both."""

from __future__ import annotations

import statistics
import zoneinfo
from datetime import date

import pytest

from accounts.models import Department, User
from dashboards.reports import activity
from dashboards.reports.percentiles import duration_percentiles
from dashboards.reports.periods import Period
from dashboards.tests.factories import PARIS, Clock, KnownActivity, build_known_activity, utc
from training.requirements import missing_requirements

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo(PARIS)
PERIOD = Period(first_day=date(2025, 3, 17), last_day=date(2025, 4, 6), zone=ZONE)

HOUR = 3600


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, utc(3, 1, 8))


@pytest.fixture
def known(
    clock: Clock,
    sales: Department,
    rnd: Department,
    comms_department: Department,
    sme: User,
    manager: User,
    outsider: User,
    comms_reviewer: User,
) -> KnownActivity:
    return build_known_activity(
        clock,
        sales=sales,
        rnd=rnd,
        comms_department=comms_department,
        sme=sme,
        manager=manager,
        outsider=outsider,
        comms_reviewer=comms_reviewer,
    )


@pytest.fixture
def report(known: KnownActivity, clock: Clock) -> activity.DepartmentActivity:
    return activity.department_activity(department=known.sales, period=PERIOD, now=clock.now)


def test_the_range_is_read_in_the_viewers_zone() -> None:
    # Midnight in Paris: CET (UTC+1) on 17 March, CEST (UTC+2) on 7 April.
    assert PERIOD.start == utc(3, 16, 23)
    assert PERIOD.end == utc(4, 6, 22)
    assert PERIOD.week_starts() == [date(2025, 3, 17), date(2025, 3, 24), date(2025, 3, 31)]


def test_totals(report: activity.DepartmentActivity) -> None:
    assert report.totals == activity.Figures(
        drafted=5,  # P1 P2 P3 P4 P5 (P6 before the range, P8 after it, P7 another department)
        submitted=4,  # P1 P2 (twice, counted once) P3 P4
        changes_requested=1,  # P2
        approved=3,  # P6 (00:30 local on the first day) P1 P3
        rejected=1,  # P2
        published=1,  # P1
        failed=1,  # P3
        reviews=5,  # P6 P1 P2 (changes) P2 (reject) P3
        rejection_rate=1 / 5,
        changes_requested_rate=1 / 5,
        last_activity=utc(4, 2, 8),  # P5 drafted
    )


def test_turnaround_median_and_90th_percentile(report: activity.DepartmentActivity) -> None:
    durations = [
        6 * 24 * HOUR + 13.5 * HOUR,  # P6: 10 Mar 10:00 -> 16 Mar 23:30
        4 * HOUR,  # P1
        10 * HOUR,  # P2 first stay: 23 Mar 23:30 -> 24 Mar 09:30
        1 * HOUR,  # P2 second stay: resubmitted 11:00 -> rejected 12:00
        23 * HOUR,  # P3: 24 h on the wall clock in Paris, 23 h in real time (summer time)
    ]
    assert report.turnaround.reviews == 5
    assert report.turnaround.median_seconds == 10 * HOUR
    # Continuous percentile: rank 0.9 x 4 = 3.6 between 23 h and 157.5 h.
    assert report.turnaround.p90_seconds == pytest.approx(23 * HOUR + 0.6 * (157.5 - 23) * HOUR)
    assert report.turnaround.median_seconds == statistics.median(durations)
    assert report.turnaround.p90_seconds == pytest.approx(
        statistics.quantiles(durations, n=10, method="inclusive")[8]
    )


def test_snapshot_waiting_and_revisions(report: activity.DepartmentActivity) -> None:
    assert report.snapshot.waiting == 1  # P4
    assert report.snapshot.oldest_waiting_since == utc(4, 1, 9)
    # Approved or rejected in the range: P6, P1, P3 (one revision each), P2 (two).
    assert report.snapshot.revisions_per_post == 1.25


def _week(report: activity.DepartmentActivity, day: date) -> dict[str, int]:
    week = next(w for w in report.weeks if w.start == day)
    return {key: count for key, _label, count in week.figures.counts()}


def test_weeks_follow_the_viewers_zone(report: activity.DepartmentActivity) -> None:
    assert [w.start for w in report.weeks] == PERIOD.week_starts()
    zero = dict.fromkeys(activity.STATE_KEYS, 0)
    # P2 was drafted on Sunday night and submitted after midnight in Paris (still Sunday in
    # UTC): drafted in the first week, sent to review in the second. P6's approval at 00:30
    # local on Monday 17 March belongs to the first week of the range.
    assert _week(report, date(2025, 3, 17)) == {
        **zero,
        "drafted": 2,
        "submitted": 1,
        "approved": 2,
        "published": 1,
    }
    assert _week(report, date(2025, 3, 24)) == {
        **zero,
        "drafted": 1,
        "submitted": 2,
        "changes_requested": 1,
        "approved": 1,
        "rejected": 1,
        "failed": 1,
    }
    assert _week(report, date(2025, 3, 31)) == {**zero, "drafted": 2, "submitted": 1}


def test_per_account(report: activity.DepartmentActivity, known: KnownActivity) -> None:
    rows = {row.name: row for row in report.accounts}
    assert list(rows) == ["Sales news", "Sales on Mastodon"]
    assert rows["Sales news"].account_id == known.news.pk
    assert rows["Sales news"].figures == activity.Figures(
        drafted=4,
        submitted=3,
        changes_requested=1,
        approved=2,
        rejected=1,
        published=1,
        failed=0,
        reviews=4,
        rejection_rate=0.25,
        changes_requested_rate=0.25,
        last_activity=utc(4, 2, 8),
    )
    assert rows["Sales on Mastodon"].figures == activity.Figures(
        drafted=1,
        submitted=1,
        approved=1,
        failed=1,
        reviews=1,
        rejection_rate=0.0,
        changes_requested_rate=0.0,
        last_activity=utc(3, 30, 11, 5),
    )


def test_per_person(report: activity.DepartmentActivity, known: KnownActivity) -> None:
    rows = {row.email: row for row in report.people}
    # Every member is listed, with or without activity; the outsider is not.
    assert set(rows) == {known.sme.email, known.sme2.email, known.manager.email}
    assert rows[known.manager.email].role == "manager"
    assert rows[known.sme.email].figures == activity.Figures(
        drafted=3,
        submitted=3,
        changes_requested=1,
        approved=2,
        rejected=1,
        published=1,
        reviews=4,
        rejection_rate=0.25,
        changes_requested_rate=0.25,
        last_activity=utc(4, 1, 9),
    )
    assert rows[known.sme2.email].figures.failed == 1
    assert rows[known.sme2.email].figures.rejection_rate == 0.0
    assert rows[known.manager.email].figures == activity.Figures(
        drafted=1, last_activity=utc(4, 2, 8)
    )


def test_certification_coverage(report: activity.DepartmentActivity, known: KnownActivity) -> None:
    rows = {row.name: row for row in report.coverage}
    # Sales news needs Basics: sme and sme2 hold it, the manager does not.
    assert (rows["Sales news"].members, rows["Sales news"].certified) == (3, 2)
    assert rows["Sales news"].ready == 2
    # Sales on Mastodon also needs Mastodon: sme2's certificate expired on 3 April.
    assert (rows["Sales on Mastodon"].members, rows["Sales on Mastodon"].certified) == (3, 1)
    assert rows["Sales on Mastodon"].certified_share == pytest.approx(1 / 3)


def test_coverage_agrees_with_missing_requirements(
    report: activity.DepartmentActivity, known: KnownActivity, clock: Clock
) -> None:
    """The set-based rule gives exactly the people for whom missing_requirements is empty."""
    from training.selectors import policy_current
    from training.services import policy_acknowledge

    # The manager acknowledges the policy but holds no certificate: certified nowhere.
    policy = policy_current()
    assert policy is not None
    policy_acknowledge(actor=known.manager, policy=policy)
    again = activity.department_activity(department=known.sales, period=PERIOD, now=clock.now)
    for row in again.coverage:
        account = known.news if row.account_id == known.news.pk else known.mastodon
        people = [known.sme, known.sme2, known.manager]
        ready = [p for p in people if not missing_requirements(p, account, now=clock.now)]
        certified = [
            p
            for p in people
            if not [
                m
                for m in missing_requirements(p, account, now=clock.now)
                if m.kind == "certification"
            ]
        ]
        assert (row.ready, row.certified) == (len(ready), len(certified)), row.name


def test_organisation_overview_has_the_same_figures(
    known: KnownActivity, clock: Clock, report: activity.DepartmentActivity
) -> None:
    rows = {
        row.department.slug: row
        for row in activity.organisation_activity(period=PERIOD, now=clock.now)
    }
    assert set(rows) == {"sales", "rnd", "communications"}
    sales = rows["sales"]
    assert sales.figures == report.totals
    assert sales.turnaround == report.turnaround
    assert sales.snapshot == report.snapshot
    assert sales.members == 3
    # Two accounts x three members, of which three pairs are certified (2 + 1).
    assert (sales.member_accounts, sales.certified_pairs) == (6, 3)
    assert rows["rnd"].figures.drafted == 1
    assert rows["rnd"].figures.submitted == 1
    assert rows["rnd"].snapshot.waiting == 1
    assert rows["communications"].figures == activity.Figures()


@pytest.mark.parametrize(
    "values",
    [[5.0], [1.0, 2.0], [3.0, 1.0, 2.0, 10.0], [float(v) for v in range(1, 12)], [7.5] * 4],
)
def test_percentiles_match_a_plain_computation(values: list[float], sme: User) -> None:
    """The database's percentile (percentile_cont, or window functions on SQLite) is the
    continuous percentile with linear interpolation."""
    from django.db.models import FloatField
    from django.db.models.functions import Cast

    from accounts.models import User as UserModel

    users = [
        UserModel.objects.create_user(f"p{index}@example.test", full_name=str(value))
        for index, value in enumerate(values)
    ]
    rows = UserModel.objects.filter(pk__in=[u.pk for u in users]).annotate(
        v=Cast("full_name", FloatField())
    )
    result = duration_percentiles(rows, value="v")[None]
    assert result["count"] == len(values)
    assert result["median"] == pytest.approx(statistics.median(values))
    expected_p90 = (
        values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]
    )
    assert result["p90"] == pytest.approx(expected_p90)
