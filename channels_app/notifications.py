"""What brand-account changes tell people, in channels_app's own words (activity.notify writes
and e-mails the notice)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts import authz
from accounts.roles import OrgRole
from activity.models import Notification
from activity.notifications import notify
from channels_app.codenames import BrandAccountPerm


def connection_broken(account: Any, *, problem: str) -> None:
    """A brand account's stored credentials stopped working: the people who can connect it
    again (its managers, org admins) are told, with the platform's own words."""
    recipients = [
        *authz.users_holding(BrandAccountPerm.MANAGE, account),
        *authz.users_with_org_role(OrgRole.ORG_ADMIN),
    ]
    notify(
        recipients=recipients,
        kind=Notification.Kind.CONNECTION,
        subject=f"{account.display_name} needs connecting again",
        message=f"{account.display_name} needs connecting again: {problem}",
        url=reverse("brandaccount_detail", args=[account.pk]),
    )
