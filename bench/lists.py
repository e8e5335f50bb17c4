"""List pages at organisation scale: 10, 100 and 1,000 posts waiting for review and scheduled.

    DJANGO_DEBUG=true .venv/bin/python -m bench.lists                 # SQLite, throwaway file
    DJANGO_DEBUG=true .venv/bin/python -m bench.lists \\
        --database-url postgres://postgres@127.0.0.1:5432/socialhub_bench_lists

Seeds a throwaway database (as bench.dashboards does: a SQLite file in a temporary folder, or
the new PostgreSQL database named in --database-url, dropped afterwards) with bulk_create: one
department, one account, N posts in review (half of them also need legal, and the comms reviewer
measured already approved half of those: the queue must leave them out) and N scheduled posts
spread over the current month. For N = 10, 100 and 1,000 it times, as the comms reviewer or the
author:

- the review queue (/review/), the scheduled posts (/posts/?state=scheduled), the month
  calendar (/calendar/?view=month), a week of it (every post of the week: about a quarter of
  the scheduled ones) and the REST posts list (/api/v1/posts/).

On PostgreSQL every N is measured before ANALYZE (autovacuum is off for the bench's tables,
so the planner has no statistics at all, as on a new or freshly restored database), then
N = 1,000 once more after ANALYZE. --page-size sets SOCIALHUB_PAGE_SIZE for the run;
--all-rows shows every row on one page and every post on each day of the month, as the pages
did before they were paged; --explain prints the plan of the review queue's query at each N.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time as timer
from datetime import datetime, time, timedelta
from typing import Any

from bench.dashboards import _measure, _setup, throwaway_database

SIZES = (10, 100, 1_000)
TABLES = ("approvals_post", "approvals_revision", "approvals_decision")


def _cast() -> dict[str, Any]:
    from accounts import authz
    from accounts import services as account_services
    from accounts.models import User
    from accounts.roles import OrgRole
    from channels_app.models import BrandAccount

    sales = account_services.department_create(actor=None, name="Sales", slug="sales")
    comms = account_services.department_create(actor=None, name="Comms", slug="comms")
    author = User.objects.create_user("sme@bench.test", "bench-password-123")
    account_services.membership_add_existing(
        actor=None, user=author, department=sales, role="member"
    )
    reviewer = User.objects.create_user("comms@bench.test", "bench-password-123")
    account_services.membership_add_existing(
        actor=None, user=reviewer, department=comms, role="member"
    )
    account_services.org_role_set(actor=None, user=reviewer, role=OrgRole.COMMS_REVIEWER, held=True)
    legal = User.objects.create_user("legal@bench.test", "bench-password-123")
    account_services.org_role_set(actor=None, user=legal, role=OrgRole.LEGAL_REVIEWER, held=True)
    account = BrandAccount.objects.create(
        platform="internal", handle="bench-sales", display_name="Sales news", department=sales
    )
    authz.grant_to_group("draft_on", sales.group, account)
    for perm in ("review_on", "publish_on"):
        authz.grant_to_group(perm, comms.group, account)
    return {"author": author, "reviewer": reviewer, "legal": legal, "account": account}


def _add_posts(cast: dict[str, Any], count: int, month: list[datetime]) -> None:
    """count more posts in review and count more scheduled (over the month's days, 10:00 on)."""
    from django.db import connection
    from django.utils import timezone

    from approvals.models import Decision, Post, Revision

    now = timezone.now()
    account, author, reviewer = cast["account"], cast["author"], cast["reviewer"]
    waiting = [
        Post(
            brand_account=account,
            department=account.department,
            author=author,
            state="in_review",
            legal_required=n % 2 == 0,
            submitted_at=now - timedelta(minutes=n + 1),
            first_submitted_at=now - timedelta(minutes=n + 1),
        )
        for n in range(count)
    ]
    scheduled = [
        Post(
            brand_account=account,
            department=account.department,
            author=author,
            state="scheduled",
            submitted_at=now - timedelta(days=1),
            first_submitted_at=now - timedelta(days=1),
            approved_at=now - timedelta(hours=1),
            scheduled_at=month[n % len(month)] + timedelta(minutes=n // len(month)),
            scheduled_by=reviewer,
        )
        for n in range(count)
    ]
    posts = Post.objects.bulk_create([*waiting, *scheduled])
    revisions = Revision.objects.bulk_create(
        Revision(post=post, number=1, body=f"Bench post {post.pk}.", created_by=author)
        for post in posts
    )
    decisions = []
    for post, revision in zip(posts, revisions, strict=True):
        # Scheduled posts were approved; of the waiting ones needing legal, every other one has
        # the comms reviewer's approval already (only legal is pending: not in their queue).
        if post.state == "scheduled" or (post.legal_required and post.pk % 4 < 2):
            decisions.append(
                Decision(
                    post=post,
                    revision=revision,
                    stage="comms",
                    verdict="approve",
                    reviewer=reviewer,
                    note="Bench.",
                )
            )
    Decision.objects.bulk_create(decisions)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE approvals_post SET current_revision_id = (SELECT r.id FROM "
            "approvals_revision r WHERE r.post_id = approvals_post.id AND r.number = 1) "
            "WHERE current_revision_id IS NULL"
        )


def _queue_ms(cast: dict[str, Any]) -> float:
    """The review queue's query alone, every row read (median of 5), in ms."""
    from approvals import selectors

    timings = []
    for _ in range(5):
        started = timer.perf_counter()
        list(selectors.review_queue(user=cast["reviewer"], filters={}).values_list("pk"))
        timings.append(timer.perf_counter() - started)
    return statistics.median(timings) * 1000


def _queue_plan(reviewer: Any) -> str:
    from approvals import selectors

    return selectors.review_queue(user=reviewer, filters={}).explain()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="", help="a new PostgreSQL database to use")
    parser.add_argument("--page-size", type=int, default=0, help="SOCIALHUB_PAGE_SIZE for the run")
    parser.add_argument("--all-rows", action="store_true", help="no pages, no +N more")
    parser.add_argument("--explain", action="store_true", help="print the review queue's plan")
    args = parser.parse_args(argv)
    with throwaway_database(args.database_url) as url:
        _setup(url)
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings
        from django.utils import timezone

        from approvals import content_calendar

        page_size = args.page_size or settings.SOCIALHUB_PAGE_SIZE
        if args.all_rows:
            page_size = 1_000_000
            content_calendar.MONTH_POSTS_PER_DAY = 1_000_000
        postgres = connection.vendor == "postgresql"
        if postgres:
            with connection.cursor() as cursor:
                for table in TABLES:
                    cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        cast = _cast()
        today = timezone.localdate()
        first = today.replace(day=1)
        zone = timezone.get_current_timezone()
        month = [
            datetime.combine(first + timedelta(days=d), time(10), tzinfo=zone) for d in range(28)
        ]
        checks = [
            ("reviewer", "review queue", "/review/"),
            ("author", "scheduled posts", "/posts/?state=scheduled"),
            ("author", "calendar, month", f"/calendar/?view=month&date={today:%Y-%m-%d}"),
            ("author", "calendar, week", f"/calendar/?date={first + timedelta(days=7):%Y-%m-%d}"),
            ("author", "REST posts list", "/api/v1/posts/"),
        ]
        clients: dict[str, Any] = {}
        for who in ("reviewer", "author"):
            clients[who] = Client(SERVER_NAME="localhost")
            clients[who].force_login(cast[who])
        print(
            f"{connection.vendor}, SOCIALHUB_PAGE_SIZE={page_size}, "
            f"{content_calendar.MONTH_POSTS_PER_DAY} posts a day in the month, "
            f"median of {args.repeat}"
        )
        seeded = 0

        def measure(size: int, label: str) -> None:
            if args.explain and postgres:
                print(f"-- review queue plan, N={size:,} {label}")
                print(_queue_plan(cast["reviewer"]))
            print(f"N={size:<6,} {'queue query alone':18s} {label:15s} {_queue_ms(cast):8.1f} ms")
            for who, name, path in checks:
                seconds, queries, _size = _measure(clients[who], path, args.repeat)
                print(
                    f"N={size:<6,} {name:18s} {label:15s} {seconds * 1000:8.1f} ms  "
                    f"{queries:3d} queries"
                )

        with override_settings(SOCIALHUB_PAGE_SIZE=page_size):
            # No ANALYZE until every size was measured: the planner has no statistics at all,
            # as on a new or freshly restored database.
            for size in SIZES:
                _add_posts(cast, size - seeded, month)
                seeded = size
                measure(size, "before ANALYZE" if postgres else "")
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                measure(seeded, "after ANALYZE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
