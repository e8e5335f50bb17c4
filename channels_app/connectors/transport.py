"""HTTP for connectors: explicit timeouts, our User-Agent, no automatic retries, and transport
failures turned into the connector error that says what the engine may do next.

Tokens travel only in headers or bodies, never in URLs, so no URL in a log line or an
exception can carry one; log lines name the method, host, path and status, nothing else.

Outbound requests go only to public addresses over https (docs/security.md, "Outbound
requests"): an instance or PDS URL is the server's address alone (scheme://host[:port]), its
host must resolve to public addresses only, and the connection itself checks the address it
reached, so a name that resolves differently a second time (DNS rebinding) still cannot reach
an internal service. A refusal is a PermanentError: the engine never retries it. Error texts
carry a platform's own JSON error message, never the raw body of whatever answered.
Local peers (tests, a developer's stand-ins) need SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, NewConnectionError

from channels_app.connectors.base import (
    DEFAULT_RATE_LIMIT_WAIT,
    OutcomeUnknownError,
    PermanentError,
    RateLimited,
    RetryableError,
    redact,
)

logger = logging.getLogger("channels_app.connectors")

USER_AGENT = "SocialHub/0.1 (governed social media publishing)"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
MAX_MESSAGE_LENGTH = 500
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class BlockedAddressError(Exception):
    """An outbound request refused before anything was sent: not https, or not a public
    address. Deliberately not an OSError, so neither urllib3 nor requests retries or wraps it."""


def private_hosts_allowed() -> bool:
    """Whether plain http and private, loopback or link-local addresses are allowed (local
    peers in tests and development only; off unless SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS)."""
    return bool(getattr(settings, "SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS", False))


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    """True for an address on the public internet; False for loopback, private, shared (CGNAT),
    link-local (cloud metadata at 169.254.169.254), multicast, reserved and unspecified ones,
    also when an IPv6 address embeds such an IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to (an IP literal is its own)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def refuse_private(host: str, port: int) -> None:
    """BlockedAddressError unless every address of the host is public (or private hosts are
    allowed). A host that does not resolve passes here: the connection will fail on its own."""
    if private_hosts_allowed():
        return
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        return
    blocked = [address for address in addresses if not is_public_address(address)]
    if blocked:
        raise BlockedAddressError(
            f"{host} resolves to {blocked[0]}, which is not a public internet address."
        )


_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$)({_LABEL}\.)*{_LABEL}\.?")


def normalise_base_url(url: str) -> str:
    """A server's address as scheme://host[:port] (lower case, no default port, no trailing
    slash), or BlockedAddressError. Only the address: a path, query, fragment or user name
    could make requests land elsewhere than they appear to (`https://a/admin#` sends every
    request to /admin; `https://a@b` goes to b)."""
    raw = url.strip()
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    # Tokens travel with every request: plain http only to a local peer, when those are allowed.
    if scheme != "https" and not (scheme == "http" and _local_peer(parts.hostname or "")):
        raise BlockedAddressError("Use an https:// address.")
    if "@" in parts.netloc:
        raise BlockedAddressError("The address must not contain a user name or password.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in raw or "#" in raw:
        raise BlockedAddressError(
            "Give only the server's address, e.g. https://mastodon.social: no path, query or "
            "fragment."
        )
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        raise BlockedAddressError("The address has an invalid port.") from None
    try:
        literal: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None:
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = ""
        if not _HOSTNAME.fullmatch(ascii_host):
            raise BlockedAddressError("The address has no valid host name.")
    elif not private_hosts_allowed() and not is_public_address(host):
        raise BlockedAddressError(f"{host} is not a public internet address.")
    netloc = f"[{host}]" if isinstance(literal, ipaddress.IPv6Address) else host
    if port is not None and port != {"https": 443, "http": 80}[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def _local_peer(host: str) -> bool:
    """A loopback or private host named literally, while private hosts are allowed."""
    if not private_hosts_allowed():
        return False
    return host.lower() in LOOPBACK_HOSTS or (
        _is_ip(host) and not is_public_address(host.strip("[]"))
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def check_base_url(url: str, *, what: str, platform: str) -> str:
    """The server address a connector talks to (see normalise_base_url), or a PermanentError
    naming the field: a refused address is never worth retrying."""
    try:
        return normalise_base_url(url)
    except BlockedAddressError as exc:
        raise PermanentError(f"{what} is refused: {exc}", platform=platform) from None


# --- Connections that check where they landed ------------------------------------------------


class _CheckedConnectionMixin:
    """Before connecting, every address the host resolves to must be public; after, the peer
    address of the socket must be (the name may resolve differently the second time)."""

    host: str
    port: int

    def _new_conn(self) -> socket.socket:
        refuse_private(self.host, self.port)
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        if not private_hosts_allowed():
            peer = str(sock.getpeername()[0])
            if not is_public_address(peer):
                sock.close()
                raise BlockedAddressError(
                    f"{self.host} led to {peer}, which is not a public internet address."
                )
        return sock


class _CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    pass


class _CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """requests' adapter with checked connections, https only (unless private hosts are
    allowed), and no retries of its own: a resent POST is exactly the duplicate we avoid."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPConnectionPool,
            "https": _CheckedHTTPSConnectionPool,
        }

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        scheme = urlsplit(request.url or "").scheme.lower()
        if scheme != "https" and not private_hosts_allowed():
            raise BlockedAddressError(f"Only https:// addresses are allowed (got {scheme}://).")
        return super().send(request, *args, **kwargs)


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait, from Retry-After (seconds or an HTTP date) or a rate-limit reset time
    (Unix seconds as X and Bluesky send it, or ISO 8601 as Mastodon does)."""
    now = time.time() if now is None else now
    raw = headers.get("Retry-After")
    if raw:
        raw = raw.strip()
        if raw.isdigit():
            return float(raw)
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    for name in ("x-rate-limit-reset", "ratelimit-reset", "X-RateLimit-Reset"):
        raw = headers.get(name)
        if not raw:
            continue
        raw = raw.strip()
        try:
            reset = float(raw)
        except ValueError:
            try:
                reset = datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
        if reset > 1e9:  # a moment in time, not a number of seconds
            return max(0.0, reset - now)
        return max(0.0, reset)
    return None


class PlatformHttp:
    """One platform's HTTP client. ``sends=True`` marks a request that creates something: for
    those a lost answer is an unknown outcome, for reads it is simply worth retrying."""

    def __init__(
        self,
        *,
        platform: str,
        label: str,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.platform = platform
        self.label = label
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        # Never retry on our own (a resent POST is exactly the duplicate we are here to avoid),
        # and only to public https addresses.
        adapter = CheckedAdapter()
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        # Proxies from the environment would see our tokens; connectors talk to platforms only.
        self.session.trust_env = False

    def __repr__(self) -> str:
        return f"<PlatformHttp {self.platform}>"

    def request(
        self,
        method: str,
        url: str,
        *,
        sends: bool,
        secrets: Iterable[str] = (),
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | bytes | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(url)
        where = f"{method} {parts.hostname}{parts.path}"
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                headers=dict(headers or {}),
                params=params,
                json=json,
                data=data,
                files=files,
                auth=auth,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except BlockedAddressError as exc:
            logger.warning("%s %s: refused, not a public https address", self.platform, where)
            raise PermanentError(
                f"{self.label}: the request was refused before sending: {exc}",
                platform=self.platform,
            ) from None
        except requests.exceptions.ConnectTimeout as exc:
            logger.warning("%s %s: no connection within %ss", self.platform, where, self.timeout[0])
            raise RetryableError(
                f"{self.label} could not be reached (connection timed out).",
                platform=self.platform,
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                logger.warning("%s %s: connection refused or host unknown", self.platform, where)
                raise RetryableError(
                    f"{self.label} could not be reached (connection failed).",
                    platform=self.platform,
                ) from exc
            logger.warning("%s %s: connection lost after sending", self.platform, where)
            if sends:
                raise OutcomeUnknownError(
                    f"The connection to {self.label} broke after the post was sent; "
                    "whether it was published is not known yet.",
                    platform=self.platform,
                ) from exc
            raise RetryableError(
                f"The connection to {self.label} broke.", platform=self.platform
            ) from exc
        except requests.exceptions.Timeout as exc:
            logger.warning("%s %s: no answer within %ss", self.platform, where, self.timeout[1])
            if sends:
                raise OutcomeUnknownError(
                    f"{self.label} did not answer within {self.timeout[1]:g} s after the post "
                    "was sent; whether it was published is not known yet.",
                    platform=self.platform,
                ) from exc
            raise RetryableError(
                f"{self.label} did not answer within {self.timeout[1]:g} s.",
                platform=self.platform,
            ) from exc
        except requests.exceptions.RequestException as exc:
            # A malformed URL or similar: our configuration, not the platform's state.
            raise PermanentError(
                f"{self.label} request could not be made: {redact(str(exc), secrets)}",
                platform=self.platform,
            ) from exc
        logger.info(
            "%s %s -> %s in %.2fs",
            self.platform,
            where,
            response.status_code,
            time.monotonic() - started,
        )
        return response

    def error_for(
        self,
        response: requests.Response,
        message: str,
        *,
        secrets: Iterable[str] = (),
    ) -> RetryableError | PermanentError:
        """The usual mapping: 429, 408 and 5xx may pass later; every other refusal is final.
        Platforms with richer error bodies special-case before calling this."""
        status = response.status_code
        text = shorten(redact(message, secrets))
        if status == 429:
            wait = parse_retry_after(response.headers)
            return RateLimited(
                text,
                platform=self.platform,
                status=status,
                retry_after_seconds=DEFAULT_RATE_LIMIT_WAIT if wait is None else wait,
            )
        if status == 408 or status >= 500:
            return RetryableError(
                text,
                platform=self.platform,
                status=status,
                retry_after=parse_retry_after(response.headers),
            )
        return PermanentError(text, platform=self.platform, status=status)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the request cannot have left: the connection was never established."""
    reason: BaseException | None = exc.args[0] if exc.args else None
    # requests wraps urllib3's MaxRetryError, whose .reason is the underlying error.
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError | NameResolutionError | ConnectionRefusedError)


def shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_LENGTH:
        return text[: MAX_MESSAGE_LENGTH - 1] + "…"
    return text


def json_or_empty(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}


def body_excerpt(response: requests.Response) -> str:
    """What to show when a platform answers without the error shape it documents: the status
    and its standard phrase only. Never the body, nor the server's own reason phrase: they are
    whatever the other end chose to send, and echoing them turns SocialHub into a way of
    reading servers it should never have reached."""
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = ""
    return f"HTTP {response.status_code} {phrase}".strip()


def utc_from_credential(raw: str) -> datetime | None:
    """An expiry time stored as ISO 8601 or Unix seconds; None when absent or unreadable."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(float(raw), tz=UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
