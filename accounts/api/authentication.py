"""`Authorization: Token <key>` for scripts: django-rest-knox's hashed, expiring tokens, each
bound to the credentials it was issued under (accounts.selectors.credential_stamp)."""

from __future__ import annotations

from typing import Any

from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from accounts import selectors


class ApiTokenAuthentication(TokenAuthentication):  # type: ignore[misc]
    """knox checks the key's hash and the expiry; this checks the active flag and the stamp, so
    a token dies with a password change, a TOTP change or a deactivation, whichever path made
    it (allauth's pages, the admin, `manage.py changepassword`)."""

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user = auth_token.user
        if not user.is_active or not constant_time_compare(
            auth_token.stamp, selectors.credential_stamp(user=user)
        ):
            # Dead for good: a later reactivation or the old password back does not revive it.
            auth_token.delete()
            raise exceptions.AuthenticationFailed("Invalid token.")
        return user, auth_token


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """How the OpenAPI schema describes it: the same `tokenAuth` scheme as before."""

    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Token <key>`, the key from POST /api/v1/auth/token/.",
        }
