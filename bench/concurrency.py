"""Concurrent requests against `make run`'s web process: every one must be answered.

    .venv/bin/python -m bench.concurrency                 # 50 at once, SQLite, the Procfile's web
    .venv/bin/python -m bench.concurrency --requests 200 --rounds 3
    .venv/bin/python -m bench.concurrency --database postgres://postgres@127.0.0.1:5432/sh_bench

Builds a throwaway installation (SQLite and the filesystem broker in a temporary folder, or
the PostgreSQL database given, emptied first), migrates it, loads the demo organisation and
starts the `web:` line of the Procfile exactly as `make run` does (honcho runs that line with
a shell). Five demo people log in; then each round fires N requests at the same moment (a
barrier releases the threads together): signed-in pages, writes (marking notifications read,
a session save each), /healthz, the login page and a static file. Every request must get an
answer below 500 — a refused or reset connection, a timeout, a 500 (say "database is locked")
all count as failures. Prints the failures and latency (p50, p95, max) per round.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "socialhub-demo"  # noqa: S105 - the demo organisation's published password
DEMO_PEOPLE = ["comms", "sme.sales", "manager.sales", "hr", "admin"]
SIGNED_IN_PAGES = ["/", "/posts/", "/review/", "/calendar/", "/notifications/", "/feed/"]


def procfile_command(name: str = "web") -> str:
    """The command of one Procfile line (what honcho runs for `make run`)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return command.strip()
    raise LookupError(f"No {name}: line in the Procfile")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def installation_env(var_dir: Path, database: str = "") -> dict[str, str]:
    """`make run`'s environment for a throwaway installation in var_dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The caller's database, broker and .env are not this installation's.
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SOCIALHUB_ENV_FILE"}
    }
    env.update(
        DJANGO_DEBUG="true",
        SOCIALHUB_VAR_DIR=str(var_dir),
        SOCIALHUB_ENV_FILE=str(var_dir / "no.env"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    if database:
        env["DATABASE_URL"] = database
    return env


def prepare(env: dict[str, str]) -> None:
    """Migrate and load the demo organisation, as `make run` does."""
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


@contextmanager
def web_process(env: dict[str, str], *, log: Path) -> Iterator[str]:
    """The Procfile's web line on a free port; yields its base URL once /healthz answers."""
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - the Procfile's own line, via bash like honcho
            ["/bin/bash", "-c", f"exec {procfile_command('web')}"],
            cwd=ROOT,
            env={**env, "PORT": str(port), "SOCIALHUB_HOST": "127.0.0.1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the web process exited:\n{log.read_text()[-2000:]}")
                try:
                    if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"/healthz did not answer in 60 s:\n{log.read_text()}")
                time.sleep(0.3)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def log_in(base: str, who: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None, "no CSRF token on the login page"
    answer = session.post(
        f"{base}/accounts/login/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "login": f"{who}@demo.socialhub.test",
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, f"login of {who} answered {answer.status_code}"
    return session


@dataclass
class Burst:
    answered: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> str:
        times = sorted(self.seconds) or [0.0]
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        return (
            f"{self.answered} answered, {len(self.failures)} failed; "
            f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms"
        )


def burst(base: str, sessions: list[requests.Session], count: int) -> Burst:
    """`count` requests released at the same moment, each on its own connection."""
    login_page = requests.get(f"{base}/accounts/login/", timeout=30).text
    static = re.search(r'(/static/[^"]+\.css)', login_page)
    static_path = static.group(1) if static else "/static/missing.css"
    barrier = threading.Barrier(count)
    result = Burst()
    lock = threading.Lock()

    def one(index: int) -> None:
        session = sessions[index % len(sessions)]
        cookies = {name: value or "" for name, value in session.cookies.get_dict().items()}
        kind = index % 5
        if kind in (0, 1):  # signed-in pages (reads)
            method, path, data = "GET", SIGNED_IN_PAGES[index % len(SIGNED_IN_PAGES)], None
        elif kind == 2:  # a write: mark my notifications read
            method, path = "POST", "/notifications/read/"
            data = {"csrfmiddlewaretoken": cookies.get("csrftoken", "")}
        elif kind == 3:
            method, path, data = "GET", "/healthz", None
        else:
            method, path, data = "GET", static_path if index % 2 else "/accounts/login/", None
        barrier.wait()
        started = time.monotonic()
        try:
            # A new connection per request (no pooling), as 50 browsers would open.
            response = requests.request(
                method,
                base + path,
                data=data,
                cookies=cookies if kind < 3 else None,
                headers={"Referer": base + "/"},
                allow_redirects=False,
                timeout=60,
            )
            outcome = None if response.status_code < 500 else f"{path}: {response.status_code}"
        except requests.RequestException as exc:
            outcome = f"{method} {path}: {type(exc).__name__}: {exc}"
        elapsed = time.monotonic() - started
        with lock:
            if outcome is None:
                result.answered += 1
                result.seconds.append(elapsed)
            else:
                result.failures.append(outcome)

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(one, range(count)))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="requests at once (50)")
    parser.add_argument("--rounds", type=int, default=3, help="bursts to fire (3)")
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="socialhub-bench-concurrency-"))
    try:
        if args.database:
            _empty_postgres(args.database)
        env = installation_env(var_dir, args.database)
        prepare(env)
        with web_process(env, log=var_dir / "web.log") as base:
            print(f"web: {procfile_command('web')}")
            sessions = [log_in(base, who) for who in DEMO_PEOPLE]
            failed = 0
            for number in range(1, args.rounds + 1):
                result = burst(base, sessions, args.requests)
                print(f"round {number}: {args.requests} at once: {result.summary()}")
                for failure in result.failures[:10]:
                    print(f"  {failure}")
                failed += len(result.failures)
        return 1 if failed else 0
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def _empty_postgres(url: str) -> None:
    """Drop and create the database named in the URL (never `socialhub`: pick your own)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in {"", "socialhub", "test_socialhub", "postgres"}:
        raise SystemExit(f"Give a database of the benchmark's own, not {name!r}.")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


if __name__ == "__main__":
    sys.exit(main())
