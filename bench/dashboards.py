"""Department activity at scale: 200,000 posts over 100 departments.

    DJANGO_DEBUG=true .venv/bin/python -m bench.dashboards                 # SQLite, throwaway file
    DJANGO_DEBUG=true .venv/bin/python -m bench.dashboards \\
        --database-url postgres://postgres@127.0.0.1:5432/socialhub_bench_dashboards

Seeds a throwaway database (a SQLite file in a temporary folder, or the PostgreSQL database
named in --database-url, created for the run and dropped afterwards; it must not exist yet)
with bulk_create: departments with 20 members each and one brand account, posts spread over
the past year in every state, with their revisions, decisions and audit trail exactly as the
workflow writes them, and folds the summary rows the activity reports read (as `manage.py
rebuild_rollups` does). Then, in the same process and against the same database, it times:

- a bare authenticated endpoint (session and user loaded, nothing else): the baseline;
- the department activity page (HTML with both charts), default range and a whole year;
- the department activity report endpoint (JSON), default range and a whole year;
- the organisation overview (every department) and its endpoint, and the review queue health
  page;
- the overview and the department page for an org admin whose zone is not the organisation's:
  computed from the audit trail, as every report was before the daily summaries;
- the engagement section alone (publishing.LatestEngagement, one row per published post with
  its latest figures; 5 % of them unavailable): one department over 30 days and a year, and
  the per-department figures of the overview, each behind an authenticated endpoint like the
  bare one.

Each is requested once to warm up and then --repeat times; the median is reported with the
number of queries and the ratio to the bare endpoint.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

POSTS_PER_CHUNK = 5_000

# (event actions in order, final state) by post number modulo 10.
LIFECYCLES: dict[int, tuple[tuple[str, ...], str]] = {
    0: (("created",), "draft"),
    1: (("created",), "draft"),
    2: (("created", "submit"), "in_review"),
    3: (("created", "submit", "request_changes"), "changes_requested"),
    4: (("created", "submit", "reject"), "rejected"),
    5: (("created", "submit", "approve", "publish_now", "mark_published"), "published"),
    6: (("created", "submit", "approve", "publish_now", "mark_published"), "published"),
    7: (("created", "submit", "approve", "publish_now", "mark_published"), "published"),
    8: (("created", "submit", "approve", "publish_now", "mark_published"), "published"),
    9: (("created", "submit", "approve", "publish_now", "mark_failed"), "failed"),
}
TRANSITIONS = {
    "created": ("", "draft"),
    "submit": ("draft", "in_review"),
    "request_changes": ("in_review", "changes_requested"),
    "reject": ("in_review", "rejected"),
    "approve": ("in_review", "approved"),
    "publish_now": ("approved", "publishing"),
    "mark_published": ("publishing", "published"),
    "mark_failed": ("publishing", "failed"),
}
VERDICTS = {"approve": "approve", "request_changes": "changes", "reject": "reject"}


# --- A throwaway database ------------------------------------------------------------------------


@contextmanager
def throwaway_database(database_url: str | None) -> Iterator[str]:
    if not database_url:
        with tempfile.TemporaryDirectory(prefix="socialhub-bench-") as folder:
            os.environ["SOCIALHUB_VAR_DIR"] = folder
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg2

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"Use a plain database name in --database-url, not {name!r}.")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            raise SystemExit(f"Database {name} exists already: the bench only uses a new one.")
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="socialhub-bench-") as folder:
            os.environ["SOCIALHUB_VAR_DIR"] = folder
            yield database_url
    finally:
        from django.db import connections

        connections.close_all()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "socialhub.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Seeding -------------------------------------------------------------------------------------


@contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let bulk_create keep the created_at values we give (auto_now_add would overwrite them)."""
    from activity.models import AuditEvent
    from approvals.models import Decision, Post, Revision

    fields = [
        model._meta.get_field("created_at") for model in (Post, Revision, AuditEvent, Decision)
    ]
    before = [f.auto_now_add for f in fields]  # type: ignore[attr-defined]
    for f in fields:
        f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, value in zip(fields, before, strict=True):
            f.auto_now_add = value  # type: ignore[attr-defined]


def _populate(posts: int, departments: int, members: int) -> dict[str, Any]:
    import random

    from django.db import connection
    from django.utils import timezone

    from accounts import authz
    from accounts import services as account_services
    from accounts.models import Membership, User
    from accounts.roles import OrgRole
    from activity.chain import digest_of
    from activity.models import AuditEvent
    from approvals.models import Decision, Post, Revision
    from channels_app.models import BrandAccount
    from publishing.models import LatestEngagement
    from training.models import Certification, CertificationRequirement, Course

    rng = random.Random(7)
    now = timezone.now()
    depts = [
        account_services.department_create(
            actor=None, name=f"Department {i:03d}", slug=f"department-{i:03d}"
        )
        for i in range(departments)
    ]
    people = User.objects.bulk_create(
        User(email=f"p{i:05d}@bench.test", full_name=f"Person {i:05d}", password="!")  # noqa: S106
        for i in range(departments * members)
    )
    Membership.objects.bulk_create(
        Membership(
            user=person,
            department=depts[i // members],
            role="manager" if i % members == 0 else "member",
        )
        for i, person in enumerate(people)
    )
    accounts = BrandAccount.objects.bulk_create(
        BrandAccount(
            platform="internal",
            handle=f"bench-{d.slug}",
            display_name=f"{d.name} news",
            department=d,
        )
        for d in depts
    )
    for department, account in zip(depts, accounts, strict=True):
        authz.grant_to_group("draft_on", department.group, account)
    course = Course.objects.create(title="Basics", summary="Bench.", is_published=True)
    CertificationRequirement.objects.create(course=course)
    Certification.objects.bulk_create(
        Certification(
            user=person,
            course=course,
            issued_at=now - timedelta(days=30),
            first_issued_at=now - timedelta(days=30),
            expires_at=now + timedelta(days=300),
        )
        for person in people[::2]
    )
    reviewer = User.objects.create_user("comms@bench.test", "bench-password-123")
    account_services.org_role_set(actor=None, user=reviewer, role=OrgRole.COMMS_REVIEWER, held=True)
    admin = User.objects.create_user("admin@bench.test", "bench-password-123")
    account_services.org_role_set(actor=None, user=admin, role=OrgRole.ORG_ADMIN, held=True)
    # An org admin in another zone than the organisation's: the reports compute the post
    # figures from the audit trail for them (the daily summaries count the organisation's days).
    admin_elsewhere = User.objects.create_user(
        "admin-tokyo@bench.test", "bench-password-123", timezone="Asia/Tokyo"
    )
    account_services.org_role_set(
        actor=None, user=admin_elsewhere, role=OrgRole.ORG_ADMIN, held=True
    )

    year = timedelta(days=365)
    with explicit_timestamps():
        for start in range(0, posts, POSTS_PER_CHUNK):
            numbers = range(start, min(posts, start + POSTS_PER_CHUNK))
            plans = []
            for n in numbers:
                d = n % departments
                author = people[d * members + rng.randrange(members)]
                created = now - year + timedelta(seconds=rng.randrange(int(year.total_seconds())))
                actions, state = LIFECYCLES[n % 10]
                times = [created]
                for _ in actions[1:]:
                    times.append(times[-1] + timedelta(minutes=rng.randrange(10, 3 * 24 * 60)))
                times = [min(t, now - timedelta(seconds=1)) for t in times]
                plans.append((d, author, actions, state, times))
            chunk = Post.objects.bulk_create(
                Post(
                    brand_account=accounts[d],
                    department=depts[d],
                    author=author,
                    state=state,
                    created_at=times[0],
                    updated_at=times[-1],
                    submitted_at=times[1] if len(times) > 1 else None,
                    first_submitted_at=times[1] if len(times) > 1 else None,
                    published_at=times[-1] if state == "published" else None,
                )
                for d, author, actions, state, times in plans
            )
            revisions = Revision.objects.bulk_create(
                Revision(
                    post=post,
                    number=1,
                    body="Bench post.",
                    created_by=plan[1],
                    created_at=plan[4][0],
                )
                for post, plan in zip(chunk, plans, strict=True)
            )
            events, decisions = [], []
            for post, revision, (d, author, actions, _state, times) in zip(
                chunk, revisions, plans, strict=True
            ):
                for action, when in zip(actions, times, strict=True):
                    from_state, to_state = TRANSITIONS[action]
                    events.append(
                        AuditEvent(
                            created_at=when,
                            actor=author if action in ("created", "submit") else reviewer,
                            action=f"post.{action}",
                            target_type="approvals.post",
                            target_id=str(post.pk),
                            target_label=f"Post #{post.pk}",
                            department=depts[d],
                            from_state=from_state,
                            to_state=to_state,
                            data={"revision": 1},
                        )
                    )
                    if action in VERDICTS:
                        decisions.append(
                            Decision(
                                post=post,
                                revision=revision,
                                stage="comms",
                                verdict=VERDICTS[action],
                                reviewer=reviewer,
                                note="Bench.",
                                created_at=when,
                            )
                        )
            for event in events:
                # The database chains each row as it is inserted (activity/chain.py).
                event.digest = digest_of(event)
            AuditEvent.objects.bulk_create(events, batch_size=5_000)
            Decision.objects.bulk_create(decisions, batch_size=5_000)
            LatestEngagement.objects.bulk_create(
                (
                    _latest(rng, post, depts[d], accounts[d], author, times[-1])
                    for post, (d, author, _actions, state, times) in zip(chunk, plans, strict=True)
                    if state == "published"
                ),
                batch_size=5_000,
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE approvals_post SET current_revision_id = (SELECT r.id FROM "
                "approvals_revision r WHERE r.post_id = approvals_post.id AND r.number = 1)"
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    manager = User.objects.get(email="p00000@bench.test")  # manages department-000
    return {
        "manager": manager,
        "reviewer": reviewer,
        "admin": admin,
        "admin_elsewhere": admin_elsewhere,
        "events": AuditEvent.objects.count(),
        "latest": LatestEngagement.objects.count(),
    }


def _latest(rng: Any, post: Any, department: Any, account: Any, author: Any, at: Any) -> Any:
    """A published post's latest figures as the collection leaves them (1 in 20 unavailable)."""
    from publishing.models import LatestEngagement

    base = {
        "post": post,
        "department": department,
        "brand_account": account,
        "author": author,
        "published_at": at,
        "step": 2,
        "taken_at": at + timedelta(days=7),
    }
    if rng.randrange(20) == 0:
        return LatestEngagement(**base, unavailable="The platform refused: not permitted.")
    return LatestEngagement(
        **base,
        likes=rng.randrange(200),
        reposts=rng.randrange(40),
        replies=rng.randrange(30),
        quotes=rng.randrange(10),
        views=rng.randrange(20_000),
    )


# --- Timing -------------------------------------------------------------------------------------


def fold_summaries() -> None:
    """Build the activity reports' summary rows, as `manage.py rebuild_rollups` does after a
    deploy (the beat task keeps them current from then on)."""
    from django.db import connection

    from dashboards.reports.rollups import rollups_rebuild

    started = time.perf_counter()
    folded = rollups_rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"folded {folded:,} post transitions into the summary rows in "
        f"{time.perf_counter() - started:.0f} s"
    )


def bare(request: Any) -> Any:
    """The baseline: an authenticated API view that loads the session and the user only."""
    from rest_framework.response import Response

    return Response({"ok": True, "user": request.user.pk})


def _bare_view() -> Any:
    from rest_framework.decorators import api_view

    return api_view(["GET"])(bare)


def engagement_section(request: Any) -> Any:
    """The department page's engagement section alone: access, period, its four queries."""
    from rest_framework.response import Response

    from accounts.permissions import access_department_activity
    from dashboards.reports.api import DepartmentEngagementSerializer
    from dashboards.reports.engagement_figures import department_engagement
    from dashboards.reports.periods import parse_period, viewer_zone

    department = access_department_activity(request.user, request.query_params["department"])
    period = parse_period(request.query_params, zone=viewer_zone(request.user))
    found = department_engagement(department=department, period=period)
    return Response(DepartmentEngagementSerializer(found).data)


def engagement_overview(request: Any) -> Any:
    """The overview's engagement per department alone (one query)."""
    from rest_framework.response import Response

    from accounts import authz
    from dashboards.reports.api import EngagementFiguresSerializer
    from dashboards.reports.engagement_figures import engagement_by_department
    from dashboards.reports.periods import parse_period, viewer_zone

    authz.require(authz.can_see_organisation_activity(request.user), "Org admins only.")
    period = parse_period(request.query_params, zone=viewer_zone(request.user))
    found = engagement_by_department(period=period)
    return Response({str(pk): EngagementFiguresSerializer(f).data for pk, f in found.items()})


def _urlpatterns() -> list[Any]:
    from django.urls import include, path
    from rest_framework.decorators import api_view

    return [
        path("bench/bare/", _bare_view()),
        path("bench/engagement/", api_view(["GET"])(engagement_section)),
        path("bench/engagement-overview/", api_view(["GET"])(engagement_overview)),
        path("", include("socialhub.urls")),
    ]


def __getattr__(name: str) -> Any:
    # ROOT_URLCONF points here during the run: the app's URLs plus the bare endpoint.
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def _slowest(client: Any, url: str) -> list[tuple[float, str]]:
    """Each query of one request with its time (Django's debug cursor records it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    found = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
    return sorted(found, reverse=True)[:3]


def _measure(client: Any, url: str, repeat: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fetch() -> Any:
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        return response

    first = fetch()
    assert first.status_code == 200, (url, first.status_code)
    timings = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = fetch()
            timings.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
        assert response.status_code == 200
    return statistics.median(timings), queries, len(first.content) if not first.streaming else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--departments", type=int, default=100)
    parser.add_argument("--members", type=int, default=20, help="people per department")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default="", help="a new PostgreSQL database to use")
    parser.add_argument("--profile", action="store_true", help="show each page's slowest queries")
    args = parser.parse_args(argv)
    with throwaway_database(args.database_url) as url:
        _setup(url)
        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings
        from django.utils import timezone

        started = time.perf_counter()
        cast = _populate(args.posts, args.departments, args.members)
        print(
            f"seeded {args.posts:,} posts ({cast['events']:,} audit events, "
            f"{cast['latest']:,} published posts' latest figures) over "
            f"{args.departments} departments in {time.perf_counter() - started:.0f} s "
            f"({connection.vendor}, throwaway)"
        )
        fold_summaries()
        year_ago = (timezone.localdate() - timedelta(days=364)).isoformat()
        checks: list[tuple[str, str, str]] = [
            ("manager", "bare authenticated endpoint", "/bench/bare/"),
            ("manager", "department page, last 30 days", "/reports/departments/department-000/"),
            (
                "manager",
                "report endpoint, last 30 days",
                "/api/v1/reports/department-activity/?department=department-000",
            ),
            (
                "manager",
                "department page, one year",
                f"/reports/departments/department-000/?from={year_ago}",
            ),
            (
                "manager",
                "report endpoint, one year",
                f"/api/v1/reports/department-activity/?department=department-000&from={year_ago}",
            ),
            ("admin", "organisation overview, last 30 days", "/reports/organisation/"),
            (
                "admin",
                "organisation report endpoint, 30 days",
                "/api/v1/reports/organisation-activity/",
            ),
            (
                "admin_elsewhere",
                "overview from the audit trail, 30 days",
                "/reports/organisation/",
            ),
            (
                "admin_elsewhere",
                "department page from the audit trail",
                "/reports/departments/department-000/",
            ),
            ("reviewer", "review queue health", "/reports/review-queue/"),
            (
                "manager",
                "engagement section, last 30 days",
                "/bench/engagement/?department=department-000",
            ),
            (
                "manager",
                "engagement section, one year",
                f"/bench/engagement/?department=department-000&from={year_ago}",
            ),
            ("admin", "engagement per department, 30 days", "/bench/engagement-overview/"),
        ]
        clients: dict[str, Any] = {}
        results: list[tuple[str, float, int]] = []
        with override_settings(ROOT_URLCONF="bench.dashboards"):
            for who, label, path in checks:
                if who not in clients:
                    clients[who] = Client(SERVER_NAME="localhost")
                    clients[who].force_login(cast[who])
                seconds, queries, _size = _measure(clients[who], path, args.repeat)
                results.append((label, seconds, queries))
                if args.profile:
                    for spent, sql in _slowest(clients[who], path):
                        print(f"  {label}: {spent * 1000:.0f} ms  {sql[:300]}")
        baseline = results[0][1]
        for label, seconds, queries in results:
            print(
                f"{label:38s} {seconds * 1000:8.1f} ms  {queries:3d} queries  "
                f"x{seconds / baseline:6.1f} the bare endpoint"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
