"""Celery workers keep their database connection between tasks (docs/publishing.md): Celery's
Django fixup closes nothing, and socialhub/celery.py tidies connections around each task the
way Django does around each request."""

from __future__ import annotations

from types import SimpleNamespace

import django.db
import pytest
from celery import signals
from celery.fixups.django import DjangoWorkerFixup  # type: ignore[attr-defined]

from socialhub.celery import app


def test_celerys_fixup_leaves_the_connection_open_around_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fixup = DjangoWorkerFixup(app)
    closed: list[bool] = []
    monkeypatch.setattr(fixup, "_close_database", lambda: closed.append(True))

    for _ in range(1000):  # prerun and postrun of 500 tasks
        fixup.close_database()

    assert closed == []


class _Task:
    """What the signals pass as `task`: its request says whether it runs inline."""

    def __init__(self, eager: bool) -> None:
        self.request = SimpleNamespace(is_eager=eager)


@pytest.mark.parametrize(("eager", "tidied"), [(False, 2), (True, 0)])
def test_connections_are_tidied_as_after_a_request_around_each_task_a_worker_runs(
    monkeypatch: pytest.MonkeyPatch, eager: bool, tidied: int
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(django.db, "close_old_connections", lambda **_: calls.append(True))
    task = _Task(eager)

    signals.task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    signals.task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={})

    assert len(calls) == tidied
