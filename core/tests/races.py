"""Running one piece of work in several threads released at the same instant, for the race tests
(PostgreSQL row locks): each thread's result, "conflict" when the service refused with a
Conflict, or "error: …" for anything else (which the test's assertion then shows)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

from core.errors import Conflict


def run_at_once(count: int, work: Callable[[int], Any], *, timeout: float = 60) -> list[Any]:
    """work(index) in `count` threads started together; their results, in finishing order."""
    start = threading.Barrier(count)
    results: list[Any] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            start.wait(timeout=10)
            result = work(index)
        except Conflict:
            result = "conflict"
        except Exception as exc:  # any other error fails the test's assertion
            result = f"error: {exc!r}"
        finally:
            connections.close_all()  # each thread opened its own connection
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
