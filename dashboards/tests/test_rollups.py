"""The summary rows (dashboards/models.py, dashboards/reports/rollups.py): folded a chunk at a
time they hold what a rebuild from the audit trail holds, and the reports read from them (with
the transitions past the watermark) give exactly the audit trail's figures. Random histories
with fixed seeds, their transitions clustered around daylight-saving changes and midnights
between Sunday and Monday in the reporting zone, folded in random chunks while more arrive."""

from __future__ import annotations

import random
import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent
from approvals import services
from approvals.models import Post
from approvals.state_machine import TRANSITIONS
from approvals.tests.factories import make_account
from dashboards.models import DailyActivity, ReviewTurnaround, RollupWatermark, StateRepeat
from dashboards.reports.activity import STATES, department, organisation
from dashboards.reports.activity.figures import POST_TARGET, state_keys_of
from dashboards.reports.periods import Period
from dashboards.reports.rollups import FOLD_LAG, rollups_advance, rollups_rebuild

pytestmark = pytest.mark.django_db

PARIS = "Europe/Paris"
ZONE = zoneinfo.ZoneInfo(PARIS)
# Daylight-saving changes in Paris (a 23-hour and a 25-hour day), a Sunday and a Monday.
SPRING, AUTUMN = date(2025, 3, 30), date(2025, 10, 26)
LATER = timezone.now() + timedelta(days=1)
NO_LAG = timedelta(0)  # fold up to the last event at once (no transaction is left open here)


def _instant(rng: random.Random) -> datetime:
    """Near a midnight or a clock change around the two DST Sundays, in UTC."""
    around = rng.choice((SPRING, AUTUMN))
    day = around + timedelta(days=rng.randint(-8, 8))
    midnight = datetime.combine(day, time.min, tzinfo=ZONE)
    return (midnight + timedelta(minutes=rng.randint(-150, 200))).astimezone(
        zoneinfo.ZoneInfo("UTC")
    )


def _events_for(
    rng: random.Random, post: Post, state: str, count: int
) -> tuple[list[AuditEvent], str]:
    """A random walk through the state machine from `state` (inserted in id order, their
    instants random: ids do not always follow days)."""
    events = []
    for _ in range(count):
        moves = [(action, to) for (src, action), to in TRANSITIONS.items() if src == state]
        if not moves:
            break
        action, to = rng.choice(moves)
        events.append(
            AuditEvent(
                action=f"post.{action}",
                target_type=POST_TARGET,
                target_id=str(post.pk),
                target_label="post",
                department_id=post.department_id,
                from_state=state,
                to_state=to,
                created_at=_instant(rng),
            )
        )
        state = to
    return events, state


@pytest.fixture
def cast(
    sales: Department, rnd: Department, sme: User, outsider: User, manager: User
) -> list[Post]:
    accounts = [make_account(sales), make_account(sales), make_account(rnd)]
    posts = []
    for index in range(12):
        account = accounts[index % 3]
        author = outsider if account.department_id == rnd.pk else (sme, manager)[index % 2]
        posts.append(
            services.post_create(actor=author, brand_account=account, body=f"Post {index}.")
        )
    return posts


def _table(model: Any, *fields: str) -> list[tuple[Any, ...]]:
    return sorted(model.objects.values_list(*fields), key=repr)


def _snapshot() -> tuple[list[Any], ...]:
    return (
        _table(
            DailyActivity,
            "day",
            "week",
            "department_id",
            "account_id",
            "author_id",
            "state",
            "posts",
            "events",
            "last_at",
        ),
        _table(
            StateRepeat,
            "post_id",
            "state",
            "department_id",
            "account_id",
            "author_id",
            "day",
            "prev_day",
        ),
        _table(
            ReviewTurnaround,
            "event_id",
            "decided_at",
            "department_id",
            "post_id",
            "action",
            "seconds",
        ),
    )


def _periods(rng: random.Random) -> list[Period]:
    fixed = [
        (SPRING, SPRING),  # 23 hours
        (AUTUMN, AUTUMN),  # 25 hours
        (SPRING, SPRING + timedelta(days=1)),  # Sunday to Monday: two weeks
        (SPRING - timedelta(days=8), SPRING + timedelta(days=8)),
        (AUTUMN - timedelta(days=6), AUTUMN + timedelta(days=1)),
    ]
    for _ in range(4):
        first = rng.choice((SPRING, AUTUMN)) + timedelta(days=rng.randint(-9, 6))
        fixed.append((first, first + timedelta(days=rng.randint(0, 12))))
    return [Period(first_day=first, last_day=last, zone=ZONE) for first, last in fixed]


def _post_figures(module: Any, *args: Any, rolled: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        if not rolled:
            patch.setattr(module, "covers", lambda period: False)
        return module._post_figures(*args)


def _assert_same_figures(
    periods: list[Period], departments: list[Department], monkeypatch: pytest.MonkeyPatch
) -> None:
    for period in periods:
        for dept in departments:
            rolled = _post_figures(department, period, dept, rolled=True, monkeypatch=monkeypatch)
            raw = _post_figures(department, period, dept, rolled=False, monkeypatch=monkeypatch)
            assert rolled.from_summaries
            assert not raw.from_summaries
            for name in ("totals", "turnaround", "snapshot", "weeks", "accounts", "people"):
                assert getattr(rolled, name) == getattr(raw, name), (period, dept.slug, name)
        rolled_all = _post_figures(organisation, period, rolled=True, monkeypatch=monkeypatch)
        raw_all = _post_figures(organisation, period, rolled=False, monkeypatch=monkeypatch)
        assert rolled_all[:3] == raw_all[:3], period
        assert rolled_all[4]
        assert not raw_all[4]


@pytest.mark.parametrize("seed", [1, 2, 3])
@override_settings(TIME_ZONE=PARIS)
def test_incremental_equals_rebuilt_equals_the_audit_trail(
    seed: int, cast: list[Post], sales: Department, rnd: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    states = {post.pk: "draft" for post in cast}
    for _round in range(6):
        batch = []
        for post in rng.sample(cast, k=6):
            events, states[post.pk] = _events_for(rng, post, states[post.pk], rng.randint(1, 5))
            batch += events
        AuditEvent.objects.bulk_create(batch)
        rollups_advance(now=LATER, chunk=rng.randint(1, 7), chunks=rng.randint(1, 4), lag=NO_LAG)
    periods = _periods(rng)
    # Part folded, part past the watermark.
    _assert_same_figures(periods, [sales, rnd], monkeypatch)
    rollups_advance(now=LATER, chunk=rng.randint(1, 7), lag=NO_LAG)
    incremental = _snapshot()
    assert RollupWatermark.objects.get().last_event_id == post_events_last_id()
    # Everything folded.
    _assert_same_figures(periods, [sales, rnd], monkeypatch)
    rollups_rebuild(now=LATER, chunk=50)
    assert _snapshot() == incremental
    assert StateRepeat.objects.exists() or seed != 1  # the histories do repeat states


def post_events_last_id() -> int:
    return (
        AuditEvent.objects.filter(target_type=POST_TARGET)
        .exclude(to_state="")
        .order_by("-id")
        .values_list("id", flat=True)[0]
    )


def test_the_python_classification_agrees_with_the_report_states(
    sme: User, sales: Department
) -> None:
    """Every (action, from, to) the state machine allows, and a few it does not."""
    triples = {(f"post.{action}", src, to) for (src, action), to in TRANSITIONS.items()}
    triples |= {("post.created", "", "draft"), ("post.approve", "in_review", "in_review")}
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                action=a,
                target_type=POST_TARGET,
                target_id=str(i),
                from_state=f,
                to_state=t,
                department=sales,
            )
            for i, (a, f, t) in enumerate(sorted(triples))
        ]
    )
    events = AuditEvent.objects.filter(target_type=POST_TARGET)
    for key, _label, condition in STATES:
        in_sql = set(events.filter(condition).values_list("action", "from_state", "to_state"))
        in_python = {triple for triple in triples if key in state_keys_of(*triple)}
        assert in_sql == in_python, key


@override_settings(TIME_ZONE=PARIS)
def test_folding_is_idempotent_and_waits_for_the_horizon(cast: list[Post]) -> None:
    events = AuditEvent.objects.filter(target_type=POST_TARGET).exclude(to_state="")
    now = timezone.now()
    # The first run notes the last id (the horizon) and folds nothing: a transaction that took
    # an id before it may not have committed yet. The reports read those events directly.
    assert rollups_advance(now=now) == 0
    mark = RollupWatermark.objects.get()
    assert (mark.last_event_id, mark.horizon_id) == (0, post_events_last_id())
    assert rollups_advance(now=now + FOLD_LAG - timedelta(seconds=1)) == 0
    # Once the horizon is old enough, everything up to it is folded (in chunks).
    assert rollups_advance(now=now + FOLD_LAG, chunk=5) == events.count()
    before = _snapshot()
    assert rollups_advance(now=now + FOLD_LAG * 3) == 0
    assert _snapshot() == before
    assert RollupWatermark.objects.get().last_event_id == post_events_last_id()


def test_a_change_of_reporting_zone_folds_everything_again(cast: list[Post], settings: Any) -> None:
    settings.TIME_ZONE = "UTC"
    rollups_advance(now=LATER, lag=NO_LAG)
    assert RollupWatermark.objects.get().zone == "UTC"
    settings.TIME_ZONE = PARIS
    period = Period(first_day=date(2025, 1, 1), last_day=date(2025, 1, 2), zone=ZONE)
    # Until the next advance, the summaries are not read (their days are UTC's).
    assert not department._post_figures(period, cast[0].department).from_summaries
    rollups_advance(now=LATER, lag=NO_LAG)
    mark = RollupWatermark.objects.get()
    assert mark.zone == PARIS
    assert mark.last_event_id == post_events_last_id()


@override_settings(TIME_ZONE=PARIS)
def test_the_rebuild_command(cast: list[Post], capsys: pytest.CaptureFixture[str]) -> None:
    rollups_advance(now=LATER, lag=NO_LAG)
    folded = _snapshot()
    DailyActivity.objects.update(posts=99)
    call_command("rebuild_rollups")
    assert _snapshot() == folded
    assert "Folded" in capsys.readouterr().out


def test_the_beat_task_is_scheduled(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["dashboards-advance-rollups"]
    assert entry["task"] == "dashboards.advance_rollups"


@override_settings(TIME_ZONE=PARIS)
def test_the_task_advances(cast: list[Post], monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboards import tasks

    monkeypatch.setattr("dashboards.reports.rollups.FOLD_LAG", NO_LAG)
    tasks.advance_rollups()
    assert RollupWatermark.objects.get().last_event_id == post_events_last_id()
    # It folded every transition: the same rows a rebuild writes, and not none.
    folded = _snapshot()
    assert any(folded)
    rollups_rebuild(now=LATER)
    assert _snapshot() == folded


@override_settings(TIME_ZONE=PARIS)
def test_the_pages_say_how_fresh_the_figures_are(
    cast: list[Post], manager: User, org_admin: User, client: Any
) -> None:
    rollups_advance(now=LATER, lag=NO_LAG)
    client.force_login(manager)
    page = client.get("/reports/departments/sales/").content.decode()
    assert "daily summaries brought up to date at" in page
    assert "every transition since read directly" in page
    client.force_login(org_admin)
    assert (
        "daily summaries brought up to date at"
        in client.get("/reports/organisation/").content.decode()
    )
    # A viewer in another zone: the audit trail, and why.
    manager.timezone = "America/New_York"
    manager.save(update_fields=["timezone"])
    client.force_login(manager)
    page = client.get("/reports/departments/sales/").content.decode()
    assert "read from the audit trail" in page
    assert "Europe/Paris" in page


@override_settings(TIME_ZONE=PARIS)
def test_a_fold_between_the_two_reads_is_not_counted_twice(
    cast: list[Post], sales: Department, rnd: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards.reports.activity import rolled

    rng = random.Random(7)
    states = {post.pk: "draft" for post in cast}
    for post in cast:
        events, states[post.pk] = _events_for(rng, post, states[post.pk], 4)
        AuditEvent.objects.bulk_create(events)
    rollups_advance(now=LATER, lag=NO_LAG, chunk=20, chunks=1)
    build = rolled._statement
    calls: list[int] = []

    def fold_first(*args: Any) -> Any:
        if not calls:  # the watermark was read; a fold commits before the statement runs
            rollups_advance(now=LATER, lag=NO_LAG)
        calls.append(args[-1])
        return build(*args)

    monkeypatch.setattr(rolled, "_statement", fold_first)
    period = Period(
        first_day=SPRING - timedelta(days=8), last_day=AUTUMN + timedelta(days=8), zone=ZONE
    )
    found = rolled.rolled_figures(period, department=sales, by=("total",))
    assert len(calls) == 2
    assert calls[0] < calls[1] == post_events_last_id()
    monkeypatch.setattr(rolled, "_statement", build)
    raw = _post_figures(department, period, sales, rolled=False, monkeypatch=monkeypatch)
    assert found.figures["total"][None] == raw.totals
