"""A brand account's connection to its platform: storing credentials (checked with the platform
first), checking the connection, storing refreshed tokens, disconnecting, re-encrypting."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from activity.audit import audit_record
from channels_app import encryption, notifications
from channels_app.credentials import clean_credentials
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.services.checks import _locked, _require_manage
from channels_app.verification import (
    CredentialsRefused,
    Verified,
    profile_link,
    require_same_account,
    verify_credentials,
)
from core.errors import Conflict, InvalidInput


class CredentialsInvalid(InvalidInput):
    """Credentials with bad or missing fields; errors holds a message list per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        names = ", ".join(sorted(errors))
        first = next(iter(errors.values()))[0]
        super().__init__(f"Check the credentials ({names}): {first}", field="credentials")
        self.errors = errors


@sensitive_variables("credentials", "cleaned")
def _clean_or_raise(platform: str, credentials: Any) -> dict[str, str]:
    cleaned, errors = clean_credentials(platform, credentials)
    if errors:
        raise CredentialsInvalid(errors)
    return cleaned


@sensitive_variables("cleaned")
def _verified_for(platform: str, handle: str, cleaned: dict[str, str]) -> Verified:
    """The platform's answer for credentials about to be stored for the account `handle`."""
    verified = verify_credentials(platform, cleaned)
    require_same_account(platform, handle, verified.identity)
    return verified


def _set_identity(connection: BrandAccountConnection, verified: Verified) -> None:
    identity = verified.identity
    connection.identity_id = identity.account_id[:255]
    connection.identity_handle = identity.handle[:255]
    connection.identity_name = identity.name[:255]
    connection.identity_url = profile_link(identity.url)
    connection.max_characters = identity.max_characters
    connection.verified_at = timezone.now()


def _identity_data(verified: Verified) -> dict[str, Any]:
    """What the audit trail keeps of a check: who the platform said, never a credential."""
    identity = verified.identity
    return {
        "identity": {"id": identity.account_id, "handle": identity.handle, "name": identity.name},
        "max_characters": identity.max_characters,
    }


@sensitive_variables("verified")
def _store_credentials(
    *, actor: User | None, account: BrandAccount, verified: Verified
) -> BrandAccountConnection:
    connection = BrandAccountConnection.objects.filter(brand_account=account).first()
    replaced = connection is not None
    if connection is None:
        connection = BrandAccountConnection(brand_account=account)
    connection.credentials_encrypted = encryption.encrypt_json(verified.credentials)
    connection.connected_at = timezone.now()
    connection.connected_by = actor
    _set_identity(connection, verified)
    connection.problem, connection.problem_since = "", None
    connection.save()
    label = account.get_platform_display()
    audit_record(
        actor=actor,
        action="brand_account.credentials_set",
        target=account,
        department=account.department,
        from_state="connected" if replaced else "not_connected",
        to_state="connected",
        # Which fields were set and who the platform says they speak as, never their values.
        note=("Replaced" if replaced else "Stored")
        + f" the connection credentials; {label} accepted them for "
        f"{verified.identity.handle or verified.identity.account_id}.",
        data={"fields": sorted(verified.credentials), **_identity_data(verified)},
    )
    return connection


@sensitive_variables("credentials", "verified")
def brand_account_set_credentials(
    *, actor: User | None, account: BrandAccount, credentials: dict[str, Any]
) -> BrandAccountConnection:
    """Store (or replace) the account's connection credentials, encrypted, once the platform
    has accepted them for this very account (`verify`): who they speak as and the platform's
    own length limit are stored with them.

    The whole set is replaced each time: fields are write-only, so nobody could see which old
    value would survive a partial update.
    """
    _require_manage(actor, account, "connect it")
    cleaned = _clean_or_raise(account.platform, credentials)
    verified = verify_credentials(account.platform, cleaned)
    with transaction.atomic():
        account = _locked(account)
        # Against the handle as it is now, under the lock: a rename meanwhile is seen.
        require_same_account(account.platform, account.handle, verified.identity)
        return _store_credentials(actor=actor, account=account, verified=verified)


def brand_account_check_connection(
    *, actor: User | None, account: BrandAccount
) -> BrandAccountConnection:
    """Ask the platform again whether the stored credentials work and who they speak as (a
    token may have been revoked, the instance may have changed its length limit). The account
    page's "Check connection", the API's verify, and the daily check all come here.

    Passing: the identity, limit and `verified_at` are updated and any problem is cleared.
    Refused (or another account's credentials now): the problem is recorded on the connection
    with an audit event, the account's managers and org admins are told the first time, and
    Conflict (409) says to connect again. A platform that does not answer is Unavailable (503)
    and changes nothing. A renewed OAuth token is always kept.
    """
    _require_manage(actor, account, "check its connection")
    connection = BrandAccountConnection.objects.filter(brand_account=account).first()
    if connection is None:
        raise Conflict("This account is not connected.", code="not_connected")
    try:
        credentials = encryption.decrypt_json(connection.credentials_encrypted)
    except encryption.CredentialsUnreadable as exc:
        raise Conflict(
            "The stored credentials cannot be opened with the configured encryption keys: "
            "connect the account again.",
            code="credentials_unreadable",
        ) from exc
    verified: Verified | None = None
    refused: CredentialsRefused | None = None
    try:
        verified = verify_credentials(
            account.platform,
            credentials,
            save_renewed=lambda renewed: brand_account_store_refreshed_credentials(
                account=account, credentials=renewed
            ),
        )
    except CredentialsRefused as exc:
        refused = exc
    with transaction.atomic():
        account = _locked(account)
        current = BrandAccountConnection.objects.filter(brand_account=account).first()
        if current is None or current.connected_at != connection.connected_at:
            raise Conflict(
                "The connection changed while it was being checked; check it again.",
                code="connection_changed",
            )
        if verified is not None:
            try:
                require_same_account(account.platform, account.handle, verified.identity)
            except CredentialsRefused as exc:
                refused = exc
        if refused is not None:
            _record_problem(actor=actor, account=account, connection=current, problem=refused)
        elif verified is not None:
            _record_passed_check(
                actor=actor, account=account, connection=current, verified=verified
            )
    if refused is not None:
        raise Conflict(refused.message + " Connect the account again.", code=refused.code)
    return current


def _record_passed_check(
    *,
    actor: User | None,
    account: BrandAccount,
    connection: BrandAccountConnection,
    verified: Verified,
) -> None:
    had_problem = bool(connection.problem)
    _set_identity(connection, verified)
    connection.problem, connection.problem_since = "", None
    connection.save(
        update_fields=[
            "identity_id",
            "identity_handle",
            "identity_name",
            "identity_url",
            "max_characters",
            "verified_at",
            "problem",
            "problem_since",
        ]
    )
    audit_record(
        actor=actor,
        action="brand_account.connection_checked",
        target=account,
        department=account.department,
        from_state="broken" if had_problem else "connected",
        to_state="connected",
        note=f"Checked the connection: {account.get_platform_display()} accepts the "
        f"credentials for {verified.identity.handle or verified.identity.account_id}.",
        data=_identity_data(verified),
    )


def _record_problem(
    *,
    actor: User | None,
    account: BrandAccount,
    connection: BrandAccountConnection,
    problem: CredentialsRefused,
) -> None:
    """Keep what the platform said. The same problem found again (the daily check) is neither
    audited nor announced twice."""
    if connection.problem == problem.message:
        return
    first = not connection.problem
    connection.problem = problem.message
    connection.problem_since = connection.problem_since or timezone.now()
    connection.save(update_fields=["problem", "problem_since"])
    audit_record(
        actor=actor,
        action="brand_account.connection_failed",
        target=account,
        department=account.department,
        from_state="connected" if first else "broken",
        to_state="broken",
        note=f"Checked the connection: {problem.message}",
        data={"code": problem.code},
    )
    if first:
        notifications.connection_broken(account, problem=problem.message)


@sensitive_variables("credentials", "cleaned")
def brand_account_store_refreshed_credentials(
    *, account: BrandAccount, credentials: dict[str, Any]
) -> None:
    """Store the credentials a connector renewed (a fresh OAuth access token, and for X a new
    refresh token: the old one stopped working the moment it was used). Called by the publishing
    engine before it uses them, so a crash right after cannot lose the only valid token.

    The system's own action: no permission check. Who connected the account and when stay as
    they were; the audit trail names the fields renewed, never their values.
    """
    cleaned = _clean_or_raise(account.platform, credentials)
    with transaction.atomic():
        connection = (
            BrandAccountConnection.objects.select_for_update().filter(brand_account=account).first()
        )
        if connection is None:
            raise Conflict("This account was disconnected meanwhile.", code="not_connected")
        previous = encryption.decrypt_json(connection.credentials_encrypted)
        BrandAccountConnection.objects.filter(brand_account=account).update(
            credentials_encrypted=encryption.encrypt_json(cleaned)
        )
        audit_record(
            actor=None,
            action="brand_account.credentials_refreshed",
            target=account,
            department=account.department,
            note="Renewed the access token.",
            data={"fields": sorted(k for k in cleaned if cleaned[k] != previous.get(k))},
        )


def brand_account_disconnect(*, actor: User | None, account: BrandAccount) -> None:
    """Delete the stored credentials. 409 when there are none."""
    _require_manage(actor, account, "disconnect it")
    with transaction.atomic():
        account = _locked(account)
        deleted, _ = BrandAccountConnection.objects.filter(brand_account=account).delete()
        if not deleted:
            raise Conflict("This account is not connected.", code="not_connected")
        audit_record(
            actor=actor,
            action="brand_account.credentials_removed",
            target=account,
            department=account.department,
            from_state="connected",
            to_state="not_connected",
            note="Removed the connection credentials.",
        )


def credentials_reencrypt_all() -> tuple[int, int, list[int]]:
    """Re-encrypt every stored credential with the first key of SOCIALHUB_ENCRYPTION_KEY.

    Returns (re-encrypted, already current, ids of accounts no key can open). Each row is
    locked while it is rewritten, so a concurrent credential change is never overwritten.
    """
    done = current = 0
    unreadable: list[int] = []
    ids = list(BrandAccountConnection.objects.values_list("brand_account_id", flat=True))
    for account_id in ids:
        with transaction.atomic():
            connection = (
                BrandAccountConnection.objects.select_for_update()
                .filter(brand_account_id=account_id)
                .first()
            )
            if connection is None:  # disconnected meanwhile
                continue
            if encryption.is_encrypted_with_current_key(connection.credentials_encrypted):
                current += 1
                continue
            try:
                token = encryption.reencrypt(connection.credentials_encrypted)
            except encryption.CredentialsUnreadable:
                unreadable.append(account_id)
                continue
            BrandAccountConnection.objects.filter(brand_account_id=account_id).update(
                credentials_encrypted=token
            )
            done += 1
    return done, current, unreadable
