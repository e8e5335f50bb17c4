"""Every list page and dashboard at organisation scale, against the bare authenticated endpoint.

    DJANGO_DEBUG=true .venv/bin/python -m bench.pages                    # 200,000 posts, SQLite
    DJANGO_DEBUG=true .venv/bin/python -m bench.pages --posts 5000       # a quick run
    DJANGO_DEBUG=true .venv/bin/python -m bench.pages \\
        --database-url postgres://postgres@127.0.0.1:5432/socialhub_bench_pages

Seeds a throwaway database exactly as bench.dashboards does (100 departments of 20 people, one
brand account each, the posts spread over the past year in every state with their revisions,
decisions and audit trail; --posts scales it down), then requests each page once to warm up and
--repeat times, as the person who would open it: the comms reviewer (review queue and its
endpoint, queue health, the inbox), a department manager (their posts, every post they see, the
calendar's week and month, notifications, the internal feed, department activity and its report
endpoint, the REST post list) and an organisation admin (organisation overview and its endpoint,
training matrix).
Prints each page's median time, queries, and its ratio to the bare authenticated endpoint
(session and user loaded, nothing else) measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench.dashboards import _measure, _populate, _setup, fold_summaries, throwaway_database

# (who, label, path); the first is the baseline.
PAGES: list[tuple[str, str, str]] = [
    ("manager", "bare authenticated endpoint", "/bench/bare/"),
    ("reviewer", "review queue", "/review/"),
    ("reviewer", "review queue endpoint", "/api/v1/review-queue/"),
    ("manager", "my posts", "/posts/"),
    ("manager", "every post I see", "/posts/?scope=all"),
    ("manager", "posts endpoint", "/api/v1/posts/"),
    ("manager", "calendar, week", "/calendar/?view=week"),
    ("manager", "calendar, month", "/calendar/?view=month"),
    ("manager", "notifications", "/notifications/"),
    ("manager", "notifications endpoint", "/api/v1/notifications/"),
    ("manager", "internal feed", "/feed/"),
    ("admin", "training matrix", "/training/certifications/"),
    ("manager", "department activity", "/reports/departments/department-000/"),
    (
        "manager",
        "department report endpoint",
        "/api/v1/reports/department-activity/?department=department-000",
    ),
    ("admin", "organisation overview", "/reports/organisation/"),
    ("admin", "organisation report endpoint", "/api/v1/reports/organisation-activity/"),
    ("reviewer", "review queue health", "/reports/review-queue/"),
    ("reviewer", "queue health endpoint", "/api/v1/reports/review-queue-health/"),
    ("reviewer", "inbox", "/inbox/"),
]


def run(posts: int, departments: int, members: int, repeat: int, database_url: str) -> int:
    """Seed, measure and print; the exit status is 1 when a page did not answer 200."""
    with throwaway_database(database_url) as url:
        _setup(url)
        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings

        started = time.perf_counter()
        cast = _populate(posts, departments, members)
        print(
            f"seeded {posts:,} posts ({cast['events']:,} audit events) over {departments} "
            f"departments in {time.perf_counter() - started:.0f} s ({connection.vendor}, throwaway)"
        )
        fold_summaries()
        clients: dict[str, Any] = {}
        results: list[tuple[str, str, float, int]] = []
        failed = 0
        with override_settings(ROOT_URLCONF="bench.dashboards"):
            for who, label, path in PAGES:
                if who not in clients:
                    clients[who] = Client(SERVER_NAME="localhost")
                    clients[who].force_login(cast[who])
                try:
                    seconds, queries, _size = _measure(clients[who], path, repeat)
                except AssertionError as exc:
                    failed = 1
                    results.append((label, path, float("nan"), -1))
                    print(f"{label}: {path} did not answer 200 ({exc})", file=sys.stderr)
                    continue
                results.append((label, path, seconds, queries))
        baseline = results[0][2]
        print(f"{'page':30s} {'median ms':>10s} {'queries':>8s} {'x bare':>8s}  path")
        for label, path, seconds, queries in results:
            if queries < 0:
                print(f"{label:30s} {'failed':>10s} {'':>8s} {'':>8s}  {path}")
                continue
            print(
                f"{label:30s} {seconds * 1000:10.1f} {queries:8d} {seconds / baseline:8.1f}  {path}"
            )
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--departments", type=int, default=100)
    parser.add_argument("--members", type=int, default=20, help="people per department")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default="", help="a new PostgreSQL database to use")
    args = parser.parse_args(argv)
    return run(args.posts, args.departments, args.members, args.repeat, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
