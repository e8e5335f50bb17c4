"""Fault tests of the publishing engine with real processes: Celery workers and beat
(`celery -A socialhub worker|beat` subprocesses) on Redis, against the test database on
PostgreSQL, publishing to the mastodon-mock server.

- a worker killed (SIGKILL, its whole process group) in the middle of a publish: after a restart
  the post is published exactly once;
- 200 posts due in the same minute across two worker processes: each published exactly once;
- the platform answers 500, then 200: one post;
- 429 with Retry-After: the engine waits that long, then one post;
- the broker is down when a post is scheduled: the sweep publishes it once the broker is back.

They need PostgreSQL (several processes writing one database) and a Redis broker: elsewhere they
skip, saying so, except in CI (CI=true), where a missing requirement fails the run. Each test is
bounded by deadlines; the processes are stopped by the fixtures whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals import services
from approvals.models import Post, PostState, Revision
from approvals.tests.factories import approved_post, make_account
from channels_app import services as channel_services
from channels_app.connectors.mastodon import html_to_text
from channels_app.tests.peers.fixtures import MastodonPeer
from core.tests.celery_broker import celery_broker
from publishing import engine as publishing
from publishing.models import PublishAttempt

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"

# The workers' engine settings: short time limits, back-offs and grace periods, so every fault
# resolves within seconds. The hard time limit of 6 s gives a lease of 12 s.
ENGINE_ENV = {
    "SOCIALHUB_PUBLISH_TIME_LIMIT": "6",
    "SOCIALHUB_PUBLISH_RETRY_BASE": "0.5",
    "SOCIALHUB_PUBLISH_RETRY_MAX": "2",
    "SOCIALHUB_PUBLISH_CHECK_DELAY": "1",
    "SOCIALHUB_PUBLISH_SWEEP_GRACE": "2",
    "SOCIALHUB_PUBLISH_SWEEP_INTERVAL": "1",
}


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the fault tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def requirements(django_db_setup: None) -> str:
    """The broker URL, once PostgreSQL and a reachable Redis are confirmed."""
    if connection.vendor != "postgresql":
        _missing(
            "The publishing fault tests need PostgreSQL (DATABASE_URL=postgres://…): their "
            "worker processes must reach the test database, and pytest-django's SQLite test "
            "database lives in this process's memory."
        )
    broker_url = str(django_settings.CELERY_BROKER_URL)  # as configured, not as tests point it
    if not broker_url.startswith("redis://"):
        _missing(
            "The publishing fault tests need a Redis broker (CELERY_BROKER_URL=redis://…) for "
            "their worker processes."
        )
    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _missing(f"The Redis broker at CELERY_BROKER_URL does not answer ({exc}).")
    return broker_url


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Cluster:
    """Celery worker and beat processes of this test module, each in its own process group."""

    def __init__(self, broker_url: str, queue: str, folder: Path) -> None:
        self.queue = queue
        self.folder = folder
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SOCIALHUB_PUBLISH_")},
            **ENGINE_ENV,
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": _database_url(),  # pytest-django's test database
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "SOCIALHUB_VAR_DIR": str(folder),
            "PYTHONUNBUFFERED": "1",
            # The workers publish to the Mastodon peer on 127.0.0.1 over http.
            "SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS": "true",
        }

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start_worker(self, name: str, *, concurrency: int = 2) -> None:
        self._start(
            name,
            [
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )
        self._wait_for(name, "ready.")

    def start_beat(self) -> None:
        # A schedule file, not django-celery-beat's tables: the test database is emptied
        # after every test, and beat must not care.
        self._start(
            "beat",
            [
                "beat",
                "--loglevel=INFO",
                "--scheduler=celery.beat:PersistentScheduler",
                f"--schedule={self.folder / 'beat-schedule'}",
            ],
        )
        self._wait_for("beat", "beat: Starting")

    def _start(self, name: str, arguments: list[str]) -> None:
        with self.log(name).open("ab") as out:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own Celery app
                [sys.executable, "-m", "celery", "-A", "socialhub", *arguments],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a process group of its own: killed as one
            )

    def _wait_for(self, name: str, text: str, timeout: float = 45) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log(name).read_text(errors="replace"):
            process = self.processes[name]
            if process.poll() is not None:
                pytest.fail(f"{name} exited at start:\n{self.tail(name)}")
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not start in {timeout} s:\n{self.tail(name)}")
            time.sleep(0.1)

    def tail(self, name: str) -> str:
        path = self.log(name)
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def kill(self, name: str) -> None:
        """SIGKILL to the worker's whole process group: main process and pool children die at
        once, mid-task, as on a crashed machine."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def name_of(self, pid: int) -> str | None:
        """Which of our processes runs the pool child with this pid."""
        try:
            group = os.getpgid(pid)
        except ProcessLookupError:
            return None
        for name, process in self.processes.items():
            if process.pid == group:
                return name
        return None

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes.pop(name)
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def clean_broker(self, broker_url: str) -> None:
        """Leave nothing of this run on the broker: the queue, and messages a killed worker
        left unacknowledged (Redis would hand them back to the queue an hour later)."""
        client = redis.Redis.from_url(broker_url)
        client.delete(
            self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"
        )
        for tag, raw in client.hscan_iter("unacked"):
            if self.queue.encode() in raw:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


@pytest.fixture(scope="module")
def cluster(requirements: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    queue = f"socialhub-faults-{uuid.uuid4().hex[:10]}"
    running = Cluster(requirements, queue, tmp_path_factory.mktemp("celery"))
    try:
        running.start_worker("alpha")
        running.start_worker("bravo")
        running.start_beat()
        with celery_broker(requirements, queue=queue):
            yield running
    finally:
        running.stop()
        running.clean_broker(requirements)


@pytest.fixture
def engine(cluster: Cluster, settings: Any, transactional_db: None) -> Cluster:
    """The test process agrees with the workers on the engine's settings."""
    settings.SOCIALHUB_PUBLISH_SWEEP_GRACE = float(ENGINE_ENV["SOCIALHUB_PUBLISH_SWEEP_GRACE"])
    return cluster


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


@pytest.fixture
def cast(engine: Cluster, peer: MastodonPeer) -> dict[str, Any]:
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    comms = DepartmentFactory.create(name="Communications", slug="communications")
    author = UserFactory.create()
    add_member(author, sales)
    reviewer = give_org_role(UserFactory.create(), OrgRole.COMMS_REVIEWER)
    add_member(reviewer, comms)
    account = make_account(
        sales,
        platform="mastodon",
        handle=peer.handle(),  # saving the credentials checks they are this account's
        drafters=[sales],
        reviewers=[comms],
        publishers=[comms],
    )
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=peer.credentials()
    )
    return {"author": author, "reviewer": reviewer, "account": account}


# --- Helpers -------------------------------------------------------------------------------------


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, cluster: Cluster) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {n}\n{cluster.tail(n)}" for n in list(cluster.processes))
            pytest.fail(f"Timed out after {timeout} s waiting for {what}.\n{logs}")
        time.sleep(0.2)


def statuses(peer: MastodonPeer, prefix: str) -> list[dict[str, Any]]:
    """Every status of the peer's account whose text starts with prefix (all pages)."""
    headers = {"Authorization": f"Bearer {peer.access_token}"}
    me = requests.get(
        f"{peer.url}/api/v1/accounts/verify_credentials", headers=headers, timeout=5
    ).json()
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 40}
    while True:
        page = requests.get(
            f"{peer.url}/api/v1/accounts/{me['id']}/statuses",
            headers=headers,
            params=params,
            timeout=10,
        ).json()
        if not page:
            return found
        found += [s for s in page if html_to_text(s["content"]).startswith(prefix)]
        params["max_id"] = page[-1]["id"]


def state_of(post: Post) -> str:
    return str(Post.objects.values_list("state", flat=True).get(pk=post.pk))


def publish_now(cast: dict[str, Any], text: str) -> Post:
    post = approved_post(cast["author"], cast["account"], cast["reviewer"], text)
    return services.post_publish_now(post=post, actor=cast["reviewer"])


# --- The faults ----------------------------------------------------------------------------------


def test_a_worker_killed_mid_publish_publishes_once_after_a_restart(
    engine: Cluster, peer: MastodonPeer, cast: dict[str, Any]
) -> None:
    text = f"Killed mid-send {uuid.uuid4().hex[:8]}"
    # The platform takes 3 s over this post: time to kill the worker while it waits.
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "latency", "delay_ms": 3000},
            "count": 1,
        }
    )
    post = publish_now(cast, text)
    wait_until(
        lambda: PublishAttempt.objects.filter(post=post).exists(),
        timeout=20,
        what="a worker to claim the post",
        cluster=engine,
    )
    time.sleep(1)  # the request is on its way to the platform
    attempt = PublishAttempt.objects.get(post=post)
    pid = int(attempt.worker.rsplit(" ", 1)[1])
    victim = engine.name_of(pid)
    assert victim is not None, f"no worker runs pid {pid}"

    engine.kill(victim)
    assert state_of(post) == PostState.PUBLISHING  # its outcome was never recorded
    engine.start_worker(victim)  # the restart

    wait_until(
        lambda: state_of(post) == PostState.PUBLISHED,
        timeout=45,
        what="the post to be published after the restart",
        cluster=engine,
    )
    [status] = statuses(peer, text)  # exactly one, never two
    post.refresh_from_db()
    assert post.external_id == status["id"]
    outcomes = list(
        PublishAttempt.objects.filter(post=post).order_by("number").values_list("kind", "outcome")
    )
    # The killed attempt is recorded as interrupted, and the platform was asked before
    # anything was sent again.
    assert outcomes[0] == ("send", "interrupted")
    assert outcomes[1][0] == "check"
    assert outcomes[-1][1] in ("found", "published")


def test_200_posts_due_in_the_same_minute_are_each_published_once(
    engine: Cluster, peer: MastodonPeer, cast: dict[str, Any]
) -> None:
    prefix = f"Batch {uuid.uuid4().hex[:8]}"
    template = approved_post(cast["author"], cast["account"], cast["reviewer"], f"{prefix} 000")
    posts = [template]
    for number in range(1, 200):
        post = Post.objects.create(
            brand_account=template.brand_account,
            department=template.department,
            author=template.author,
            state=PostState.APPROVED,
            approved_at=timezone.now(),
            first_submitted_at=timezone.now(),
        )
        revision = Revision.objects.create(
            post=post, number=1, body=f"{prefix} {number:03d}", created_by=template.author
        )
        Post.objects.filter(pk=post.pk).update(current_revision=revision)
        posts.append(post)
    ids = [p.pk for p in posts]
    due = timezone.now() + timedelta(seconds=3)
    # All due at the same moment, queued with their time as scheduling does.
    Post.objects.filter(pk__in=ids).update(
        state=PostState.SCHEDULED, scheduled_at=due, scheduled_by=cast["reviewer"]
    )
    for post_id in ids:
        assert publishing.enqueue_scheduled(post_id, due)

    wait_until(
        lambda: Post.objects.filter(pk__in=ids, state=PostState.PUBLISHED).count() == 200,
        timeout=90,
        what="200 posts to be published",
        cluster=engine,
    )
    on_peer = statuses(peer, prefix)
    texts = sorted(html_to_text(s["content"]) for s in on_peer)
    assert texts == [f"{prefix} {n:03d}" for n in range(200)]  # each one, once
    sends = PublishAttempt.objects.filter(post_id__in=ids, kind="send")
    assert sends.count() == 200
    assert set(sends.values_list("outcome", flat=True)) == {"published"}
    # Both worker processes took part.
    workers = {
        engine.name_of(int(w.rsplit(" ", 1)[1])) for w in sends.values_list("worker", flat=True)
    }
    assert {"alpha", "bravo"} <= workers


def test_a_500_then_a_200_publishes_one_post(
    engine: Cluster, peer: MastodonPeer, cast: dict[str, Any]
) -> None:
    text = f"After an outage {uuid.uuid4().hex[:8]}"
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 500},
            "count": 1,
        }
    )
    post = publish_now(cast, text)

    wait_until(
        lambda: state_of(post) == PostState.PUBLISHED,
        timeout=30,
        what="the retry to publish the post",
        cluster=engine,
    )
    assert len(statuses(peer, text)) == 1
    outcomes = list(
        PublishAttempt.objects.filter(post=post)
        .order_by("number")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["retry", "published"]


def test_a_429_with_retry_after_waits_then_publishes_one_post(
    engine: Cluster, peer: MastodonPeer, cast: dict[str, Any]
) -> None:
    text = f"Slow down {uuid.uuid4().hex[:8]}"
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "ratelimit", "headers": {"Retry-After": "3"}},
            "count": 1,
        }
    )
    post = publish_now(cast, text)

    wait_until(
        lambda: state_of(post) == PostState.PUBLISHED,
        timeout=30,
        what="the post to be published after the rate limit",
        cluster=engine,
    )
    assert len(statuses(peer, text)) == 1
    first, second = PublishAttempt.objects.filter(post=post).order_by("number")
    assert (first.outcome, first.retry_after, second.outcome) == ("retry", 3.0, "published")
    assert first.finished_at is not None
    # Waited what the platform asked, not the 0.25-0.5 s back-off.
    assert second.started_at - first.finished_at >= timedelta(seconds=2.9)


def test_a_post_scheduled_while_the_broker_is_down_is_published_when_it_is_back(
    engine: Cluster, peer: MastodonPeer, cast: dict[str, Any]
) -> None:
    text = f"Broker outage {uuid.uuid4().hex[:8]}"
    post = approved_post(cast["author"], cast["account"], cast["reviewer"], text)
    with celery_broker("redis://127.0.0.1:1/0", queue=engine.queue):  # nothing listens there
        # The schedule is saved; queuing it fails (logged), the post waits in the database.
        services.post_schedule(
            post=post, actor=cast["reviewer"], scheduled_at=timezone.now() + timedelta(minutes=2)
        )
        assert publishing.enqueue(post.pk) is False
    assert state_of(post) == PostState.SCHEDULED
    # Its time comes during the outage (moved closer, so the test need not wait two minutes).
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() + timedelta(seconds=1))

    # The broker is back: beat's sweep (every second here) queues it, a worker publishes it.
    wait_until(
        lambda: state_of(post) == PostState.PUBLISHED,
        timeout=30,
        what="the sweep to publish the post",
        cluster=engine,
    )
    assert len(statuses(peer, text)) == 1
    assert PublishAttempt.objects.filter(post=post).count() == 1


def test_the_visibility_timeout_outlasts_a_publish() -> None:
    """A message a slow worker still holds is not handed to a second worker (Redis)."""
    timeout = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
    if timeout is not None:
        assert timeout > django_settings.SOCIALHUB_PUBLISH_LEASE
        assert timeout > django_settings.SOCIALHUB_PUBLISH_ETA_HORIZON
    assert django_settings.SOCIALHUB_PUBLISH_LEASE > django_settings.SOCIALHUB_PUBLISH_TIME_LIMIT
    from publishing.tasks import publish_post

    assert publish_post.time_limit == django_settings.SOCIALHUB_PUBLISH_TIME_LIMIT
    assert publish_post.acks_late is True
