"""HTTP for connectors: explicit timeouts, our User-Agent, no automatic retries, and transport
failures turned into the connector error that says what the engine may do next.

Tokens travel only in headers or bodies, never in URLs, so no URL in a log line or an
exception can carry one; log lines name the method, host, path and status, nothing else.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
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


def check_base_url(url: str, *, what: str, platform: str) -> str:
    """An https URL (plain http only on this machine, for local peers), without a trailing /."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return url.strip().rstrip("/")
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return url.strip().rstrip("/")
    raise PermanentError(
        f"{what} must be an https:// address (got {parts.scheme or 'no'} scheme).",
        platform=platform,
    )


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
        # Never retry on our own: a resent POST is exactly the duplicate we are here to avoid.
        adapter = HTTPAdapter(max_retries=0)
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
    """Something to show when a platform answers without the error shape it documents."""
    text = response.text.strip()
    if not text:
        return f"HTTP {response.status_code} {response.reason or ''}".strip()
    return f"HTTP {response.status_code}: {text[:200]}"


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
