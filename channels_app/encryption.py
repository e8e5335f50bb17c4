"""Encryption at rest for brand-account credentials.

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) through MultiFernet, so the key can be
rotated: the first key of SOCIALHUB_ENCRYPTION_KEY encrypts, every listed key decrypts, and
`reencrypt` moves a token to the first key. The keys come from settings only (never the database),
so a copy of the database alone reveals nothing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


class CredentialsUnreadable(Exception):
    """A stored token that no configured key can open (a key was dropped too early)."""


@lru_cache(maxsize=4)
def _box(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current_box() -> MultiFernet:
    # Keyed by the key list itself, so tests that override the setting get a fresh box.
    return _box(tuple(settings.SOCIALHUB_ENCRYPTION_KEYS))


@sensitive_variables("data", "plaintext")
def encrypt_json(data: dict[str, Any]) -> str:
    plaintext = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return _current_box().encrypt(plaintext).decode()


@sensitive_variables("plaintext")
def decrypt_json(token: str) -> dict[str, Any]:
    try:
        plaintext = _current_box().decrypt(token.encode())
    except InvalidToken as exc:
        raise CredentialsUnreadable(
            "The stored credentials cannot be decrypted with any key in SOCIALHUB_ENCRYPTION_KEY."
        ) from exc
    data = json.loads(plaintext)
    if not isinstance(data, dict):
        raise CredentialsUnreadable("The stored credentials are not a JSON object.")
    return data


def reencrypt(token: str) -> str:
    """The same content encrypted with the first (current) key."""
    try:
        return _current_box().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialsUnreadable(
            "The stored credentials cannot be decrypted with any key in SOCIALHUB_ENCRYPTION_KEY."
        ) from exc


def is_encrypted_with_current_key(token: str) -> bool:
    """True when the first key alone opens the token (rotation finished for it)."""
    first = Fernet(settings.SOCIALHUB_ENCRYPTION_KEYS[0].encode())
    try:
        first.decrypt(token.encode())
    except InvalidToken:
        return False
    return True
