"""Reads for people and departments, always scoped to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import ApiToken, Department, Invitation, Membership


def department_list(*, user: Any) -> QuerySet[Department]:
    return Department.objects.visible_to(user).with_member_count().order_by("name")


def member_list(*, department: Department) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(department=department)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def open_invitation_list(*, department: Department) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        department=department, accepted_at=None, revoked_at=None
    ).select_related("invited_by")


# --- API tokens --------------------------------------------------------------------------------


def credential_stamp(*, user: Any) -> str:
    """What an API token is bound to: the password (its hash), the TOTP authenticator and the
    active flag. Any change to one gives another stamp, and every token issued before stops
    working (accounts.api.authentication) — the same idea as Django's session auth hash.
    Recovery codes are left out on purpose: regenerating them is no reason to log scripts out.
    One query."""
    from allauth.mfa.models import Authenticator

    totp_ids = sorted(
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).values_list(
            "pk", flat=True
        )
    )
    material = f"{user.password}|{int(bool(user.is_active))}|{','.join(map(str, totp_ids))}"
    return salted_hmac("core.api-token-stamp", material, algorithm="sha256").hexdigest()


def api_token_list(*, user: Any) -> list[ApiToken]:
    """The person's working API tokens, newest first: not expired, and issued under the
    credentials they have now. Two queries (the stamp, the tokens)."""
    stamp = credential_stamp(user=user)
    return list(
        ApiToken.objects.filter(user_id=user.pk, stamp=stamp)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .order_by("-created", "-id")
    )
