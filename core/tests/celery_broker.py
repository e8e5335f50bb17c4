"""Which broker the test process's Celery app sends to, and what is waiting on it.

Every test starts on kombu's in-memory broker (root conftest), so no test leaves messages on a
developer's filesystem queue or on CI's Redis. Tests that need a real broker (the publishing
fault tests, with worker processes) point the app at one with `celery_broker(url, queue)`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kombu import Connection

from socialhub.celery import app

MEMORY = "memory://localhost/"


def point_celery_at(url: str, *, queue: str | None = None) -> tuple[str, str]:
    """Send this process's tasks to `url` (and `queue`); returns what it was before.

    Celery reads CELERY_BROKER_URL from the environment before its own configuration, so the
    variable is set too. The connection and producer pools are cached on first use, so they
    are dropped as well.
    """
    conf: Any = app.conf
    previous = (str(conf.broker_url), str(conf.task_default_queue))
    os.environ["CELERY_BROKER_URL"] = url
    conf.broker_url = url
    if queue is not None:
        conf.task_default_queue = queue
    # Dropped, not closed: kombu keeps producer pools in a registry of its own, and a closed
    # one would be handed back when the app returns to this broker.
    celery_app: Any = app
    celery_app._pool = None
    amqp: Any = app.amqp
    amqp._producer_pool = None
    return previous


@contextmanager
def celery_broker(url: str, *, queue: str | None = None) -> Iterator[None]:
    environment = os.environ.get("CELERY_BROKER_URL")
    previous_url, previous_queue = point_celery_at(url, queue=queue)
    try:
        yield
    finally:
        point_celery_at(previous_url, queue=previous_queue)
        if environment is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = environment


@dataclass(frozen=True)
class QueuedTask:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    eta: datetime | None
    raw: bytes


def take_queued_tasks(queue: str = "celery") -> list[QueuedTask]:
    """Every message waiting on the in-memory broker's queue, removed from it."""
    taken: list[QueuedTask] = []
    with Connection(MEMORY) as connection:
        simple = connection.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(block=False)
                except simple.Empty:
                    break
                args, kwargs, _embed = message.decode()
                eta = message.headers.get("eta")
                taken.append(
                    QueuedTask(
                        name=message.headers["task"],
                        args=tuple(args),
                        kwargs=kwargs,
                        eta=datetime.fromisoformat(eta) if eta else None,
                        raw=message.body if isinstance(message.body, bytes) else b"",
                    )
                )
                message.ack()
        finally:
            simple.close()
    return taken
