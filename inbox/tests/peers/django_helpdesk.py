"""The django-helpdesk test peer: django-helpdesk from PyPI, served by its own Django project
(``helpdesk/helpdesk_site``) from its own virtualenv (``helpdesk/.venv``, made by
``helpdesk/install.sh``) on 127.0.0.1, once for the whole test run.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
import requests

from channels_app.tests.peers.fixtures import free_port

PEER = Path(__file__).parent / "helpdesk"
PEER_PYTHON = PEER / ".venv" / "bin" / "python"
PEER_START_TIMEOUT = 90.0


def _peer_missing(reason: str) -> NoReturn:
    """Skip on a developer's machine; in CI (CI=true, where .ci/run installs the peer) a missing
    peer is a failure, so these tests can never silently stop running."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class DjangoHelpdeskPeer:
    url: str
    username: str
    password: str
    queue_id: int
    started_in: float

    def settings(self, **overrides: str) -> dict[str, str]:
        values = {
            "url": self.url,
            "path": "",
            "username": self.username,
            "password": self.password,
            "queue_id": str(self.queue_id),
        }
        values.update(overrides)
        return values

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """The helpdesk's API as its staff use it (an agent solving a ticket, in tests)."""
        response = requests.request(
            method,
            f"{self.url}{path}",
            auth=(self.username, self.password),
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    def tickets(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.api("GET", "/api/tickets/", params={"page_size": 100, "page": page})
            found.extend(body["results"])
            if not body["next"]:
                return found
            page += 1

    def tickets_with_reference(self, external_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tickets() if t.get("custom_socialhub_external_id") == external_id]

    def add_fault(self, rule: dict[str, Any]) -> None:
        requests.post(f"{self.url}/_peer/faults", json=rule, timeout=5).raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.url}/_peer/faults", timeout=5).raise_for_status()


@pytest.fixture(scope="session")
def django_helpdesk_peer(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DjangoHelpdeskPeer]:
    if not PEER_PYTHON.exists():
        _peer_missing(
            "django-helpdesk peer is not installed: run inbox/tests/peers/helpdesk/install.sh "
            "(.ci/run does this)."
        )
    state = tmp_path_factory.mktemp("django-helpdesk")
    password = secrets.token_urlsafe(18)
    port = free_port()
    log = state / "server.log"
    started = time.monotonic()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HELPDESK_PEER_STATE": str(state),
        "HELPDESK_PEER_API_PASSWORD": password,
        "HELPDESK_PEER_SECRET_KEY": secrets.token_urlsafe(32),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (the peer's own interpreter and script)
            [str(PEER_PYTHON), "serve.py", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=PEER,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PEER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"django-helpdesk exited at start:\n{_tail(log)}")
            try:
                if requests.get(f"{url}/api/", timeout=1).status_code in (200, 401, 403):
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"django-helpdesk did not answer in {PEER_START_TIMEOUT} s:\n{_tail(log)}"
                )
            time.sleep(0.2)
        info = next(
            json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")
        )
        yield DjangoHelpdeskPeer(
            url=url,
            username="socialhub",
            password=password,
            queue_id=int(info["queue_id"]),
            started_in=time.monotonic() - started,
        )
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""
