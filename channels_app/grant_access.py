"""Access to one grant (one holder's permissions on a brand account), for the pages and the API.

Apart from channels_app.permissions because a grant is read from the account's grants
(selectors.grant_list), and the selectors ask the permissions module in turn.
"""

from __future__ import annotations

from typing import Any

from channels_app import selectors
from channels_app.grants import Grant
from channels_app.models import BrandAccount
from channels_app.permissions import AccountPerm, require_account_perm
from core.errors import NotFound


def access_grant(
    user: Any, grant_id: str, *, account: BrandAccount, perm: AccountPerm = "manage"
) -> Grant:
    """One holder's grant on an account found with access_brand_account: 403 unless the person
    holds perm on the account (managing it, by default), NotFound when that holder holds nothing
    on it."""
    require_account_perm(user, account, perm)
    for grant in selectors.grant_list(account=account):
        if grant.id == grant_id:
            return grant
    raise NotFound("No such grant on this account.")
