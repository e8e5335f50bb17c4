"""Who may do what on a brand account. Built on accounts.authz (the only module that talks
to django-guardian); pages, the API, services and the post workflow ask these.

- see an account: hold at least one of the four permissions (org admins: every account);
- draft / review / publish: hold draft_on / review_on / publish_on, and the account is active;
- manage (edit, connect, grant, revoke, (de)activate): hold manage;
- see who holds what (the grants): hold manage, or be a comms reviewer or an org admin;
- give or take `manage` itself, move an account to another department, create accounts:
  org admins only, so nobody can widen their own reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from accounts import authz
from accounts.roles import OrgRole
from channels_app.codenames import ALL_PERMS, BrandAccountPerm
from channels_app.models import BrandAccount

# The order pages and the API list them in.
PERM_LABELS: dict[str, str] = dict(BrandAccountPerm.choices)


def perms_by_account(user: Any, accounts: Iterable[BrandAccount]) -> dict[int, frozenset[str]]:
    """{account id: permissions held}, from one prefetch for the whole list."""
    return authz.object_perm_sets(user, accounts, ALL_PERMS)


def perms_on(user: Any, account: BrandAccount) -> frozenset[str]:
    return authz.object_perm_set(user, account, ALL_PERMS)


def sorted_perms(perms: Iterable[str]) -> list[str]:
    held = set(perms)
    return [perm for perm in ALL_PERMS if perm in held]


def can_manage(user: Any, account: BrandAccount) -> bool:
    return BrandAccountPerm.MANAGE in perms_on(user, account)


def can_see_grants(user: Any, account: BrandAccount) -> bool:
    """Who else holds what on the account: its managers, comms reviewers (who coordinate every
    account) and org admins. Someone who only drafts, reviews or publishes sees the account but
    not the list of its holders (403)."""
    return can_manage(user, account) or authz.has_org_role(user, OrgRole.COMMS_REVIEWER)


def can_draft_on(user: Any, account: BrandAccount) -> bool:
    """For the post workflow: draft permission on an active account."""
    return account.is_active and BrandAccountPerm.DRAFT_ON in perms_on(user, account)


def can_review_on(user: Any, account: BrandAccount) -> bool:
    return account.is_active and BrandAccountPerm.REVIEW_ON in perms_on(user, account)


def can_publish_on(user: Any, account: BrandAccount) -> bool:
    return account.is_active and BrandAccountPerm.PUBLISH_ON in perms_on(user, account)


def can_create_accounts(user: Any) -> bool:
    return authz.is_org_admin(user)


def can_grant_manage(user: Any) -> bool:
    return authz.is_org_admin(user)


def can_change_department(user: Any) -> bool:
    return authz.is_org_admin(user)


# --- One account: 404 when invisible, 403 when seen without the permission --------------------

AccountPerm = Literal["view", "manage", "see_grants"]

_REFUSALS: dict[str, str] = {
    "manage": "Only people who manage this account can do that.",
    "see_grants": "Only people who manage this account, comms reviewers and org admins can see "
    "who has access to it.",
}


def require_account_perm(user: Any, account: BrandAccount, perm: AccountPerm) -> None:
    """403 unless the person holds perm on an account they were shown to see."""
    if perm == "manage":
        authz.require(can_manage(user, account), _REFUSALS[perm])
    elif perm == "see_grants":
        authz.require(can_see_grants(user, account), _REFUSALS[perm])


def access_brand_account(
    user: Any, pk: Any, *, perm: AccountPerm = "view", lock: bool = False
) -> BrandAccount:
    """An account the person holds at least one permission on (org admins: every account), with
    what its pages show; NotFound otherwise, the same answer as for a missing id."""
    account = authz.get_visible_or_404(
        BrandAccount.objects.visible_to(user).with_list_relations(), lock=lock, pk=pk
    )
    require_account_perm(user, account, perm)
    return account


def can_preapprove_replies(user: Any) -> bool:
    """Whether support's saved replies skip review on an account: an org admin's decision."""
    return authz.is_org_admin(user)
