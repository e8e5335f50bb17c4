"""The raw Celery task `bench.publish` compares the engine with: it does nothing but note when
it ran (one short line appended to a file), so its figures are Celery's and the broker's own."""

from __future__ import annotations

import time

from celery import shared_task


@shared_task(name="bench.noop", ignore_result=True)
def noop(path: str) -> None:
    with open(path, "a") as out:
        out.write(f"{time.time()}\n")
