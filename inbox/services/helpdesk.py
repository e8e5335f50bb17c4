"""The organisation's helpdesk connection: stored once the helpdesk accepted it, its settings
encrypted at rest exactly like brand-account credentials (channels_app.encryption)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import authz
from accounts.models import User
from activity.audit import audit_record
from channels_app import encryption
from core.errors import Conflict, InvalidInput, NotAllowed
from inbox.helpdesks.base import HelpdeskSettings
from inbox.helpdesks.registry import setting_fields
from inbox.helpdesks.validation import SettingsRefused, clean_settings, verify_settings
from inbox.models import HelpdeskConnection


def helpdesk_connection() -> HelpdeskConnection | None:
    return HelpdeskConnection.objects.first()


@sensitive_variables("connection")
def helpdesk_settings(connection: HelpdeskConnection) -> HelpdeskSettings:
    """The decrypted settings, for the connectors only (Conflict when no key opens them)."""
    try:
        return encryption.decrypt_json(connection.settings_encrypted)
    except encryption.CredentialsUnreadable as exc:
        raise Conflict(
            "The stored helpdesk settings cannot be opened with the configured encryption "
            "keys: an org admin enters them again.",
            code="settings_unreadable",
        ) from exc


@sensitive_variables("data", "stored", "cleaned")
def helpdesk_connection_save(
    *, actor: User, kind: str, data: Any, partial: bool = False
) -> HelpdeskConnection:
    """Check what was typed, ask the helpdesk (outside any transaction: a slow helpdesk keeps
    no row locked), then store it encrypted with an audit event. Secrets are write-only: one
    left empty keeps the stored value. Refused → 400 on the field; unavailable → 503."""
    if not authz.is_org_admin(actor):
        raise NotAllowed("Only org admins set up the helpdesk connection.")
    current = helpdesk_connection()
    stored: dict[str, str] = {}
    if current is not None and current.kind == kind:
        stored = dict(helpdesk_settings(current))
    # What the stored values were read from: a save that carries them forward (kept secrets,
    # a partial update) is refused if another admin saved meanwhile, rather than undo theirs.
    carries_forward = (
        partial
        or not isinstance(data, dict)
        or any(_is_secret(kind, k) and not data.get(k) for k in stored)
    )
    seen = current.settings_encrypted if stored and carries_forward and current else None
    if partial and isinstance(data, dict):
        data = {**{k: v for k, v in stored.items() if not _is_secret(kind, k)}, **data}
    cleaned, errors = clean_settings(kind, data, stored=stored)
    if errors:
        field, messages = next(iter(errors.items()))
        raise InvalidInput(" ".join(messages), field=field, code="invalid")
    identity = verify_settings(kind, cleaned)
    secrets = {f.name for f in setting_fields(kind) if f.secret}
    with transaction.atomic():
        # One row (``singleton`` is unique), created or locked here: two admins saving at
        # once wait for each other instead of both inserting; the later save wins, both
        # audited.
        connection, created = HelpdeskConnection.objects.select_for_update().get_or_create(
            singleton=1, defaults={"kind": kind, "settings_encrypted": ""}
        )
        previous_kind = "" if created else connection.kind
        if seen is not None and connection.settings_encrypted != seen:
            raise Conflict(
                "Another org admin saved the helpdesk connection meanwhile: reload the page "
                "and save again.",
                code="changed_meanwhile",
            )
        connection.kind = kind
        connection.url = cleaned.get("url", "")
        connection.public_settings = {k: v for k, v in cleaned.items() if k not in secrets}
        connection.settings_encrypted = encryption.encrypt_json(cleaned)
        connection.identity = (identity.name or identity.account_id)[:300]
        connection.verified_at = timezone.now()
        connection.problem = ""
        connection.updated_by = actor
        connection.save()
        audit_record(
            actor=actor,
            action="inbox.helpdesk_connected",
            target=connection,
            from_state=previous_kind,
            to_state=kind,
            note=f"The helpdesk accepted the settings for {connection.identity}.",
            # Which fields were set, never their values.
            data={"fields": sorted(cleaned)},
        )
    return connection


def _is_secret(kind: str, name: str) -> bool:
    return any(f.name == name and f.secret for f in setting_fields(kind))


def helpdesk_connection_check(*, actor: User) -> HelpdeskConnection:
    """*Check connection*: ask the helpdesk again with the stored settings. Passing clears any
    problem; refused records it (audited) and raises SettingsRefused (400); a helpdesk that
    does not answer is Unavailable (503) and changes nothing."""
    if not authz.is_org_admin(actor):
        raise NotAllowed("Only org admins check the helpdesk connection.")
    connection = helpdesk_connection()
    if connection is None:
        raise Conflict("No helpdesk is connected.", code="not_connected")
    values = helpdesk_settings(connection)
    try:
        identity = verify_settings(connection.kind, values)
    except SettingsRefused as exc:
        with transaction.atomic():
            HelpdeskConnection.objects.filter(pk=connection.pk).update(problem=exc.message)
            audit_record(
                actor=actor,
                action="inbox.helpdesk_refused",
                target=connection,
                note=exc.message,
            )
        raise
    with transaction.atomic():
        connection.identity = (identity.name or identity.account_id)[:300]
        connection.verified_at = timezone.now()
        connection.problem = ""
        connection.save(update_fields=["identity", "verified_at", "problem", "updated_at"])
        audit_record(
            actor=actor,
            action="inbox.helpdesk_checked",
            target=connection,
            note=f"The helpdesk accepted the settings for {connection.identity}.",
        )
    return connection
