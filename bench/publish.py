"""Publishing throughput and lag: N posts through the whole engine vs raw Celery no-op tasks.

    DJANGO_DEBUG=true .venv/bin/python -m bench.publish --posts 500
    DJANGO_DEBUG=true .venv/bin/python -m bench.publish --posts 500 \\
        --broker redis://127.0.0.1:6379/15 --database postgres://postgres@127.0.0.1:5432/

Builds a throwaway database (SQLite in a temporary folder, or a new PostgreSQL database on the
server given, dropped afterwards), starts real Celery worker processes on the broker (the
filesystem broker in that folder by default, or the Redis given, on a queue of its own), then:

1. raw: N `bench.noop` tasks, all due at the same moment (Celery eta), each only noting when it
   ran — what Celery and the broker cost by themselves;
2. engine: N approved posts on an internal-feed account, all scheduled for the same moment and
   queued with their time as scheduling does; each publish claims the post under its row lock
   with an attempt record, publishes to the internal feed, and records the outcome with the
   state change and audit event.

For each: throughput (tasks or posts per second, from the due time to the last one done) and
the lag from the due time to done/published (p50, p99, max). Checks that every post was
published exactly once. Then the floor the audit trail sets: as many connections as pool
processes, each committing audit events one per transaction, as fast as they can — 2 N events,
because a published post commits two (its release and its publication). Every audit insert
holds the audit chain's head locked until its COMMIT has reached the disk (activity/chain.py),
so these commits cannot overlap; half their rate is the most posts per second the engine could
reach on this machine whatever else it did. Then one more post is published in this process,
counting what it sends the database: data statements, transactions (each a BEGIN and a COMMIT
besides) and savepoints. Nothing touches the real database or queue.

The workers run as in production (DJANGO_DEBUG off, so Django keeps no log of every statement),
with a throwaway secret and encryption key.

    DJANGO_DEBUG=true .venv/bin/python -m bench.publish --posts 500 \\
        --broker amqp://guest:guest@127.0.0.1:5672// --database postgres://postgres@127.0.0.1:5432/
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


# --- Environment: a throwaway database and queue ------------------------------------------------


def _postgres_database(server_url: str) -> tuple[str, str]:
    """A new, empty database on the server: (its URL, its name)."""
    import psycopg2

    parts = urlsplit(server_url)
    name = f"socialhub_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_postgres_database(server_url: str, name: str) -> None:
    import psycopg2

    parts = urlsplit(server_url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _setup_django(folder: str, database_url: str, broker_url: str, queue: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["SOCIALHUB_VAR_DIR"] = folder
    os.environ["CELERY_BROKER_URL"] = broker_url
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = queue
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "socialhub.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Workers ------------------------------------------------------------------------------------


def _production_environment() -> dict[str, str]:
    """The workers' environment: DJANGO_DEBUG off, as a deployment runs them (with DEBUG on,
    Django keeps every statement it sends in memory, which production does not pay for)."""
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "SOCIALHUB_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DJANGO_ALLOWED_HOSTS": "localhost",
    }


class Workers:
    def __init__(self, folder: Path, count: int, concurrency: int) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []
        for index in range(count):
            log = folder / f"worker{index}.log"
            with log.open("wb") as out:
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 - our own Celery app
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "socialhub",
                            "worker",
                            "--loglevel=INFO",
                            f"--concurrency={concurrency}",
                            "--pool=prefork",
                            f"--hostname=bench{index}@%h",
                            "--include=bench.noop",
                            "--without-gossip",
                            "--without-mingle",
                            "--without-heartbeat",
                        ],
                        cwd=ROOT,
                        env=_production_environment(),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 60
        for index, process in enumerate(self.processes):
            log = folder / f"worker{index}.log"
            while "ready." not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(f"worker {index} did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.1)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


# --- Measurements -------------------------------------------------------------------------------


def _summary(label: str, count: int, due: float, done: list[float], enqueue_s: float) -> str:
    lags = sorted(max(0.0, t - due) for t in done)
    span = max(done) - due
    p99 = lags[min(len(lags) - 1, round(0.99 * (len(lags) - 1)))]
    return (
        f"{label:<8} {count} in {span:6.2f} s after the due time = {count / span:7.1f}/s | "
        f"lag p50 {statistics.median(lags) * 1000:7.0f} ms, p99 {p99 * 1000:7.0f} ms, "
        f"max {lags[-1] * 1000:7.0f} ms | queued in {enqueue_s:.2f} s"
    )


def _wait(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def _raw(count: int, folder: Path, lead: float) -> str:
    from bench.noop import noop

    path = folder / "noop.times"
    path.write_text("")
    due = datetime.now().astimezone() + timedelta(seconds=lead)
    started = time.monotonic()
    for _ in range(count):
        noop.apply_async(args=(str(path),), eta=due)
    enqueue_s = time.monotonic() - started
    _wait(lambda: len(path.read_text().split()) >= count, 120 + count / 5, "the no-op tasks")
    done = [float(line) for line in path.read_text().split()]
    return _summary("raw", count, due.timestamp(), done, enqueue_s)


def _posts(count: int) -> list[int]:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts import authz
    from accounts import services as account_services
    from accounts.models import User
    from accounts.roles import GROUP_NAMES, OrgRole
    from approvals.models import Post, PostState, Revision
    from channels_app import services as channel_services

    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)
    comms = account_services.department_create(
        actor=None, name="Communications", slug="communications"
    )
    author = User.objects.create_user("author@bench.test", None, full_name="Bench Author")
    reviewer = User.objects.create_user("comms@bench.test", None, full_name="Bench Comms")
    account_services.membership_add_existing(
        actor=None, user=author, department=comms, role="member"
    )
    account_services.org_role_set(actor=None, user=reviewer, role=OrgRole.COMMS_REVIEWER, held=True)
    account = channel_services.brand_account_create(
        actor=None,
        platform="internal",
        handle="bench-news",
        display_name="Bench news",
        department=comms,
    )
    authz.grant_to_user("publish_on", reviewer, account)
    now = timezone.now()
    posts = Post.objects.bulk_create(
        [
            Post(
                brand_account=account,
                department=comms,
                author=author,
                state=PostState.APPROVED,
                submitted_at=now,
                first_submitted_at=now,
                approved_at=now,
            )
            for _ in range(count)
        ]
    )
    revisions = Revision.objects.bulk_create(
        [
            Revision(post=post, number=1, body=f"Bench post {i}", created_by=author)
            for i, post in enumerate(posts)
        ]
    )
    for post, revision in zip(posts, revisions, strict=True):
        post.current_revision = revision
    Post.objects.bulk_update(posts, ["current_revision"])
    return [post.pk for post in posts]


def _engine(count: int, lead: float) -> str:
    from django.utils import timezone

    from approvals.models import Post, PostState
    from publishing import engine as publishing
    from publishing.models import FeedEntry, PublishAttempt

    ids = _posts(count)
    due = timezone.now() + timedelta(seconds=lead)
    Post.objects.filter(pk__in=ids).update(state=PostState.SCHEDULED, scheduled_at=due)
    started = time.monotonic()
    for post_id in ids:
        # What scheduling does on commit: queue the post's task with its time.
        if not publishing.enqueue_scheduled(post_id, due):
            raise SystemExit("the broker refused a message")
    enqueue_s = time.monotonic() - started
    published = Post.objects.filter(pk__in=ids, state=PostState.PUBLISHED)
    _wait(lambda: published.count() == count, 300 + count / 2, "the posts to be published")
    done = [t.timestamp() for t in published.values_list("published_at", flat=True) if t]
    entries = FeedEntry.objects.count()
    attempts = PublishAttempt.objects.count()
    if entries != count or attempts != count:
        raise SystemExit(f"not exactly once: {entries} feed entries, {attempts} attempts")
    return _summary("engine", count, due.timestamp(), done, enqueue_s)


def _audit_floor(count: int, connections: int) -> str:
    """2 x count audit events, one per transaction, from `connections` threads (each its own
    database connection), as fast as they commit: the rate the audit chain lets through."""
    import threading

    from django.db import connections as django_connections
    from django.db import transaction

    from activity.audit import audit_record
    from approvals.models import Post

    post = Post.objects.order_by("pk").first()
    if post is None:
        raise SystemExit("no post to audit")
    events = 2 * count
    per_thread = [
        events // connections + (1 if i < events % connections else 0) for i in range(connections)
    ]
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            for _ in range(n):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="bench.audit_floor",
                        target=post,
                        department_id=post.department_id,
                    )
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            django_connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in per_thread]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    span = time.monotonic() - started
    if failures:
        raise SystemExit(f"audit floor failed: {failures[0]!r}")
    return (
        f"floor    {events} audit events ({connections} connections, one per transaction) in "
        f"{span:6.2f} s = {events / span:7.1f}/s: at most {events / span / 2:7.1f} posts/s "
        "(two audited commits per post)"
    )


def _statements_per_post() -> str:
    """One more scheduled post, due now, published in this process: what it sends the
    database."""
    from django.db import connection
    from django.utils import timezone

    from approvals.models import Post, PostState, Revision
    from publishing import engine as publishing

    model = Post.objects.order_by("pk").first()
    if model is None:
        raise SystemExit("no post to copy")
    now = timezone.now()
    post = Post.objects.create(
        brand_account_id=model.brand_account_id,
        department_id=model.department_id,
        author_id=model.author_id,
        state=PostState.SCHEDULED,
        scheduled_at=now,
        submitted_at=now,
        first_submitted_at=now,
        approved_at=now,
    )
    revision = Revision.objects.create(
        post=post, number=1, body="Bench post, counted", created_by_id=model.author_id
    )
    Post.objects.filter(pk=post.pk).update(current_revision=revision)
    sent: list[str] = []
    commits = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append(sql)
        return execute(sql, params, many, context)

    original_commit = connection.commit

    def commit() -> None:
        nonlocal commits
        commits += 1
        original_commit()

    connection.commit = commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(count):
            outcome = publishing.post_publish(post_id=post.pk)
    finally:
        del connection.commit
    if outcome != "published":
        raise SystemExit(f"the counted post was not published: {outcome}")
    savepoints = sum(1 for sql in sent if sql.startswith("SAVEPOINT"))
    # SQLite's BEGIN IMMEDIATE is sent as a statement; PostgreSQL's BEGIN by the driver.
    control = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT")
    data = len(sent) - sum(1 for sql in sent if sql.startswith(control))
    total = data + 2 * commits + 2 * savepoints
    return (
        f"per post {data} data statements, {commits} transactions, {savepoints} savepoints "
        f"= {total} statements with BEGIN/COMMIT and savepoints"
    )


def _clean_redis(broker_url: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(broker_url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--broker", default="filesystem://", help="filesystem:// or redis://…")
    parser.add_argument(
        "--database",
        default="",
        help="a PostgreSQL server URL (postgres://user@host:port/) to make a throwaway database "
        "on; default: SQLite in a temporary folder",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument(
        "--lead", type=float, default=8.0, help="seconds from queuing to the due time"
    )
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="socialhub-bench-"))
    queue = f"socialhub-bench-{uuid.uuid4().hex[:8]}"
    database_name = ""
    if args.database:
        database_url, database_name = _postgres_database(args.database)
    else:
        database_url = f"sqlite:///{folder}/bench.sqlite3"
    workers: Workers | None = None
    try:
        _setup_django(str(folder), database_url, args.broker, queue)
        from django.db import connection

        workers = Workers(folder, args.workers, args.concurrency)
        print(
            f"{args.posts} tasks, {args.workers} workers x {args.concurrency} processes, "
            f"broker {urlsplit(args.broker).scheme}, database {connection.vendor}"
        )
        print(_raw(args.posts, folder, args.lead))
        print(_engine(args.posts, args.lead))
        workers.stop()
        workers = None
        if connection.vendor == "postgresql":  # SQLite serialises every write anyway
            print(_audit_floor(args.posts, args.workers * args.concurrency))
        print(_statements_per_post())
    finally:
        if workers is not None:
            workers.stop()
        if args.broker.startswith("redis://"):
            _clean_redis(args.broker, queue)
        if database_name:
            from django.db import connections

            connections.close_all()
            _drop_postgres_database(args.database, database_name)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
