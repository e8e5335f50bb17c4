"""Engagement at scale: reading back the figures of 10,000 published posts.

    DJANGO_DEBUG=true .venv/bin/python -m bench.engagement                 # SQLite, throwaway file
    DJANGO_DEBUG=true .venv/bin/python -m bench.engagement \\
        --database-url postgres://postgres@127.0.0.1:5432/socialhub_bench_engagement

On a throwaway database (as bench.dashboards makes it), --posts published posts on an X account
whose API is the local stand-in the connector tests use (the real connector, its real HTTP,
100 posts a call), and as many on an internal-feed account (no HTTP: SocialHub's own share
alone). One collection run (publishing.engagement.engagement_collect) reads them all; it is
timed with its SQL statements counted, the time split into the platform's share (the HTTP round
trips) and SocialHub's. A second run at the same moment must read nothing.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import timedelta
from typing import Any

from bench.dashboards import _setup, throwaway_database


def seed(posts: int) -> tuple[Any, Any, Any]:
    from django.test.utils import override_settings
    from django.utils import timezone
    from pytest_httpserver import HTTPServer

    from accounts import services as account_services
    from accounts.models import User
    from approvals.models import Post, PostState, Revision
    from approvals.tests.factories import make_account
    from channels_app import connectors
    from channels_app import services as channel_services
    from channels_app.connectors.x import XConnector
    from channels_app.tests.peers.http_platforms import FakeX

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    fake = FakeX(server).install()
    override_settings(SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS=True).enable()
    connectors._instances["x"] = XConnector(
        api_base_url=fake.url, token_url=f"{fake.url}/2/oauth2/token"
    )
    department = account_services.department_create(actor=None, name="Sales", slug="sales")
    author = User.objects.create_user("author@bench.test", "bench-password-123")
    on_x = make_account(department, platform="x", handle="@acme")
    channel_services.brand_account_set_credentials(
        actor=None, account=on_x, credentials=fake.credentials()
    )
    internal = make_account(department, platform="internal", handle="sales-feed")
    published = timezone.now() - timedelta(hours=2)
    index: dict[str, dict[str, Any]] = {}
    rows = []
    for n in range(posts):
        post_id = str(1_800_000_000_000_000_000 + n)
        entry = {"id": post_id, "text": f"Bench post {n}"}
        index[post_id] = entry
        fake.metrics[post_id] = {"like_count": n % 50, "impression_count": n}
        rows.append((on_x, post_id))
    # The stand-in finds a post by id in a dict here (its list scan is for small tests).
    fake._find = index.get  # type: ignore[method-assign,assignment]
    from publishing.models import FeedEntry

    entries = FeedEntry.objects.bulk_create(
        FeedEntry(
            brand_account=internal,
            department=department,
            text=f"Feed {n}",
            idempotency_key=uuid.uuid4().hex,
            published_at=published,
        )
        for n in range(posts)
    )
    rows += [(internal, str(entry.pk)) for entry in entries]
    made = Post.objects.bulk_create(
        Post(
            brand_account=account,
            department=department,
            author=author,
            state=PostState.PUBLISHED,
            published_at=published,
            external_id=external_id,
        )
        for account, external_id in rows
    )
    Revision.objects.bulk_create(
        Revision(post=post, number=1, body="Bench", created_by=author) for post in made
    )
    return server, fake, timezone.now()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000, help="posts on each account")
    parser.add_argument("--database-url", default="", help="a new PostgreSQL database to use")
    args = parser.parse_args(argv)
    with throwaway_database(args.database_url) as url:
        _setup(url)
        import logging

        import requests
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from publishing.engagement import engagement_collect
        from publishing.models import EngagementSnapshot

        logging.getLogger("channels_app.connectors").setLevel(logging.WARNING)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        started = time.perf_counter()
        server, _fake, now = seed(args.posts)
        total = 2 * args.posts
        print(
            f"seeded {total:,} published posts in {time.perf_counter() - started:.0f} s "
            f"({connection.vendor}, throwaway)",
            flush=True,
        )
        waiting = [0.0, 0]
        real_send = requests.Session.send

        def timed_send(self: Any, *a: Any, **kw: Any) -> Any:
            begun = time.perf_counter()
            try:
                return real_send(self, *a, **kw)
            finally:
                waiting[0] += time.perf_counter() - begun
                waiting[1] += 1

        requests.Session.send = timed_send  # type: ignore[method-assign]
        try:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                report = engagement_collect(now=now, limit=total)
                seconds = time.perf_counter() - started
        finally:
            requests.Session.send = real_send  # type: ignore[method-assign]
            server.stop()
        stored = EngagementSnapshot.objects.filter(unavailable="").count()
        assert stored == total == report.stored, (stored, total, report)
        ours = seconds - waiting[0]
        statements = len(captured.captured_queries)
        print(
            f"collect: {report.stored:,} posts read in {seconds:.1f} s "
            f"({report.stored / seconds:,.0f} posts/s), {report.calls} connector calls, "
            f"{statements:,} SQL statements ({statements / total:.3f} a post)\n"
            f"  platform's share (X stand-in): {waiting[0]:.1f} s in {waiting[1]} HTTP calls\n"
            f"  SocialHub's share: {ours:.1f} s ({ours / total * 1000:.3f} ms a post)"
        )
        again = engagement_collect(now=now, limit=total)
        assert again.claimed == 0
        print(f"second run at the same moment: {again.claimed} posts read")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
