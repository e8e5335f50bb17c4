"""Grants on a brand account: what a department or an org role may do on it (granting, changing,
revoking), each change audited and the people concerned told."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts import authz
from accounts.models import User
from activity.audit import audit_record
from channels_app import permissions
from channels_app.grants import Grant, GrantHolder
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.selectors import grant_list
from channels_app.services.checks import _check_permissions, _locked, _perm_labels, _require_manage
from core.errors import NotAllowed


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
