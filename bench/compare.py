"""SocialHub next to BrightBean Studio on the same data: the review queue, calendar, scheduled list
and REST list at N = 10, 100 and 1,000 posts waiting for review and as many scheduled.

    DJANGO_DEBUG=true .venv/bin/python -m bench.compare --brightbean /path/to/brightbean-studio
    DJANGO_DEBUG=true .venv/bin/python -m bench.compare --brightbean /path/to/brightbean-studio \\
        --database-url postgres://postgres@127.0.0.1:5432/
    make bench-compare BRIGHTBEAN_PATH=/path/to/brightbean-studio \\
        ARGS="--database-url postgres://postgres@127.0.0.1:5432/"

Getting BrightBean Studio (once; nothing is fetched while the benchmark runs, and none of its code
is part of SocialHub):

    git clone https://github.com/brightbeanxyz/brightbean-studio /path/to/brightbean-studio
    python3.11 -m venv /path/to/brightbean-studio/.venv
    /path/to/brightbean-studio/.venv/bin/pip install -r /path/to/brightbean-studio/requirements.txt

The checkout is given with --brightbean or the BRIGHTBEAN_PATH environment variable; its Python
is PATH/.venv/bin/python unless --brightbean-python says otherwise. Without a checkout only
SocialHub's figures are printed.

Each side runs in a process of its own with its own Python and settings (bench/socialhub_side.py
here, bench/brightbean_side.py with BrightBean's virtualenv and its development settings), on a
database of its own: a SQLite file in a temporary folder, and with --database-url also a new
PostgreSQL database on that server for each side (named socialhub_bench_cmp_*, created for the
run and dropped afterwards). Both are seeded with equivalent rows through their own models (one
team, one account, a writer and a reviewer; posts waiting for review, posts scheduled on one day
tomorrow), then every page is requested once to warm up and --repeat times, the two sides
alternating request by request, each timed with the Django test client in its own process. The
table gives each side's queries and median time and the ratio BrightBean ms / SocialHub ms.

The pages, SocialHub / BrightBean (as the workspace owner who reviews):
- queue: /review/ / the publish page's Approvals tab (?mode=list&tab=approvals);
- calendar: /calendar/?view=month / the publish page's month (?mode=calendar&view=month);
- scheduled: /posts/?scope=all&state=scheduled / the publish page's Queue tab
  (?mode=list&tab=queue);
- api: GET /api/v1/posts/ (API token, 50 a page) / BrightBean's Agent API has no REST list of
  posts, so its MCP tool list_posts (bearer API key, 50 a page) over POST /api/v1/mcp/.

What the pages hold differs with N: BrightBean's Approvals and Queue tabs stop at 200 posts and
its month shows three posts a day (the rest as a count); SocialHub's review queue and post list
show a page of SOCIALHUB_PAGE_SIZE (50) with page links, its month a bounded number a day with
"+N more", its REST list 50 a page.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("queue", "calendar", "scheduled", "api")
LABELS = {
    "queue": "review queue",
    "calendar": "calendar (month)",
    "scheduled": "scheduled list",
    "api": "REST list (50)",
}


class SideFailed(RuntimeError):
    pass


class Side:
    """One side's process: one JSON line per command, one per answer."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(  # noqa: S603 - our own scripts, our arguments
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            cwd=cwd,
            text=True,
        )
        self._answer()  # {"ready": true} once migrated

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise SideFailed(
                f"{self.name} stopped (exit {self.process.returncode}):\n{self._tail()}"
            )
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise SideFailed(f"{self.name}: {answer['error']}\n{self._tail()}")
        return answer

    def _tail(self) -> str:
        self.log.seek(0)
        return "\n".join(self.log.read().splitlines()[-25:])

    def ask(self, **message: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError as exc:
            raise SideFailed(f"{self.name} stopped:\n{self._tail()}") from exc
        return self._answer()

    def time(self, page: str) -> dict[str, Any]:
        answer = self.ask(cmd="time", page=page)
        if answer["status"] != 200:
            raise SideFailed(f"{self.name}: {page} answered {answer['status']}")
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            with suppress(SideFailed, ValueError):
                self.ask(cmd="quit")
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- Databases -----------------------------------------------------------------------------------


@contextmanager
def postgres_database(server_url: str, side: str) -> Iterator[str]:
    """A new database on the server for one side, dropped afterwards."""
    import psycopg2

    parts = urlsplit(server_url)
    name = f"socialhub_bench_cmp_{side}_{uuid.uuid4().hex[:8]}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _databases(stack: ExitStack, vendor: str, folder: str, side: str, server: str) -> str:
    if vendor == "sqlite":
        return f"sqlite:///{folder}/{side}.sqlite3"
    return stack.enter_context(postgres_database(server, side))


# --- The run -------------------------------------------------------------------------------------


def _start_sides(
    stack: ExitStack, vendor: str, server: str, brightbean: Path | None, bb_python: Path | None
) -> list[Side]:
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="socialhub-compare-"))
    env = {**os.environ, "SOCIALHUB_VAR_DIR": folder, "DJANGO_DEBUG": "true"}
    env.pop("DATABASE_URL", None)
    sides = []
    url = _databases(stack, vendor, folder, "sh", server)
    socialhub = Side(
        "SocialHub",
        [sys.executable, "-m", "bench.socialhub_side", "--database-url", url],
        env,
        ROOT,
    )
    stack.callback(socialhub.close)
    sides.append(socialhub)
    if brightbean is not None and bb_python is not None:
        url = _databases(stack, vendor, folder, "bb", server)
        bb_env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "SOCIALHUB_", "DATABASE_", "VIRTUAL_ENV"))
        }
        brightbean_side = Side(
            "BrightBean",
            [
                str(bb_python),
                str(ROOT / "bench" / "brightbean_side.py"),
                "--brightbean",
                str(brightbean),
                "--database-url",
                url,
            ],
            bb_env,
            brightbean,
        )
        stack.callback(brightbean_side.close)
        sides.append(brightbean_side)
    return sides


def measure(sides: list[Side], repeat: int) -> dict[str, dict[str, tuple[float, int, int]]]:
    """page -> side -> (median ms, queries, rows shown); the sides alternate request by request."""
    timings: dict[str, dict[str, list[float]]] = {p: {s.name: [] for s in sides} for p in PAGES}
    last: dict[str, dict[str, dict[str, Any]]] = {p: {} for p in PAGES}
    for page in PAGES:  # warm-up: templates, caches, the first connection
        for side in sides:
            side.time(page)
    for turn in range(repeat):
        order = sides if turn % 2 == 0 else list(reversed(sides))
        for page in PAGES:
            for side in order:
                answer = side.time(page)
                timings[page][side.name].append(answer["ms"])
                last[page][side.name] = answer
    return {
        page: {
            name: (
                statistics.median(values),
                last[page][name]["queries"],
                last[page][name].get("shown", 0),
            )
            for name, values in by_side.items()
        }
        for page, by_side in timings.items()
    }


def _brightbean(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    if not args.brightbean:
        return None, None
    path = Path(args.brightbean).expanduser().resolve()
    if not (path / "manage.py").exists() or not (path / "apps" / "composer").is_dir():
        raise SystemExit(f"{path} is not a BrightBean Studio checkout (see bench/compare.py).")
    python = Path(args.brightbean_python or path / ".venv" / "bin" / "python")
    if not python.exists():
        raise SystemExit(
            f"No Python at {python}: create BrightBean's virtualenv (see bench/compare.py) or "
            "give --brightbean-python."
        )
    return path, python


def _cell(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--brightbean",
        default=os.environ.get("BRIGHTBEAN_PATH", ""),
        help="a BrightBean Studio checkout with its .venv (default: $BRIGHTBEAN_PATH)",
    )
    parser.add_argument("--brightbean-python", default="", help="default: PATH/.venv/bin/python")
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL server (e.g. postgres://u@host:5432/)"
    )
    parser.add_argument("--sizes", default="10,100,1000", help="N, comma-separated")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    brightbean, bb_python = _brightbean(args)
    vendors = ["sqlite"] + (["postgresql"] if args.database_url else [])
    from datetime import datetime

    day = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    rows: list[tuple[str, int, str, tuple[float, int, int], tuple[float, int, int] | None]] = []
    for vendor in vendors:
        with ExitStack() as stack:
            print(f"{vendor}: migrating and starting both sides…", file=sys.stderr, flush=True)
            try:
                sides = _start_sides(stack, vendor, args.database_url, brightbean, bb_python)
                for n in sizes:
                    for side in sides:
                        side.ask(cmd="seed", n=n, day=day)
                    print(f"{vendor}: N = {n:,} seeded, measuring…", file=sys.stderr, flush=True)
                    results = measure(sides, args.repeat)
                    rows.extend(
                        (
                            vendor,
                            n,
                            page,
                            results[page]["SocialHub"],
                            results[page].get("BrightBean"),
                        )
                        for page in PAGES
                    )
            except SideFailed as exc:
                print(f"\n{exc}", file=sys.stderr)
                return 1
    _print_table(rows, brightbean is not None, args.repeat)
    return 0


def _print_table(
    rows: list[tuple[str, int, str, tuple[float, int, int], tuple[float, int, int] | None]],
    with_brightbean: bool,
    repeat: int,
) -> None:
    print(f"Median of {repeat} requests per page, sides alternating; q = SQL queries per request.")
    if not with_brightbean:
        print(
            "BrightBean: no checkout given (--brightbean PATH or BRIGHTBEAN_PATH): SocialHub only."
        )
    header = (
        f"{'database':10s} {'N':>6s}  {'page':18s} {'SH q':>5s} {'SH ms':>8s} "
        f"{'BB q':>5s} {'BB ms':>8s} {'BB/SH':>7s}"
    )
    print(header)
    print("-" * len(header))
    for vendor, n, page, ours, theirs in rows:
        ratio = theirs[0] / ours[0] if theirs and ours[0] else None
        print(
            f"{vendor:10s} {n:>6,}  {LABELS[page]:18s} {ours[1]:>5d} {ours[0]:>8.1f} "
            f"{(str(theirs[1]) if theirs else '—'):>5s} {_cell(theirs[0] if theirs else None):>8s} "
            f"{(f'x{ratio:.2f}' if ratio is not None else '—'):>7s}"
        )


if __name__ == "__main__":
    sys.exit(main())
