"""The inbox at scale: ingesting 10,000 items from mastodon-mock, and the list over 100,000
conversations.

    DJANGO_DEBUG=true .venv/bin/python -m bench.inbox                      # SQLite, throwaway file
    DJANGO_DEBUG=true .venv/bin/python -m bench.inbox \\
        --database-url postgres://postgres@127.0.0.1:5432/socialhub_bench_inbox

On a throwaway database (as bench.dashboards makes it):

1. ingest: starts mastodon-mock (the peer the connector tests use), has --authors other
   accounts write --items mentions to the brand, then times the polls that store them all
   (page after page, the connector's real HTTP, one transaction per page) and checks every item
   is stored once; a second poll must store 0. The time is split into the platform's share
   (the HTTP round trips, mastodon-mock serving its pages) and SocialHub's (the rest: parsing,
   grouping, storing). mastodon-mock recounts each author's statuses for every status it
   serves, so one author writing all of them (--authors 1) makes its pages slower the more
   there are; real mentions come from many people;
2. list: bulk-creates --conversations conversations and times the inbox endpoint and page
   (newest first, a filter, a search) against a bare authenticated endpoint in the same run,
   with their query counts.
"""

from __future__ import annotations

import argparse
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.dashboards import _measure, _setup, throwaway_database

PEER_DOMAIN = "mastodon.example"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_mastodon(
    folder: Path, authors: int = 1
) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    import requests

    accounts = {"acme": "Acme Corp"}
    accounts.update({f"fan{n}": f"Fan {n}" for n in range(authors)})
    tokens = {name: secrets.token_urlsafe(32) for name in accounts}
    seeds = "".join(
        f'\n[[seed.accounts]]\nusername = "{name}"\ndisplay_name = "{label}"\n'
        f'access_token = "{tokens[name]}"\n'
        for name, label in accounts.items()
    )
    config = folder / "mastodon_mock.toml"
    config.write_text(
        f'title = "Bench"\ndomain = "{PEER_DOMAIN}"\n[database]\npath = ":memory:"\n{seeds}'
    )
    port = _free_port()
    log = (folder / "mastodon.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            *(sys.executable, "-m", "mastodon_mock", "serve", "--config", str(config)),
            *("--host", "127.0.0.1", "--port", str(port), "--in-memory"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/v1/instance", timeout=1).status_code == 200:
                return process, url, tokens
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("mastodon-mock did not start")


def ingest(items: int, authors: int, folder: Path) -> None:
    import requests
    from django.test.utils import override_settings

    from accounts import services as account_services
    from approvals.tests.factories import make_account
    from channels_app import services as channel_services
    from inbox import ingestion
    from inbox.models import InboxItem

    process, url, tokens = _start_mastodon(folder, authors)
    try:
        department = account_services.department_create(actor=None, name="Sales", slug="sales")
        account = make_account(department, platform="mastodon", handle=f"@acme@{PEER_DOMAIN}")
        credentials = {"instance_url": url, "access_token": tokens["acme"]}
        # The local peer speaks plain http on loopback, which production refuses.
        local_peer = override_settings(SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS=True)
        local_peer.enable()
        channel_services.brand_account_set_credentials(
            actor=None, account=account, credentials=credentials
        )
        session = requests.Session()

        def write(n: int) -> str:
            answer = session.post(
                f"{url}/api/v1/statuses",
                headers={"Authorization": f"Bearer {tokens[f'fan{n % authors}']}"},
                json={"status": f"@acme question number {n}"},
                timeout=30,
            )
            answer.raise_for_status()
            return str(answer.json()["id"])

        write(-1)
        ingestion.account_poll(account=account)  # the first poll marks where to start
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            written = set(pool.map(write, range(items)))
        print(
            f"mastodon-mock: {items:,} mentions by {authors:,} author(s) written in "
            f"{time.perf_counter() - started:.0f} s (seeding, not timed)",
            flush=True,
        )

        # The platform's share: every HTTP round trip the connector makes (mastodon-mock
        # serving the page, and the bytes on loopback).
        waiting = [0.0, 0]
        real_send = requests.Session.send

        def timed_send(self: Any, *args: Any, **kwargs: Any) -> Any:
            begun = time.perf_counter()
            try:
                return real_send(self, *args, **kwargs)
            finally:
                waiting[0] += time.perf_counter() - begun
                waiting[1] += 1

        requests.Session.send = timed_send  # type: ignore[method-assign]
        started = time.perf_counter()
        stored = pages = 0
        while True:
            report = ingestion.account_poll(account=account, max_pages=100_000)
            stored += report.stored
            pages += report.pages
            if report.stored == 0:
                break
        seconds = time.perf_counter() - started
        requests.Session.send = real_send  # type: ignore[method-assign]
        in_db = set(
            InboxItem.objects.filter(brand_account=account).values_list(
                "platform_item_id", flat=True
            )
        )
        assert written <= in_db, f"{len(written - in_db)} items missing"
        assert InboxItem.objects.filter(brand_account=account).count() == len(in_db)
        ours = seconds - waiting[0]
        print(
            f"ingest: {stored:,} items in {pages} pages, {seconds:.1f} s "
            f"({stored / seconds:,.0f} items/s); every item stored once\n"
            f"  platform's share: {waiting[0]:.1f} s in {waiting[1]} HTTP calls "
            f"({waiting[0] / max(waiting[1], 1) * 1000:.0f} ms a call)\n"
            f"  SocialHub's share: {ours:.1f} s ({ours / max(stored, 1) * 1000:.2f} ms an item)"
        )
        again = ingestion.account_poll(account=account)
        assert again.stored == 0
        print(f"second poll: {again.stored} new items ({again.pages} page)")
    finally:
        process.terminate()
        process.wait(timeout=10)


def populate_conversations(count: int) -> Any:
    import random

    from django.db import connection
    from django.utils import timezone

    from accounts import services as account_services
    from accounts.models import Department, Membership, User
    from accounts.roles import OrgRole
    from channels_app.models import BrandAccount
    from inbox.models import Conversation

    rng = random.Random(13)
    now = timezone.now()
    sales = Department.objects.get(slug="sales")
    account = BrandAccount.objects.get(platform="mastodon")
    triager = User.objects.create_user("triage@bench.test", "bench-password-123")
    account_services.org_role_set(actor=None, user=triager, role=OrgRole.TRIAGE, held=True)
    Membership.objects.create(user=triager, department=sales)
    states = [("new", ""), ("triaged", "public_response"), ("triaged", "customer_service")]
    states += [("closed", "no_response")]
    for start in range(0, count, 10_000):
        batch = []
        for n in range(start, min(count, start + 10_000)):
            state, outcome = states[n % len(states)]
            at = now - timedelta(seconds=rng.randrange(90 * 24 * 3600))
            batch.append(
                Conversation(
                    brand_account=account,
                    platform="mastodon",
                    thread_key=f"bench-{n}",
                    subject=f"@acme bench question {n}",
                    author_handle=f"@person{n % 997}@{PEER_DOMAIN}",
                    author_name=f"Person {n % 997}",
                    state=state,
                    outcome=outcome,
                    no_response_reason="spam" if outcome == "no_response" else "",
                    department=sales
                    if outcome in ("public_response", "customer_service")
                    else None,
                    # Some claimed by the triager, for the "mine" tab.
                    owner=triager if state == "triaged" and n % 10 < 3 else None,
                    item_count=1,
                    first_item_at=at,
                    last_item_at=at,
                    triaged_at=at if state != "new" else None,
                    closed_at=at if state == "closed" else None,
                )
            )
        Conversation.objects.bulk_create(batch)
    # Planner statistics, as a deployment keeps them (autovacuum on PostgreSQL; on SQLite,
    # without them, the breached filter sorts every match instead of walking the newest).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return triager


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--authors", type=int, default=100, help="accounts writing the items")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default="", help="a new PostgreSQL database to use")
    args = parser.parse_args(argv)
    with throwaway_database(args.database_url) as url, tempfile.TemporaryDirectory() as folder:
        _setup(url)
        import logging

        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings

        logging.getLogger("channels_app.connectors").setLevel(logging.WARNING)
        ingest(args.items, args.authors, Path(folder))
        started = time.perf_counter()
        triager = populate_conversations(args.conversations)
        print(
            f"seeded {args.conversations:,} conversations in "
            f"{time.perf_counter() - started:.0f} s ({connection.vendor}, throwaway)"
        )
        checks = [
            ("bare authenticated endpoint", "/bench/bare/"),
            ("inbox API, all, newest first", "/api/v1/inbox/conversations/?tab=all"),
            ("inbox API, oldest first", "/api/v1/inbox/conversations/?tab=all&ordering=oldest"),
            ("inbox API, new ones", "/api/v1/inbox/conversations/?tab=new"),
            ("inbox API, search", "/api/v1/inbox/conversations/?tab=all&q=person42"),
            ("inbox API, breached", "/api/v1/inbox/conversations/?tab=all&breached=true"),
            ("inbox API, not breached", "/api/v1/inbox/conversations/?tab=all&breached=false"),
            ("inbox API, mine", "/api/v1/inbox/conversations/?tab=mine"),
            ("inbox page, all", "/inbox/?tab=all"),
        ]
        client = Client(SERVER_NAME="localhost")
        client.force_login(triager)
        results = []
        with override_settings(ROOT_URLCONF="bench.dashboards"):
            for label, path in checks:
                seconds, queries, _size = _measure(client, path, args.repeat)
                results.append((label, seconds, queries))
        baseline = results[0][1]
        for label, seconds, queries in results:
            print(
                f"{label:32s} {seconds * 1000:8.1f} ms  {queries:3d} queries  "
                f"x{seconds / baseline:6.1f} the bare endpoint"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
