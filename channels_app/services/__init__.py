"""Writes for brand accounts: every change checks access and input first, then writes together
with its audit event. Pages, the API, the demo seed and management commands all call these.

`actor=None` means the system itself (the demo seed, a management command), never a request.

One module per topic, re-exported here: checks (input and access checks the others share),
accounts (creating, editing, switching on and off), grants (who may do what on an account) and
connections (credentials, connection checks, disconnecting).
"""

from __future__ import annotations

from channels_app.services.accounts import (
    STANDARD_ROLE_GRANTS,
    brand_account_create,
    brand_account_set_active,
    brand_account_update,
)
from channels_app.services.connections import (
    CredentialsInvalid,
    brand_account_check_connection,
    brand_account_disconnect,
    brand_account_set_credentials,
    brand_account_store_refreshed_credentials,
    credentials_reencrypt_all,
)
from channels_app.services.grants import (
    brand_account_grant,
    brand_account_revoke,
    brand_account_set_grant,
)

__all__ = [
    "STANDARD_ROLE_GRANTS",
    "CredentialsInvalid",
    "brand_account_check_connection",
    "brand_account_create",
    "brand_account_disconnect",
    "brand_account_grant",
    "brand_account_revoke",
    "brand_account_set_active",
    "brand_account_set_credentials",
    "brand_account_set_grant",
    "brand_account_store_refreshed_credentials",
    "brand_account_update",
    "credentials_reencrypt_all",
]
