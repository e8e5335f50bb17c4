"""Brand accounts themselves: creating one (with its standard grants and, optionally, its
credentials), editing it, switching it on and off."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from accounts.models import Department, User
from accounts.roles import GROUP_NAMES, OrgRole
from activity.audit import audit_record
from channels_app import permissions
from channels_app.grants import holder_for_department, holder_for_role
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.platforms import Platform
from channels_app.services.checks import (
    _check_display_name,
    _check_handle,
    _check_platform,
    _locked,
    _require_manage,
)
from channels_app.services.connections import _clean_or_raise, _store_credentials, _verified_for
from channels_app.services.grants import _grant
from channels_app.verification import Verified
from core.errors import Conflict, InvalidInput, NotAllowed

# What a new account gets unless the creator opts out: the owning department drafts, comms
# reviewers review and publish, legal reviewers review. Ordinary grants: listed, audited, and
# revocable like any other (nobody holds anything by magic).
STANDARD_ROLE_GRANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OrgRole.COMMS_REVIEWER, (BrandAccountPerm.REVIEW_ON, BrandAccountPerm.PUBLISH_ON)),
    (OrgRole.LEGAL_REVIEWER, (BrandAccountPerm.REVIEW_ON,)),
)


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
