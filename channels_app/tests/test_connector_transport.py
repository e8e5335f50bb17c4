"""How transport failures become connector errors: whether the request can have left decides
between "try again" and "look before you resend"."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from channels_app.connectors import OutcomeUnknownError, PostPayload, RetryableError
from channels_app.connectors.mastodon import MastodonConnector
from channels_app.tests.peers.fixtures import free_port

PAYLOAD = PostPayload(text="hello", idempotency_key="post-1")


def credentials(port: int) -> dict[str, str]:
    return {"instance_url": f"http://127.0.0.1:{port}", "access_token": "token-value-123456"}


@pytest.fixture
def hang_up_server() -> Iterator[int]:
    """Reads each request whole, then closes the connection without a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)  # wake up often to notice the test is over
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    data += chunk

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_refused_connection_is_retryable_nothing_was_sent() -> None:
    with pytest.raises(RetryableError, match="could not be reached"):
        MastodonConnector().publish(credentials(free_port()), PAYLOAD)


def test_connection_closed_after_sending_a_post_is_an_unknown_outcome(hang_up_server: int) -> None:
    with pytest.raises(OutcomeUnknownError, match="not known yet"):
        MastodonConnector().publish(credentials(hang_up_server), PAYLOAD)


def test_connection_closed_on_a_read_is_just_retryable(hang_up_server: int) -> None:
    with pytest.raises(RetryableError, match="broke"):
        MastodonConnector().verify(credentials(hang_up_server))


def test_silent_server_times_out_unknown_for_posts_retryable_for_reads() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections (the kernel does), never answers
    port = int(listener.getsockname()[1])
    try:
        with pytest.raises(OutcomeUnknownError, match=r"within 0.2 s"):
            MastodonConnector(read_timeout=0.2).publish(credentials(port), PAYLOAD)
        with pytest.raises(RetryableError, match=r"within 0.2 s"):
            MastodonConnector(read_timeout=0.2).verify(credentials(port))
    finally:
        listener.close()
