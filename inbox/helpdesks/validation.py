"""Checking helpdesk connection settings before they are stored, for the org-admin settings
page and API: ``clean_settings`` checks what was typed (field by field, nothing sent
anywhere), ``verify_settings`` asks the helpdesk itself. The caller stores the cleaned values
(secrets encrypted, never shown again) only when both say yes, and asks the helpdesk outside
its transaction: a slow helpdesk must not keep a row locked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.views.decorators.debug import sensitive_variables

from channels_app.connectors.transport import (
    BlockedAddressError,
    normalise_base_url,
    refuse_private,
)
from core.errors import InvalidInput, Unavailable
from inbox.helpdesks.base import (
    ConnectorError,
    HelpdeskIdentity,
    OutcomeUnknownError,
    RetryableError,
    SettingField,
)
from inbox.helpdesks.registry import HelpdeskKind, connector_for, setting_fields

_URL = URLValidator(schemes=["https", "http"])
_EMAIL = EmailValidator()
MAX_LENGTH = 2000


class SettingsRefused(InvalidInput):
    """The helpdesk refused the settings (wrong password or token, no such queue, the
    external-id field missing): 400 on ``settings``, with the helpdesk's own message."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="settings", code="settings_refused")


def _clean_url(value: str) -> str:
    """A server's address, stored as scheme://host[:port]: https and a public host (the
    connectors check again, and so does every connection they open)."""
    _URL(value)
    try:
        base = normalise_base_url(value)
        parts = urlsplit(base)
        refuse_private(parts.hostname or "", parts.port or 443)
    except BlockedAddressError as exc:
        raise ValidationError(str(exc)) from None
    return base


def _clean_value(field: SettingField, value: str) -> str:
    if len(value) > MAX_LENGTH:
        raise ValidationError(f"{field.label} is longer than {MAX_LENGTH} characters.")
    if field.input == "url":
        value = _clean_url(value)
    elif field.input == "email":
        _EMAIL(value)
    if field.name == "path":
        value = "/" + value.strip("/") if value.strip("/") else ""
    if field.pattern and not re.fullmatch(field.pattern, value):
        raise ValidationError(field.pattern_message or "This value has the wrong format.")
    return value


@sensitive_variables("data", "stored", "cleaned", "raw", "value")
def clean_settings(
    kind: str, data: Any, *, stored: Mapping[str, str] | None = None
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(cleaned values, {field: [messages]}); the values are empty unless the errors are.

    Secrets are write-only: a secret left empty keeps the ``stored`` one (the page never shows
    it again), so an admin changing the queue need not type the password anew. Unknown fields
    are refused rather than dropped, so a typo is never silently ignored.
    """
    if kind not in HelpdeskKind.values:
        choices = ", ".join(HelpdeskKind.values)
        return {}, {"kind": [f"Choose one of: {choices}."]}
    if not isinstance(data, dict):
        return {}, {"settings": ["Send the settings as an object of field names and values."]}
    fields = setting_fields(kind)
    label = HelpdeskKind(kind).label
    errors: dict[str, list[str]] = {}
    for name in sorted(set(data) - {field.name for field in fields}):
        expected = ", ".join(field.name for field in fields)
        errors[str(name)] = [f"Unknown setting for {label}; expected: {expected}."]
    cleaned: dict[str, str] = {}
    for field in fields:
        raw = data.get(field.name)
        if raw is not None and not isinstance(raw, str):
            errors[field.name] = ["Enter text."]
            continue
        value = (raw or "").strip()
        if not value and field.secret and stored and stored.get(field.name):
            cleaned[field.name] = stored[field.name]
            continue
        if not value:
            if field.required:
                errors[field.name] = [f"{field.label} is required."]
            continue
        try:
            cleaned[field.name] = _clean_value(field, value)
        except ValidationError as exc:
            errors[field.name] = list(exc.messages)
    return (cleaned if not errors else {}), errors


@sensitive_variables("settings")
def verify_settings(kind: str, settings: Mapping[str, str]) -> HelpdeskIdentity:
    """Ask the helpdesk whether the settings work and who they speak as.

    SettingsRefused (400) when it says no, Unavailable (503) when it could not be asked.
    Messages are the connectors' own, with every secret blotted out.
    """
    connector = connector_for(kind)
    try:
        return connector.verify(settings)
    except (RetryableError, OutcomeUnknownError) as exc:
        raise Unavailable(
            f"{connector.label} could not be asked whether the settings work: {exc.message} "
            "Nothing was changed; try again in a moment.",
            field="settings",
            code="helpdesk_unavailable",
        ) from exc
    except ConnectorError as exc:  # PermanentError: the helpdesk said no
        raise SettingsRefused(
            f"{connector.label} did not accept these settings: {exc.message}"
        ) from exc
