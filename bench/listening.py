"""Listening at scale: a stream of 10,000 matches stored page by page, then its page and its
matches endpoint.

    DJANGO_DEBUG=true .venv/bin/python -m bench.listening                  # SQLite, throwaway file
    DJANGO_DEBUG=true .venv/bin/python -m bench.listening \\
        --database-url postgres://postgres@127.0.0.1:5432/socialhub_bench_listening

On a throwaway database (as bench.dashboards makes it):

1. store: --matches public posts handed to collection.store_matches in pages of 100 (the
   largest page a connector returns), each page in its own transaction as a read stores it;
   time and SQL statements a match. The platform is left out (the connectors' HTTP is measured
   by the collection tests and bench.inbox): this is SocialHub's share. Storing the same pages
   again must store nothing;
2. read: the stream page, the matches endpoint (newest first, filtered by a term, a page far
   down) against a bare authenticated endpoint in the same run, with their query counts.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from typing import Any

from bench.dashboards import _measure, _setup, throwaway_database

PAGE = 100


def store(count: int) -> tuple[Any, Any]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts import services as account_services
    from accounts.models import User
    from approvals.tests.factories import make_account
    from channels_app.connectors import IncomingItem, IncomingKind, IncomingPage
    from listening.collection import store_matches
    from listening.models import ListeningStream, StreamMatch, StreamTerm

    department = account_services.department_create(actor=None, name="Sales", slug="sales")
    account = make_account(department, platform="mastodon", handle="@acme@mastodon.example")
    stream = ListeningStream.objects.create(name="Widget talk", department=department)
    stream.accounts.add(account)
    hashtag = StreamTerm.objects.create(stream=stream, kind="hashtag", value="widgets")
    StreamTerm.objects.create(stream=stream, kind="keyword", value="gizmo")
    now = timezone.now()
    pages = [
        IncomingPage(
            items=tuple(
                IncomingItem(
                    platform_item_id=f"{n:08d}",
                    kind=IncomingKind.POST,
                    thread_key=f"{n:08d}",
                    text=f"Post {n} about #widgets and how they hold up after a month of use.",
                    created_at=now - timedelta(minutes=count - n),
                    author_id=f"{n % 997}",
                    author_handle=f"@fan{n % 997}@mastodon.example",
                    author_name=f"Fan {n % 997}",
                    author_url=f"https://mastodon.example/@fan{n % 997}",
                    url=f"https://mastodon.example/@fan{n % 997}/{n}",
                )
                for n in range(start, min(count, start + PAGE))
            ),
            cursor=str(start),
        )
        for start in range(0, count, PAGE)
    ]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        stored = 0
        for page in pages:
            with transaction.atomic():
                stored += store_matches(hashtag, account, page, now=now)
    seconds = time.perf_counter() - started
    assert stored == count == StreamMatch.objects.filter(stream=stream).count()
    statements = len(captured.captured_queries)
    print(
        f"store: {stored:,} matches in {len(pages)} pages, {seconds:.2f} s "
        f"({stored / seconds:,.0f} matches/s, {seconds / stored * 1000:.3f} ms a match), "
        f"{statements} SQL statements ({statements / stored:.3f} a match)"
    )
    started = time.perf_counter()
    again = 0
    for page in pages:
        with transaction.atomic():
            again += store_matches(hashtag, account, page, now=now)
    print(f"store again: {again} new matches ({time.perf_counter() - started:.2f} s)")
    reader = User.objects.create_user("sales@bench.test", "bench-password-123")
    account_services.membership_add_existing(
        actor=None, user=reader, department=department, role="manager"
    )
    return stream, reader


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--matches", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default="", help="a new PostgreSQL database to use")
    args = parser.parse_args(argv)
    with throwaway_database(args.database_url) as url:
        _setup(url)
        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings

        stream, reader = store(args.matches)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        term = stream.terms.get(kind="hashtag")
        api = f"/api/v1/listening/streams/{stream.pk}/matches/"
        checks = [
            ("bare authenticated endpoint", "/bench/bare/"),
            ("stream page", f"/listening/{stream.pk}/"),
            ("stream page, page 100", f"/listening/{stream.pk}/?page=100"),
            ("matches API, newest 100", f"{api}?limit=100"),
            ("matches API, by term", f"{api}?limit=100&term={term.pk}"),
            ("matches API, offset 9,000", f"{api}?limit=100&offset=9000"),
            ("streams API", "/api/v1/listening/streams/"),
        ]
        client = Client(SERVER_NAME="localhost")
        client.force_login(reader)
        results = []
        with override_settings(ROOT_URLCONF="bench.dashboards"):
            for label, path in checks:
                seconds, queries, _size = _measure(client, path, args.repeat)
                results.append((label, seconds, queries))
        baseline = results[0][1]
        print(f"read ({connection.vendor}, {args.matches:,} matches in the stream):")
        for label, seconds, queries in results:
            print(
                f"  {label:28s} {seconds * 1000:8.1f} ms  {queries:3d} queries  "
                f"x{seconds / baseline:6.1f} the bare endpoint"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
