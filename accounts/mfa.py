"""Two-factor checks outside allauth's own login flow (the API token endpoint).

allauth owns MFA: these functions only ask its authenticators, so a code used once here cannot
be replayed at the login page and the other way round.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP


def is_enabled(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def verify_code(user: Any, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (which is then spent)."""
    for authenticator in Authenticator.objects.filter(user=user):
        if authenticator.type == Authenticator.Type.TOTP and TOTP(authenticator).validate_code(
            code
        ):
            authenticator.record_usage()
            return True
        if authenticator.type == Authenticator.Type.RECOVERY_CODES and RecoveryCodes(
            authenticator
        ).validate_code(code):
            authenticator.record_usage()
            return True
    return False
