"""The one interface every helpdesk connector speaks, what goes in and comes out, and the
connection settings each helpdesk needs.

A helpdesk connector hands a customer-service conversation to the helpdesk or CRM the support
department already runs, as a case (a ticket), and reads back what became of it. Like the
publishing connectors (channels_app/connectors/base.py) it is stateless: the caller hands it
the decrypted connection settings of the organisation on every call, and nothing here touches
the database, so the caller decides what to store and when.

The errors are the publishing connectors' own, with the same meaning:
- ``RetryableError``: no case was created; try again later (``retry_after`` when known).
- ``PermanentError``: the helpdesk refused; the same request will be refused again. The
  message is the helpdesk's own (secrets blotted out), fit to show to the person handling the
  conversation.
- ``OutcomeUnknownError``: the request left but its answer was lost. The case may or may not
  exist: call ``find_case`` with the same ``external_id`` before any resend.

Private by design: a ``CaseRequest`` holds only what the customer wrote (their messages, with
time and link) and their public handle, name and profile link, never anything written inside
SocialHub (internal comments, reviewer notes, triage reasons).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.db import models

from channels_app.connectors.base import (
    ConnectorError,
    OutcomeUnknownError,
    PermanentError,
    RateLimited,
    RetryableError,
)
from channels_app.connectors.transport import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    PlatformHttp,
    check_base_url,
)
from channels_app.platforms import Platform

__all__ = [
    "CaseRef",
    "CaseRequest",
    "CaseState",
    "CaseStatus",
    "ConnectorError",
    "CustomerMessage",
    "HelpdeskConnector",
    "HelpdeskIdentity",
    "HelpdeskSettings",
    "OutcomeUnknownError",
    "PermanentError",
    "RateLimited",
    "RetryableError",
    "SettingField",
    "case_description",
]

HelpdeskSettings = Mapping[str, str]

# Every description ends with this line and the external id: a person reading the case sees
# where it came from, and a helpdesk without an external-id field is searched by it.
REFERENCE_LABEL = "SocialHub reference:"
# Our external ids are made by SocialHub (e.g. "socialhub-conversation-42"): letters, digits
# and a few separators only, so they travel safely in URLs, searches and custom fields.
EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}")


# --- What goes in and comes out ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CustomerMessage:
    """One message the customer wrote, as the platform has it."""

    text: str
    sent_at: datetime
    url: str = ""

    def __post_init__(self) -> None:
        if self.sent_at.tzinfo is None:
            raise ValueError("sent_at must be timezone-aware.")


@dataclass(frozen=True, kw_only=True)
class CaseRequest:
    """A conversation to hand over as a case.

    ``external_id`` is stable per conversation (never per attempt): every helpdesk stores it
    with the case, so a resend after an unknown outcome is recognised (``find_case``).
    ``customer_email`` only when the customer gave it themselves; it is never looked up.
    """

    external_id: str
    subject: str
    platform: str  # a channels_app.platforms.Platform value
    customer_handle: str
    messages: tuple[CustomerMessage, ...]
    customer_name: str = ""
    customer_url: str = ""
    customer_email: str = ""

    def __post_init__(self) -> None:
        if not EXTERNAL_ID.fullmatch(self.external_id or ""):
            raise ValueError(
                "A case request needs an external id that is stable per conversation "
                "(letters, digits, '_', '.', ':' or '-', at most 80)."
            )
        if not self.messages:
            raise ValueError("A case request needs at least one message from the customer.")

    @property
    def customer_display(self) -> str:
        """The name the helpdesk shows for the customer: their name, else their handle."""
        return self.customer_name or self.customer_handle


@dataclass(frozen=True, kw_only=True)
class CaseRef:
    """A case in the helpdesk: our ``external_id``, the helpdesk's own id (``case_id``, what
    every later call takes), the number people quote (``number``) and its page for agents."""

    external_id: str
    case_id: str
    number: str
    url: str


class CaseState(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"


@dataclass(frozen=True, kw_only=True)
class CaseStatus:
    """Where the case stands: one of ours (``state``) and the helpdesk's own words for it."""

    case_id: str
    state: str  # a CaseState value
    helpdesk_status: str


@dataclass(frozen=True, kw_only=True)
class HelpdeskIdentity:
    """Who the settings speak as, shown when an org admin saves or checks the connection."""

    account_id: str
    name: str
    url: str = ""
    detail: str = ""  # what else was checked (the queue, the external-id field)


# --- Connection settings each helpdesk needs ------------------------------------------------


@dataclass(frozen=True)
class SettingField:
    """One connection setting (like channels_app's CredentialField): secret ones are stored
    encrypted, never shown again, and blotted out of every message."""

    name: str
    label: str
    secret: bool
    required: bool = True
    help_text: str = ""
    # How the value is checked when an org admin enters it (inbox.helpdesks.validation):
    # "url" a public https server address, "email" an e-mail address, "text" as it is, and
    # ``pattern`` (with its message) when given.
    input: str = "text"
    pattern: str = ""
    pattern_message: str = ""


def case_description(request: CaseRequest, *, limit: int | None = None) -> str:
    """The case's text: who wrote, where, and what they wrote, message by message (times in
    UTC), then our reference. Only the customer's own words and public profile (see
    CaseRequest). Over ``limit`` characters the messages are cut, never the reference."""
    platform = Platform(request.platform).label if request.platform in Platform.values else ""
    who = request.customer_handle
    if request.customer_name and request.customer_name != request.customer_handle:
        who = f"{request.customer_name} ({request.customer_handle})"
    lines = [f"{who} wrote on {platform}:" if platform else f"{who} wrote:", ""]
    for message in request.messages:
        when = message.sent_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"[{when}] {message.text}")
        if message.url:
            lines.append(message.url)
        lines.append("")
    body = "\n".join(lines)  # ends with a line break: the last line is empty
    tail = [f"Profile: {request.customer_url}"] if request.customer_url else []
    tail.append(f"{REFERENCE_LABEL} {request.external_id}")
    ending = "\n".join(tail)
    if limit is not None and len(body) + 1 + len(ending) > limit:
        body = body[: max(0, limit - len(ending) - 3)] + "…\n"
    return body + "\n" + ending


def has_reference(text: str, external_id: str) -> bool:
    """Whether a case text carries our reference line for this external id (exactly)."""
    return f"{REFERENCE_LABEL} {external_id}" in (text or "").splitlines()


def shorten_subject(subject: str, limit: int) -> str:
    subject = " ".join(subject.split()) or "Customer service conversation"
    return subject if len(subject) <= limit else subject[: limit - 1] + "…"


# --- The interface -------------------------------------------------------------------------


class HelpdeskConnector(ABC):
    """One helpdesk product. Subclasses set ``kind``, ``label`` and ``fields`` and implement
    the calls; ``settings`` is always the plain mapping of decrypted connection settings."""

    kind: ClassVar[str]
    label: ClassVar[str]
    fields: ClassVar[tuple[SettingField, ...]]
    # The setting holding the helpdesk's address (checked by the outbound-request rules).
    url_field: ClassVar[str] = "url"

    def __init__(
        self, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT
    ) -> None:
        # The publishing connectors' transport: explicit timeouts, no automatic retries, https
        # to public addresses only (docs/security.md, "Outbound requests").
        self.http = PlatformHttp(
            platform=self.kind,
            label=self.label,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    # --- settings --------------------------------------------------------------------------

    @classmethod
    def required_names(cls) -> list[str]:
        return [f.name for f in cls.fields if f.required]

    @classmethod
    def secret_names(cls) -> list[str]:
        return [f.name for f in cls.fields if f.secret]

    def secrets_in(self, settings: HelpdeskSettings) -> list[str]:
        return [settings.get(name, "") for name in self.secret_names()]

    def check_settings(self, settings: HelpdeskSettings) -> None:
        missing = [name for name in self.required_names() if not settings.get(name)]
        if missing:
            raise PermanentError(
                f"{self.label} settings are incomplete: {', '.join(missing)} missing.",
                platform=self.kind,
            )

    def base_url(self, settings: HelpdeskSettings) -> str:
        """The helpdesk's address as scheme://host[:port], refused unless it is a public https
        address (a PermanentError: never worth retrying)."""
        self.check_settings(settings)
        field = next(f for f in self.fields if f.name == self.url_field)
        return check_base_url(settings[self.url_field], what=field.label, platform=self.kind)

    # --- calls -----------------------------------------------------------------------------

    @abstractmethod
    def verify(self, settings: HelpdeskSettings) -> HelpdeskIdentity:
        """Check the settings with the helpdesk itself and say who they speak as; wrong
        credentials or a helpdesk not set up as docs/helpdesks.md says → PermanentError."""

    @abstractmethod
    def create_case(self, settings: HelpdeskSettings, request: CaseRequest) -> CaseRef:
        """Create the case (with ``request.external_id`` stored where the helpdesk keeps it)."""

    @abstractmethod
    def find_case(self, settings: HelpdeskSettings, external_id: str) -> CaseRef | None:
        """The case created for this external id, if the helpdesk has one (after an unknown
        outcome, before any resend), else None."""

    @abstractmethod
    def case_status(self, settings: HelpdeskSettings, case_id: str) -> CaseStatus:
        """Where the case stands now."""

    @abstractmethod
    def add_note(self, settings: HelpdeskSettings, case_id: str, text: str) -> None:
        """Append a note to the case for the agents (not sent to the customer by the helpdesk).
        Not idempotent on any helpdesk: the caller sends each note once."""

    # --- for the implementations ----------------------------------------------------------

    def request(
        self,
        settings: HelpdeskSettings,
        method: str,
        url: str,
        *,
        creates: bool = False,
        what: str = "the case",
        **kwargs: Any,
    ) -> Any:
        """One HTTP request through the transport. ``creates`` marks a request that creates
        something (``what``: the case, a note): a lost answer is then an unknown outcome."""
        try:
            return self.http.request(
                method, url, sends=creates, secrets=self.secrets_in(settings), **kwargs
            )
        except OutcomeUnknownError as exc:
            raise OutcomeUnknownError(
                f"{self.label} did not confirm the request in time: whether {what} was "
                "created is not known yet.",
                platform=self.kind,
            ) from exc

    def refusal(
        self, response: Any, message: str, settings: HelpdeskSettings
    ) -> RetryableError | PermanentError:
        """The usual mapping (429/408/5xx retryable, other refusals permanent), with the
        helpdesk's message, its secrets blotted out."""
        return self.http.error_for(
            response, f"{self.label}: {message}", secrets=self.secrets_in(settings)
        )
