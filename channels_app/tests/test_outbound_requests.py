"""Outbound requests go to public https addresses only (docs/security.md, "Outbound requests").

An instance or PDS URL is a server's address and nothing more; it must not lead to loopback,
private, link-local (cloud metadata), multicast or reserved addresses — neither as written,
nor through a name that resolves there, nor through a name that resolves differently when the
connection is made (DNS rebinding). Refusals happen before any byte is sent, are permanent (no
retry fans out), and no error shown ever carries another server's body.

Every connection these tests cause is recorded; any to an address off this machine is refused
on the spot, so a broken guard fails the test without sending traffic anywhere.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3.util.connection
from pytest_httpserver import HTTPServer

from accounts.models import User
from channels_app.connectors import (
    ConnectorError,
    PermanentError,
    PostPayload,
    RetryableError,
    transport,
)
from channels_app.connectors.bluesky import BlueskyConnector
from channels_app.connectors.mastodon import MastodonConnector
from channels_app.connectors.transport import (
    BlockedAddressError,
    is_public_address,
    normalise_base_url,
)
from channels_app.models import BrandAccount, BrandAccountConnection

REAL_CREATE_CONNECTION = urllib3.util.connection.create_connection
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def production_rules(settings: Any) -> None:
    """The rule in force in production (the test settings allow local peers)."""
    settings.SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS = False


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every connection urllib3 opens, recorded. Names in `fake_dns` resolve as given there;
    only loopback is ever really connected to."""
    opened: list[tuple[str, int]] = []

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host, port = address
        opened.append((host, port))
        host = FAKE_DNS.get(host, host)
        if host not in LOOPBACK:
            raise ConnectionRefusedError(f"the test refuses to connect to {host}")
        return REAL_CREATE_CONNECTION((host, port), *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return opened


FAKE_DNS = {"rebind.example": "127.0.0.1"}


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server on 127.0.0.1 that records every byte it receives."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(1)
                try:
                    while chunk := connection.recv(65536):
                        received.append(chunk)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1]), received
    stop.set()
    server.close()
    thread.join(timeout=5)


def refused_urls(port: int) -> list[str]:
    return [
        f"https://127.0.0.1:{port}",
        f"http://127.0.0.1:{port}/admin#",  # the probe's own: plain http, a path, a fragment
        "https://10.1.2.3",
        "https://172.16.0.1",
        "https://192.168.1.1",
        "https://169.254.169.254",  # cloud metadata
        f"https://[::1]:{port}",
        f"https://localhost:{port}",  # a name that resolves to loopback
        "http://mastodon.example",  # not https
        "https://[::ffff:127.0.0.1]",
        "https://0.0.0.0",
    ]


def test_refused_in_the_credentials_api_before_any_connection(
    api_as: Any, org_admin: User, sales: Any, connections: list[tuple[str, int]]
) -> None:
    client = api_as(org_admin)
    for url in refused_urls(9777):
        response = client.post(
            "/api/v1/brand-accounts/",
            {
                "platform": "mastodon",
                "handle": "@acme@mastodon.example",
                "display_name": "Acme",
                "department": "sales",
                "credentials": {"instance_url": url, "access_token": "token-123456"},
            },
            format="json",
        )
        assert response.status_code == 400, (url, response.content)
        messages = response.json()["credentials"]["instance_url"]
        assert messages, url
        assert "token-123456" not in str(response.content)
    assert connections == []
    assert not BrandAccount.objects.exists()
    assert not BrandAccountConnection.objects.exists()


@pytest.mark.parametrize("index", range(11))
def test_connectors_refuse_before_sending_and_never_retry(
    connections: list[tuple[str, int]], index: int
) -> None:
    url = refused_urls(9777)[index]
    with pytest.raises(PermanentError, match="refused") as refused:
        MastodonConnector().verify({"instance_url": url, "access_token": "token-123456"})
    assert not isinstance(refused.value, RetryableError)
    with pytest.raises(PermanentError, match="refused"):
        BlueskyConnector().verify(
            {"pds_url": url, "handle": "acme.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}
        )
    assert connections == []


def test_dns_rebinding_is_caught_on_the_connection_itself(
    monkeypatch: pytest.MonkeyPatch,
    connections: list[tuple[str, int]],
    listener: tuple[int, list[bytes]],
) -> None:
    """The name looks public when checked, then resolves to loopback when connecting: the
    connection checks the address it reached and sends nothing (not even a TLS hello)."""
    port, received = listener
    monkeypatch.setattr(transport, "resolve", lambda host, port: ["93.184.216.34"])
    with pytest.raises(PermanentError, match=r"127\.0\.0\.1, which is not a public") as refused:
        MastodonConnector().verify(
            {"instance_url": f"https://rebind.example:{port}", "access_token": "token-123456"}
        )
    assert not isinstance(refused.value, RetryableError)
    assert connections == [("rebind.example", port)]  # one connection, no retry
    assert received == []


@pytest.mark.parametrize(
    "url",
    [
        "https://mastodon.example/admin",
        "https://mastodon.example/?x=1",
        "https://mastodon.example#x",
        "https://mastodon.example/#",
        "https://user:password@mastodon.example",
        "https://mastodon.example@127.0.0.1",
        "https://mastodon.example:99999",
        "https://exa mple.example",
        "https://exa_mple.example",
        "ftp://mastodon.example",
        "//mastodon.example",
        "mastodon.example",
    ],
)
def test_no_path_query_fragment_or_user_tricks(url: str) -> None:
    with pytest.raises(BlockedAddressError):
        normalise_base_url(url)


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("HTTPS://Mastodon.Example:443/", "https://mastodon.example"),
        ("https://mastodon.example:8443", "https://mastodon.example:8443"),
        ("  https://bsky.social/ ", "https://bsky.social"),
        ("https://[2606:4700::1111]", "https://[2606:4700::1111]"),
    ],
)
def test_addresses_are_stored_as_scheme_host_and_port(url: str, base: str) -> None:
    assert normalise_base_url(url) == base


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # shared address space (carrier-grade NAT)
        ("169.254.169.254", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address to refuse, not one to bind
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("not an address", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_the_switch_for_local_peers_allows_them(
    settings: Any, connections: list[tuple[str, int]], httpserver: HTTPServer
) -> None:
    settings.SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS = True
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_json(
        {"error": "The access token is invalid"}, status=401
    )
    with pytest.raises(PermanentError, match="The access token is invalid"):
        MastodonConnector().verify(
            {"instance_url": httpserver.url_for("/"), "access_token": "token-123456"}
        )
    assert len(connections) == 1
    # Even then, plain http goes only to a host named as a local address.
    with pytest.raises(BlockedAddressError, match="https"):
        normalise_base_url("http://mastodon.example")


@pytest.mark.parametrize("status", [200, 302, 404, 500, 502])
def test_errors_never_echo_another_servers_body(
    settings: Any, httpserver: HTTPServer, status: int
) -> None:
    settings.SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS = True
    body = "<html>internal admin console: SECRET-INTERNAL-DATA " + "x" * 600 + "</html>"
    for path in ("/api/v1/accounts/verify_credentials", "/api/v1/statuses"):
        httpserver.expect_request(path).respond_with_data(
            body, status=status, content_type="text/html"
        )
    credentials = {"instance_url": httpserver.url_for("/"), "access_token": "token-123456"}
    connector = MastodonConnector()
    payload = PostPayload(text="hello", idempotency_key="post-1")
    # A 200 on publishing is "accepted" without the status Mastodon documents.

    def call() -> object:
        # A 200 on publishing is "accepted" without the status Mastodon documents.
        if status == 200:
            return connector.publish(credentials, payload)
        return connector.verify(credentials)

    with pytest.raises(ConnectorError) as failed:
        call()
    message = str(failed.value)
    assert "SECRET-INTERNAL-DATA" not in message
    assert "html" not in message.lower()
    assert len(message) < 300


def test_check_deploy_warns_while_private_hosts_are_allowed(settings: Any) -> None:
    from channels_app.apps import private_platform_hosts_check

    assert private_platform_hosts_check() == []
    settings.SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS = True
    assert [m.id for m in private_platform_hosts_check()] == ["channels_app.W001"]
