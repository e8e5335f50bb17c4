"""What each platform needs to connect a brand account, and how the input is checked.

One table, used by the connect page (it builds its form from it), the API (it validates
`credentials` with it) and the service (which checks again before anything is stored). Its
field names, required fields and secrets are the connectors' (`connectors.base.CREDENTIAL_FIELDS`,
which `test_credentials_match_the_connectors` holds it to); this table adds how each is entered
and checked.
Every field is write-only: after saving, only "connected on <date> by <person>" is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.debug import sensitive_variables

from channels_app.connectors.transport import (
    BlockedAddressError,
    normalise_base_url,
    refuse_private,
)
from channels_app.platforms import Platform

FieldKind = Literal["url", "text", "secret", "datetime"]


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    kind: FieldKind
    required: bool = True
    help_text: str = ""
    # A format the value must match (after trimming), with the message shown when it does not.
    pattern: str = ""
    pattern_message: str = ""


_EXPIRES_AT = CredentialField(
    "expires_at",
    "Access token expires at",
    "datetime",
    help_text="ISO 8601 date and time with an offset, e.g. 2027-01-31T12:00:00+00:00. SocialHub "
    "renews the token shortly before.",
)
_REFRESH_TOKEN = CredentialField(
    "refresh_token",
    "Refresh token",
    "secret",
    help_text="Lets SocialHub renew the access token before it expires.",
)

CREDENTIAL_FIELDS: dict[str, tuple[CredentialField, ...]] = {
    # The internal feed lives inside SocialHub: there is nothing to connect.
    Platform.INTERNAL: (),
    Platform.MASTODON: (
        CredentialField(
            "instance_url",
            "Instance URL",
            "url",
            help_text="The server the account lives on, e.g. https://mastodon.social",
        ),
        CredentialField(
            "access_token",
            "Access token",
            "secret",
            help_text="From Preferences → Development → New application, with the write:statuses "
            "and write:media scopes.",
        ),
    ),
    Platform.BLUESKY: (
        CredentialField(
            "pds_url",
            "PDS URL",
            "url",
            help_text="The account's personal data server; https://bsky.social for most accounts.",
        ),
        CredentialField(
            "handle",
            "Handle",
            "text",
            help_text="e.g. acme.bsky.social",
            pattern=r"^@?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*$",
            pattern_message="Enter a Bluesky handle such as acme.bsky.social.",
        ),
        CredentialField(
            "app_password",
            "App password",
            "secret",
            help_text="Create one under Settings → Privacy and security → App passwords. Never "
            "the account's main password.",
            pattern=r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$",
            pattern_message="This is not a Bluesky app password (xxxx-xxxx-xxxx-xxxx). Create an "
            "app password; never use the account's main password.",
        ),
    ),
    Platform.LINKEDIN: (
        CredentialField(
            "organization_id",
            "Organisation ID",
            "text",
            help_text="The numeric ID of the LinkedIn page, or its URN urn:li:organization:<ID>.",
            pattern=r"^(urn:li:organization:)?[0-9]+$",
            pattern_message="Enter the numeric organisation ID or urn:li:organization:<ID>.",
        ),
        CredentialField(
            "access_token",
            "Access token",
            "secret",
            help_text="OAuth 2.0 token of an admin of the page, with the w_organization_social "
            "scope.",
        ),
        _REFRESH_TOKEN,
        _EXPIRES_AT,
        CredentialField(
            "client_id",
            "Client ID",
            "text",
            required=False,
            help_text="The LinkedIn app's; needed to renew the access token.",
        ),
        CredentialField(
            "client_secret",
            "Client secret",
            "secret",
            required=False,
            help_text="The LinkedIn app's; needed to renew the access token.",
        ),
    ),
    Platform.X: (
        CredentialField(
            "access_token",
            "Access token",
            "secret",
            help_text="OAuth 2.0 user-context token with the tweet.read, tweet.write, users.read "
            "and offline.access scopes.",
        ),
        _REFRESH_TOKEN,
        _EXPIRES_AT,
        CredentialField(
            "client_id",
            "OAuth 2.0 client ID",
            "text",
            help_text="The X app's; X rotates the refresh token at every renewal.",
        ),
        CredentialField(
            "client_secret",
            "OAuth 2.0 client secret",
            "secret",
            required=False,
            help_text="Only for a confidential client.",
        ),
    ),
    Platform.FACEBOOK: (
        CredentialField(
            "page_id",
            "Page ID",
            "text",
            help_text="The numeric ID of the Facebook Page.",
            pattern=r"^[0-9]+$",
            pattern_message="Enter the numeric Page ID.",
        ),
        CredentialField(
            "page_access_token",
            "Page access token",
            "secret",
            help_text="A long-lived Page access token with pages_manage_posts and "
            "pages_read_engagement.",
        ),
    ),
}


def credential_fields(platform: str) -> tuple[CredentialField, ...]:
    return CREDENTIAL_FIELDS.get(platform, ())


def needs_connection(platform: str) -> bool:
    return bool(credential_fields(platform))


_URL = URLValidator(schemes=["https", "http"])


def _clean_url(value: str) -> str:
    """A server's address, stored as scheme://host[:port]: https, a public host, nothing else
    (the connectors check again, and so does every connection they open)."""
    _URL(value)
    try:
        base = normalise_base_url(value)
        parts = urlsplit(base)
        refuse_private(parts.hostname or "", parts.port or 443)
    except BlockedAddressError as exc:
        raise ValidationError(str(exc)) from None
    return base


def _clean_datetime(value: str) -> str:
    parsed: datetime | None = None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError("Enter a date and time such as 2027-01-31T12:00:00+00:00.")
    if timezone.is_naive(parsed):
        raise ValidationError("Add the time zone offset, e.g. +00:00.")
    return parsed.isoformat()


@sensitive_variables("data", "cleaned", "raw", "value")
def clean_credentials(platform: str, data: Any) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(cleaned values, {field: [messages]}). Nothing is stored unless the errors are empty.

    Unknown fields are refused rather than ignored, so a typo ("acces_token") is not silently
    dropped while the person believes the account is connected.
    """
    fields = credential_fields(platform)
    if not fields:
        return {}, {
            "credentials": [
                f"{Platform(platform).label} accounts need no credentials: they publish inside "
                "SocialHub."
            ]
        }
    if not isinstance(data, dict):
        return {}, {"credentials": ["Send the credentials as an object of field names and values."]}
    errors: dict[str, list[str]] = {}
    known = {field.name for field in fields}
    for name in sorted(set(data) - known):
        expected = ", ".join(field.name for field in fields)
        errors[str(name)] = [f"Unknown field for {Platform(platform).label}; expected: {expected}."]
    cleaned: dict[str, str] = {}
    for field in fields:
        raw = data.get(field.name)
        if raw is not None and not isinstance(raw, str):
            errors[field.name] = ["Enter text."]
            continue
        value = (raw or "").strip()
        if not value:
            if field.required:
                errors[field.name] = [f"{field.label} is required."]
            continue
        try:
            if field.kind == "url":
                value = _clean_url(value)
            elif field.kind == "datetime":
                value = _clean_datetime(value)
            if field.pattern and not re.fullmatch(field.pattern, value):
                raise ValidationError(field.pattern_message or "This value has the wrong format.")
        except ValidationError as exc:
            errors[field.name] = list(exc.messages)
            continue
        if field.name == "handle":
            value = value.lstrip("@").lower()
        if field.name == "organization_id":
            # The connector builds the URN itself: store the number alone.
            value = value.removeprefix("urn:li:organization:")
        cleaned[field.name] = value
    return (cleaned if not errors else {}), errors
