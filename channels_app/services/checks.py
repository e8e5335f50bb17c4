"""The checks brand account services share: who may manage an account, and clean input
(platform, handle, display name, permissions)."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import User
from channels_app import permissions
from channels_app.handles import handle_example, normalise_handle
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import InvalidInput, NotAllowed


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
