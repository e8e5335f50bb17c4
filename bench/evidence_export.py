"""Evidence export and audit-chain verification at scale: 200,000 posts (about 700,000 audit
events), seeded like bench.dashboards.

    DJANGO_DEBUG=true .venv/bin/python -m bench.evidence_export                 # SQLite
    DJANGO_DEBUG=true .venv/bin/python -m bench.evidence_export \\
        --database-url postgres://postgres@127.0.0.1:5432/socialhub_bench_evidence

Seeds a throwaway database with bench.dashboards' seeding (every audit event chained by the
database as it is inserted), then, in the same process:

- verifies the whole audit chain (`audit_verify`'s check): time and peak Python memory;
- downloads the evidence export of the whole year as legal does (the page's POST, every byte
  of the streamed ZIP read and written to a temporary file): time, size, peak Python memory;
- checks that ZIP against its manifest (`evidence_verify`'s check): time.

Peak memory is measured with tracemalloc in a second run of each step (tracemalloc slows the
code it watches, so the timings come from the first run, without it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.dashboards import _populate, _setup, throwaway_database


def _timed(step: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def _peak(step: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--departments", type=int, default=100)
    parser.add_argument("--members", type=int, default=20, help="people per department")
    parser.add_argument("--database-url", default="", help="a new PostgreSQL database to use")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args(argv)
    with throwaway_database(args.database_url) as url:
        _setup(url)
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from accounts import services as account_services
        from accounts.models import User
        from accounts.roles import OrgRole
        from activity.chain import chain_verify
        from dashboards.governance.evidence import evidence_zip_verify

        started = time.perf_counter()
        cast = _populate(args.posts, args.departments, args.members)
        print(
            f"seeded {args.posts:,} posts ({cast['events']:,} audit events) over "
            f"{args.departments} departments in {time.perf_counter() - started:.0f} s "
            f"({connection.vendor}, throwaway)"
        )
        legal = User.objects.create_user("legal@bench.test", "bench-password-123")
        account_services.org_role_set(
            actor=None, user=legal, role=OrgRole.LEGAL_REVIEWER, held=True
        )

        seconds, report = _timed(chain_verify)
        assert report.ok, report.mismatch
        print(
            f"audit chain verified: {report.checked:,} events in {seconds:.1f} s "
            f"({report.checked / seconds:,.0f} events/s)"
        )
        if not args.no_memory:
            print(f"  peak Python memory {_peak(chain_verify) / 2**20:.1f} MiB")

        client = Client(SERVER_NAME="localhost")
        client.force_login(legal)
        today = timezone.now().date()
        form = {"from": (today - timedelta(days=366)).isoformat(), "to": today.isoformat()}
        with tempfile.TemporaryDirectory(prefix="socialhub-evidence-") as folder:
            target = Path(folder) / "evidence.zip"

            def export() -> int:
                response = client.post("/governance/evidence/", form)
                assert response.status_code == 200, response.status_code
                size = 0
                with target.open("wb") as out:
                    for piece in response.streaming_content:  # type: ignore[attr-defined]
                        out.write(piece)
                        size += len(piece)
                return size

            seconds, size = _timed(export)
            print(f"evidence export, one year: {size / 2**20:.1f} MiB ZIP in {seconds:.1f} s")
            if not args.no_memory:
                print(f"  peak Python memory {_peak(export) / 2**20:.1f} MiB")
            seconds, problems = _timed(lambda: evidence_zip_verify(target))
            assert problems == [], problems
            print(f"evidence_verify of that ZIP: every sum matches, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
