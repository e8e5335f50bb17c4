"""The one interface every publishing connector speaks, its error types, and what each platform
needs as credentials.

A connector is stateless apart from caches of short-lived sessions: the caller (the publishing
engine, the credentials storage) hands it a plain mapping of decrypted credentials for each
call. Nothing here touches the database, so the engine decides what to store and when.

Errors say what the engine should do next:
- ``RetryableError``: nothing was published; try again later (``retry_after`` seconds when the
  platform said how long to wait).
- ``PermanentError``: the platform refused the post; retrying the same request will not help.
  The message is the platform's own, fit to show to the author and reviewer.
- ``TokenExpiredError`` (a ``PermanentError``): the OAuth access token expired; ``refresh`` the
  credentials, store them, and call again (``call_with_fresh_token`` does exactly that).
- ``OutcomeUnknownError``: the request left but no answer came back (a timeout or a reset
  after sending). The post may or may not exist: call ``find_existing`` before any resend.
- ``RateLimited`` (a ``RetryableError``): the platform answered 429 or its own rate-limit code;
  ``retry_after_seconds`` says how long to leave the account alone.

Engagement (``fetch_engagement`` → ``EngagementBatch``: the public figures of published posts,
in batches of ``engagement_batch_size``) is described in docs/insights.md.

The read side (``fetch_incoming`` → ``IncomingPage`` of ``IncomingItem``) and replies (a
``ReplyTarget`` in ``PostPayload.reply_to``) are described in docs/connectors.md, "Reading
incoming items and replying"; their types live in incoming_items.py, the credentials each
platform needs in credential_fields.py. Both are re-exported here.
"""

from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol, TypeVar

from channels_app.connectors.credential_fields import CREDENTIAL_FIELDS as CREDENTIAL_FIELDS
from channels_app.connectors.credential_fields import CredentialField as CredentialField
from channels_app.connectors.credential_fields import (
    required_credential_names,
    secret_credential_names,
)
from channels_app.connectors.engagement_figures import Engagement as Engagement
from channels_app.connectors.engagement_figures import EngagementBatch as EngagementBatch
from channels_app.connectors.incoming_items import IncomingItem as IncomingItem
from channels_app.connectors.incoming_items import IncomingKind as IncomingKind
from channels_app.connectors.incoming_items import IncomingPage, ReplyTarget
from channels_app.connectors.incoming_items import SearchKind as SearchKind
from channels_app.connectors.incoming_items import SearchTerm as SearchTerm
from channels_app.rules import RULES

Credentials = Mapping[str, str]


# --- Errors --------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A platform call that did not publish (or did not confirm). ``str()`` is the message."""

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        status: int | None = None,
        code: int | str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.platform = platform
        self.status = status
        # The platform's own error code when it gives one (Graph's 100, 190, …).
        self.code = code

    def __str__(self) -> str:
        return self.message


class RetryableError(ConnectorError):
    """Nothing was published and trying again later may work (5xx, 429, a refused connection)."""

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, platform=platform, status=status)
        self.retry_after = retry_after


# When a platform limits us without saying for how long (Graph API codes, a bare 429).
DEFAULT_RATE_LIMIT_WAIT = 60.0


class RateLimited(RetryableError):
    """The platform refused for now because of its rate limit (HTTP 429, or its own code for
    it): leave the account alone for ``retry_after_seconds`` (the platform's Retry-After or
    reset time; ``DEFAULT_RATE_LIMIT_WAIT`` when it gave none)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: float,
        platform: str = "",
        status: int | None = 429,
    ) -> None:
        super().__init__(message, platform=platform, status=status, retry_after=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class PermanentError(ConnectorError):
    """The platform refused; the same request will be refused again (401, 403, 422, duplicate)."""


class TokenExpiredError(PermanentError):
    """The access token expired: refresh the credentials and call again."""


class OutcomeUnknownError(ConnectorError):
    """The request was sent but its answer was lost: look the post up before any resend."""


# --- What goes in and comes out ------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """One image of a post: its bytes (already stripped of metadata), MIME type and alt text;
    width and height when known (Bluesky shows the aspect ratio before the image loads)."""

    data: bytes = field(repr=False)
    content_type: str
    alt_text: str = ""
    width: int = 0
    height: int = 0

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}.get(
            self.content_type, "webp"
        )


class MediaUploads(Protocol):
    """Where a connector remembers images a platform accepted, by a key stable per post, image
    and alt text: a retry of the post attaches them again instead of uploading them twice.
    The engine passes one that outlives the process (approvals.media.DatabaseMediaUploads)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, reference: str) -> None: ...


class MemoryMediaUploads:
    """MediaUploads in this process only (the default when the payload brings none)."""

    def __init__(self) -> None:
        self._items: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, reference: str) -> None:
        with self._lock:
            self._items.setdefault(key, reference)

    def references(self) -> list[str]:
        with self._lock:
            return list(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


def media_upload_key(platform: str, idempotency_key: str, image: Image) -> str:
    """Stable per platform, post, image bytes and alt text (never per attempt)."""
    digest = hashlib.sha256(
        f"{idempotency_key}\n{image.checksum}\n{image.alt_text}".encode()
    ).hexdigest()
    return f"{platform}:{digest[:48]}"


@dataclass(frozen=True)
class PostPayload:
    """One post as the platform should receive it.

    ``idempotency_key`` is stable per post (never per attempt): Mastodon gets it as the
    ``Idempotency-Key`` header, Bluesky's record key is derived from it. ``created_at`` should
    be stable per post too (for instance when it first became due): Bluesky's record key and
    ``createdAt`` carry it, so a retry builds the very same record.
    """

    text: str
    idempotency_key: str
    images: tuple[Image, ...] = ()
    created_at: datetime | None = None
    # What platforms already accepted of this post's images (see MediaUploads).
    uploads: MediaUploads | None = field(default=None, compare=False, repr=False)
    # Set when the post answers an incoming item: it is published as a reply threaded under
    # that item (or privately, where the platform allows it) instead of as a new post.
    reply_to: ReplyTarget | None = None

    def __post_init__(self) -> None:
        if not self.idempotency_key:
            raise ValueError("A post payload needs an idempotency key that is stable per post.")
        if self.created_at is not None and self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware.")


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str


@dataclass(frozen=True)
class ConnectedIdentity:
    """Who the credentials speak as, shown when an org admin connects an account."""

    account_id: str
    handle: str
    name: str
    url: str = ""
    max_characters: int | None = None  # the destination's own limit when it announces one


# --- Keeping secrets out of messages -------------------------------------------------------

REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret value blotted out (platforms sometimes echo what they got)."""
    for secret in sorted((s for s in secrets if s and len(s) >= 8), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def fingerprint(secret: str) -> str:
    """A stable, non-reversible name for a secret, to key caches without holding it as a key."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


# --- The interface -------------------------------------------------------------------------


class Connector(ABC):
    """One platform. Subclasses set ``platform`` and ``label`` and implement the calls."""

    platform: ClassVar[str]
    label: ClassVar[str]
    supports_refresh: ClassVar[bool] = False
    # The read side and replies (see fetch_incoming and PostPayload.reply_to).
    reads_incoming: ClassVar[bool] = False
    reads_direct_messages: ClassVar[bool] = False
    can_reply: ClassVar[bool] = False
    can_reply_privately: ClassVar[bool] = False
    # Engagement of published posts (fetch_engagement): how many posts one call may ask for.
    reads_engagement: ClassVar[bool] = False
    engagement_batch_size: ClassVar[int] = 1

    def secrets_in(self, credentials: Credentials) -> list[str]:
        return [credentials.get(name, "") for name in secret_credential_names(self.platform)]

    def check_credentials(self, credentials: Credentials) -> None:
        missing = [n for n in required_credential_names(self.platform) if not credentials.get(n)]
        if missing:
            raise PermanentError(
                f"{self.label} credentials are incomplete: {', '.join(missing)} missing.",
                platform=self.platform,
            )

    @abstractmethod
    def publish(self, credentials: Credentials, payload: PostPayload) -> PublishResult:
        """Send the post; the platform's id and public URL of what it created."""

    @abstractmethod
    def find_existing(self, credentials: Credentials, payload: PostPayload) -> PublishResult | None:
        """The post if the platform already has it (after an unknown outcome), else None."""

    @abstractmethod
    def verify(self, credentials: Credentials) -> ConnectedIdentity:
        """Check the credentials and say who they speak as."""

    # --- engagement of published posts ------------------------------------------------------

    def fetch_engagement(
        self, credentials: Credentials, external_ids: Sequence[str]
    ) -> EngagementBatch:
        """The public figures of posts this account published (``PublishResult.external_id``
        values, at most ``engagement_batch_size`` of them): each found post's figures, and a
        reason for each the platform no longer shows. Errors as for publishing: RateLimited
        says how long to wait, PermanentError that the platform will not tell (a missing
        permission), with its message."""
        raise PermanentError(
            f"{self.label} connections do not report engagement.", platform=self.platform
        )

    def _engagement_ids(self, external_ids: Sequence[str]) -> list[str]:
        ids = [str(value) for value in external_ids if str(value)]
        if len(ids) > self.engagement_batch_size:
            raise ValueError(
                f"{self.label} reads the engagement of at most {self.engagement_batch_size} "
                f"posts a call; {len(ids)} were asked for."
            )
        return ids

    # --- listening: public posts matching a term -----------------------------------------

    # The SearchKind values this platform can look for (empty: it cannot search).
    searches: ClassVar[frozenset[str]] = frozenset()

    def search_posts(
        self, credentials: Credentials, *, term: SearchTerm, cursor: str | None, limit: int = 40
    ) -> IncomingPage:
        """Public posts matching ``term`` (IncomingKind.POST items, the account's own left
        out) that appeared since ``cursor``; None: the first read, which takes the newest page
        only. The returned cursor never goes backwards; ``more``: call again at once."""
        raise PermanentError(f"{self.label} cannot be searched for posts.", platform=self.platform)

    def _require_search(self, term: SearchTerm) -> None:
        if term.kind not in self.searches:
            raise PermanentError(
                f"{self.label} cannot look for a {SearchKind(term.kind).label.lower()}.",
                platform=self.platform,
            )

    # --- incoming items and replies --------------------------------------------------------

    def fetch_incoming(
        self, credentials: Credentials, *, cursor: str | None, limit: int = 50
    ) -> IncomingPage:
        """Items that came in since ``cursor`` (None: the first poll, which takes only the
        newest page, at most ``limit`` items: no history is imported). The returned cursor never
        goes backwards; ``limit`` bounds the items of one page."""
        raise PermanentError(
            f"{self.label} connections do not read incoming items.", platform=self.platform
        )

    def check_reply(self, payload: PostPayload) -> ReplyTarget | None:
        """The payload's reply target, refused before anything is sent when this platform
        cannot answer that way."""
        target = payload.reply_to
        if target is None:
            return None
        if not self.can_reply:
            raise PermanentError(
                f"{self.label} connections cannot publish replies.", platform=self.platform
            )
        if target.private and not self.can_reply_privately:
            raise PermanentError(
                f"{self.label} has no private replies: answer publicly, or in another channel.",
                platform=self.platform,
            )
        return target

    # --- images ----------------------------------------------------------------------------

    def check_images(self, payload: PostPayload) -> None:
        """Refuse, before anything is sent, images the platform would refuse: too many, or of a
        type its media API does not take. (SocialHub refuses them at upload already.)"""
        rules = RULES.get(self.platform)
        if rules is None or not payload.images:
            return
        if len(payload.images) > rules.max_images:
            raise PermanentError(
                f"{self.label} takes at most {rules.max_images} images; this post has "
                f"{len(payload.images)}.",
                platform=self.platform,
            )
        for number, image in enumerate(payload.images, start=1):
            if image.content_type not in rules.image_types:
                raise PermanentError(
                    f"{self.label} does not take image {number} ({image.content_type}).",
                    platform=self.platform,
                )
            if len(image.data) > rules.max_image_bytes:
                raise PermanentError(
                    f"Image {number} is larger than {self.label} takes.", platform=self.platform
                )

    def upload_once(self, payload: PostPayload, image: Image, upload: Callable[[], str]) -> str:
        """The platform's reference to the image: remembered from an earlier attempt of the same
        post, or uploaded now (and remembered at once, before the post itself is sent)."""
        store = payload.uploads
        if store is None:
            store = getattr(self, "_memory_uploads", None)
            if store is None:
                store = MemoryMediaUploads()
                self._memory_uploads = store
        key = media_upload_key(self.platform, payload.idempotency_key, image)
        found = store.get(key)
        if found:
            return found
        reference = upload()
        store.put(key, reference)
        return reference

    def needs_refresh(self, credentials: Credentials) -> bool:
        """Whether the access token is expired or about to be (only OAuth platforms say yes)."""
        return False

    def refresh(self, credentials: Credentials) -> dict[str, str]:
        """New credentials with a fresh access token (OAuth platforms only)."""
        raise PermanentError(
            f"{self.label} credentials cannot be refreshed: reconnect the account.",
            platform=self.platform,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


T = TypeVar("T")


def call_with_fresh_token(
    connector: Connector,
    credentials: Credentials,
    call: Callable[[Credentials], T],
    *,
    save: Callable[[dict[str, str]], None],
) -> T:
    """Run ``call`` with a valid access token: refresh first when the token is known to be
    expired, and once more when the platform answers that it expired. ``save`` receives the
    refreshed credentials before they are used, because some platforms (X) rotate the refresh
    token and the old one stops working at once."""
    current: Credentials = credentials
    if connector.supports_refresh and connector.needs_refresh(current):
        current = connector.refresh(current)
        save(dict(current))
    try:
        return call(current)
    except TokenExpiredError:
        if not connector.supports_refresh:
            raise
        current = connector.refresh(current)
        save(dict(current))
        return call(current)
