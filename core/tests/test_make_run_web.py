"""`make run`'s web process (the Procfile's web line, started as honcho starts it) answers 50
simultaneous requests — signed-in pages, writes, /healthz, static files — on the embedded
default (SQLite): no refused or reset connection, no 500 such as "database is locked"."""

from __future__ import annotations

from pathlib import Path

from bench.concurrency import (
    DEMO_PEOPLE,
    burst,
    installation_env,
    log_in,
    prepare,
    procfile_command,
    web_process,
)


def test_the_procfile_serves_with_gunicorn_threads() -> None:
    command = procfile_command("web")
    assert command.startswith("gunicorn socialhub.wsgi ")
    assert "--threads" in command


def test_fifty_simultaneous_requests_are_all_answered(tmp_path: Path) -> None:
    env = installation_env(tmp_path / "var")
    prepare(env)
    with web_process(env, log=tmp_path / "web.log") as base:
        sessions = [log_in(base, who) for who in DEMO_PEOPLE]
        result = burst(base, sessions, 50)
    assert result.failures == [], result.summary()
    assert result.answered == 50
