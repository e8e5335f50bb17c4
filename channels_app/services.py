"""Writes for brand accounts: every change checks access and input first, then writes together
with its audit event. Pages, the API, the demo seed and management commands all call these.

`actor=None` means the system itself (the demo seed, a management command), never a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import authz
from accounts.models import Department, User
from accounts.roles import GROUP_NAMES, OrgRole
from activity.audit import audit_record
from channels_app import encryption, notifications, permissions
from channels_app.credentials import clean_credentials
from channels_app.grants import Grant, GrantHolder, holder_for_department, holder_for_role
from channels_app.handles import handle_example, normalise_handle
from channels_app.models import BrandAccount, BrandAccountConnection, BrandAccountPerm
from channels_app.platforms import Platform
from channels_app.selectors import grant_list
from channels_app.verification import (
    CredentialsRefused,
    Verified,
    profile_link,
    require_same_account,
    verify_credentials,
)
from core.errors import Conflict, InvalidInput, NotAllowed

# What a new account gets unless the creator opts out: the owning department drafts, comms
# reviewers review and publish, legal reviewers review. Ordinary grants: listed, audited, and
# revocable like any other (nobody holds anything by magic).
STANDARD_ROLE_GRANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OrgRole.COMMS_REVIEWER, (BrandAccountPerm.REVIEW_ON, BrandAccountPerm.PUBLISH_ON)),
    (OrgRole.LEGAL_REVIEWER, (BrandAccountPerm.REVIEW_ON,)),
)


def _perm_labels(perms: Iterable[str]) -> str:
    return ", ".join(permissions.PERM_LABELS[perm] for perm in permissions.sorted_perms(perms))


def _require_manage(actor: User | None, account: BrandAccount, what: str) -> None:
    if actor is not None and not permissions.can_manage(actor, account):
        raise NotAllowed(f"Only people who manage this account can {what}.")


def _check_platform(platform: str) -> str:
    if platform not in Platform.values:
        choices = ", ".join(Platform.values)
        raise InvalidInput(
            f"Unknown platform {platform!r}; choose from {choices}.", field="platform"
        )
    return platform


def _check_handle(platform: str, raw: str, *, exclude_pk: int | None = None) -> str:
    handle = normalise_handle(platform, raw)
    if handle is None:
        raise InvalidInput(
            f"This is not a {Platform(platform).label} handle; write it like "
            f"{handle_example(platform)}.",
            field="handle",
        )
    clash = BrandAccount.objects.filter(platform=platform, handle__iexact=handle)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput(
            f"{handle} on {Platform(platform).label} is registered already.", field="handle"
        )
    return handle


def _check_display_name(raw: str) -> str:
    name = (raw or "").strip()
    if not name:
        raise InvalidInput("Give the account a display name.", field="display_name")
    if len(name) > 150:
        raise InvalidInput("Keep the display name to 150 characters.", field="display_name")
    return name


def _check_permissions(perms: Iterable[str], *, allow_empty: bool = False) -> set[str]:
    wanted = set(perms)
    unknown = sorted(wanted - set(permissions.ALL_PERMS))
    if unknown:
        choices = ", ".join(permissions.ALL_PERMS)
        raise InvalidInput(
            f"Unknown permission {', '.join(map(repr, unknown))}; choose from {choices}.",
            field="permissions",
        )
    if not wanted and not allow_empty:
        raise InvalidInput("Choose at least one permission.", field="permissions")
    return wanted


def _locked(account: BrandAccount) -> BrandAccount:
    """Lock the account row so concurrent grant or connection changes apply one after another."""
    return BrandAccount.objects.select_for_update().get(pk=account.pk)


# --- Accounts ----------------------------------------------------------------------------------


@sensitive_variables("credentials", "verified")
def brand_account_create(
    *,
    actor: User | None,
    platform: str,
    handle: str,
    display_name: str,
    department: Department,
    apply_standard_grants: bool = True,
    credentials: dict[str, Any] | None = None,
) -> BrandAccount:
    """Register an account. Org admins only. Credentials, when given, are checked with the
    platform first and stored encrypted in the same transaction, so credentials the platform
    refuses (or of another account) leave nothing behind."""
    if actor is not None and not permissions.can_create_accounts(actor):
        raise NotAllowed("Only org admins can register brand accounts.")
    platform = _check_platform(platform)
    handle = _check_handle(platform, handle)
    display_name = _check_display_name(display_name)
    verified: Verified | None = None
    if credentials is not None:
        # Asked before the transaction opens: the platform's answer can take seconds.
        verified = _verified_for(platform, handle, _clean_or_raise(platform, credentials))
    try:
        with transaction.atomic():
            account = BrandAccount.objects.create(
                platform=platform, handle=handle, display_name=display_name, department=department
            )
            audit_record(
                actor=actor,
                action="brand_account.created",
                target=account,
                department=department,
                to_state="active",
                note=f"Registered {handle} on {account.get_platform_display()} for {department}.",
                data={"platform": platform, "handle": handle, "department": department.slug},
            )
            if apply_standard_grants:
                _apply_standard_grants(actor=actor, account=account)
            if verified is not None:
                _store_credentials(actor=actor, account=account, verified=verified)
    except IntegrityError as exc:  # a concurrent request registered the same handle
        raise InvalidInput(
            f"{handle} on {Platform(platform).label} is registered already.", field="handle"
        ) from exc
    return account


def _apply_standard_grants(*, actor: User | None, account: BrandAccount) -> None:
    _grant(
        actor=actor,
        account=account,
        holder=holder_for_department(account.department),
        perms={BrandAccountPerm.DRAFT_ON},
        note_suffix=" (standard grant)",
    )
    groups = {g.name: g for g in Group.objects.filter(name__in=GROUP_NAMES.values())}
    for role, perms in STANDARD_ROLE_GRANTS:
        group = groups.get(GROUP_NAMES[role])
        if group is not None:
            _grant(
                actor=actor,
                account=account,
                holder=holder_for_role(role, group),
                perms=set(perms),
                note_suffix=" (standard grant)",
            )


def brand_account_update(
    *,
    actor: User | None,
    account: BrandAccount,
    display_name: str | None = None,
    handle: str | None = None,
    department: Department | None = None,
    org_wide_feed: bool | None = None,
    customer_service_replies_preapproved: bool | None = None,
) -> BrandAccount:
    """Change the display name or handle (managers), or the owning department (org admins), or
    whether an internal feed account speaks to the whole organisation (managers), or whether
    support may publish saved replies to customers without review (org admins).

    Fields left None stay as they are. The platform never changes: credentials, rules and
    published posts belong to it; register a new account instead.
    """
    _require_manage(actor, account, "edit it")
    changes: dict[str, list[Any]] = {}
    if display_name is not None:
        display_name = _check_display_name(display_name)
        if display_name != account.display_name:
            changes["display_name"] = [account.display_name, display_name]
    if handle is not None:
        handle = _check_handle(account.platform, handle, exclude_pk=account.pk)
        if handle != account.handle:
            changes["handle"] = [account.handle, handle]
    if department is not None and department.pk != account.department_id:
        if actor is not None and not permissions.can_change_department(actor):
            raise NotAllowed("Only org admins can move an account to another department.")
        changes["department"] = [account.department.slug, department.slug]
    if org_wide_feed is not None and org_wide_feed != account.org_wide_feed:
        if account.platform != Platform.INTERNAL:
            raise InvalidInput(
                "Only internal feed accounts publish to the organisation's feed.",
                field="org_wide_feed",
            )
        changes["org_wide_feed"] = [account.org_wide_feed, org_wide_feed]
    preapproved = customer_service_replies_preapproved
    if preapproved is not None and preapproved != account.customer_service_replies_preapproved:
        if actor is not None and not permissions.can_preapprove_replies(actor):
            raise NotAllowed(
                "Only org admins decide whether customer-service replies are pre-approved."
            )
        changes["customer_service_replies_preapproved"] = [
            account.customer_service_replies_preapproved,
            preapproved,
        ]
    if not changes:
        return account
    try:
        with transaction.atomic():
            account = _locked(account)
            if "display_name" in changes:
                account.display_name = changes["display_name"][1]
            if "handle" in changes:
                account.handle = changes["handle"][1]
            if department is not None and "department" in changes:
                account.department = department
            if "org_wide_feed" in changes:
                account.org_wide_feed = bool(org_wide_feed)
            if "customer_service_replies_preapproved" in changes:
                account.customer_service_replies_preapproved = bool(preapproved)
            account.save()
            audit_record(
                actor=actor,
                action="brand_account.updated",
                target=account,
                department=account.department,
                note="Changed " + ", ".join(name.replace("_", " ") for name in changes) + ".",
                data={"changes": changes},
            )
    except IntegrityError as exc:
        raise InvalidInput("This handle is registered already.", field="handle") from exc
    return BrandAccount.objects.with_list_relations().get(pk=account.pk)


def brand_account_set_active(
    *, actor: User | None, account: BrandAccount, active: bool
) -> BrandAccount:
    """Deactivate (nobody drafts, reviews or publishes on it; grants and history stay) or
    activate again. 409 when it already is in that state."""
    _require_manage(actor, account, "activate or deactivate it")
    with transaction.atomic():
        account = _locked(account)
        if account.is_active == active:
            raise Conflict(
                "This account is active already."
                if active
                else "This account is inactive already.",
                code="already_active" if active else "already_inactive",
            )
        account.is_active = active
        account.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="brand_account.activated" if active else "brand_account.deactivated",
            target=account,
            department=account.department,
            from_state="inactive" if active else "active",
            to_state="active" if active else "inactive",
            note="Activated the account." if active else "Deactivated the account.",
        )
    return BrandAccount.objects.with_list_relations().get(pk=account.pk)


# --- Grants ------------------------------------------------------------------------------------


def _current_perms(account: BrandAccount, holder: GrantHolder) -> set[str]:
    for grant in grant_list(account=account):
        if grant.holder == holder:
            return set(grant.permissions)
    return set()


def _refuse_manage_change(actor: User | None, perms: set[str]) -> None:
    if (
        BrandAccountPerm.MANAGE in perms
        and actor is not None
        and not permissions.can_grant_manage(actor)
    ):
        raise NotAllowed(
            "Only org admins can give or take the Manage permission, so nobody widens their own "
            "reach."
        )


def _grant(
    *,
    actor: User | None,
    account: BrandAccount,
    holder: GrantHolder,
    perms: set[str],
    note_suffix: str = "",
) -> set[str]:
    """Add perms the holder lacks; audit what was added. Returns the added codenames."""
    added = perms - _current_perms(account, holder)
    if not added:
        return added
    for perm in permissions.sorted_perms(added):
        if holder.kind == "user":
            authz.grant_to_user(perm, holder.identity, account)
        else:
            authz.grant_to_group(perm, holder.identity, account)
    audit_record(
        actor=actor,
        action="brand_account.granted",
        target=account,
        department=account.department,
        note=f"Granted {_perm_labels(added)} to {holder.kind_label.lower()} {holder.label}"
        f"{note_suffix}.",
        data={"holder": holder.id, "holder_label": holder.label, "permissions": sorted(added)},
    )
    return added


def _revoke(
    *, actor: User | None, account: BrandAccount, holder: GrantHolder, perms: set[str]
) -> set[str]:
    removed = perms & _current_perms(account, holder)
    if not removed:
        return removed
    for perm in permissions.sorted_perms(removed):
        if holder.kind == "user":
            authz.revoke_from_user(perm, holder.identity, account)
        else:
            authz.revoke_from_group(perm, holder.identity, account)
    audit_record(
        actor=actor,
        action="brand_account.revoked",
        target=account,
        department=account.department,
        note=f"Revoked {_perm_labels(removed)} from {holder.kind_label.lower()} {holder.label}.",
        data={"holder": holder.id, "holder_label": holder.label, "permissions": sorted(removed)},
    )
    return removed


def _grant_of(account: BrandAccount, holder: GrantHolder) -> Grant:
    return Grant(
        holder=holder, permissions=tuple(permissions.sorted_perms(_current_perms(account, holder)))
    )


def brand_account_grant(
    *, actor: User | None, account: BrandAccount, holder: GrantHolder, perms: Iterable[str]
) -> Grant:
    """Give a holder permissions on the account (adding to what they hold)."""
    _require_manage(actor, account, "give access to it")
    wanted = _check_permissions(perms)
    _refuse_manage_change(actor, wanted)
    with transaction.atomic():
        account = _locked(account)
        _grant(actor=actor, account=account, holder=holder, perms=wanted)
    return _grant_of(account, holder)


def brand_account_set_grant(
    *, actor: User | None, account: BrandAccount, holder: GrantHolder, perms: Iterable[str]
) -> Grant:
    """Make the holder hold exactly perms on the account (an empty set removes the holder)."""
    _require_manage(actor, account, "change access to it")
    wanted = _check_permissions(perms, allow_empty=True)
    with transaction.atomic():
        account = _locked(account)
        current = _current_perms(account, holder)
        _refuse_manage_change(actor, wanted ^ current)
        _revoke(actor=actor, account=account, holder=holder, perms=current - wanted)
        _grant(actor=actor, account=account, holder=holder, perms=wanted - current)
    return _grant_of(account, holder)


def brand_account_revoke(
    *,
    actor: User | None,
    account: BrandAccount,
    holder: GrantHolder,
    perms: Iterable[str] | None = None,
) -> None:
    """Take permissions from a holder (all of them when perms is None)."""
    _require_manage(actor, account, "take access away")
    with transaction.atomic():
        account = _locked(account)
        current = _current_perms(account, holder)
        doomed = current if perms is None else _check_permissions(perms) & current
        _refuse_manage_change(actor, doomed)
        _revoke(actor=actor, account=account, holder=holder, perms=doomed)


# --- Connection credentials --------------------------------------------------------------------


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
