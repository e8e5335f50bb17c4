"""Celery tasks of brand accounts: load, call one service."""

from __future__ import annotations

import logging

from celery import shared_task

from channels_app import services
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from socialhub.errors import Conflict, Unavailable

logger = logging.getLogger(__name__)


@shared_task(name="channels_app.check_connections", ignore_result=True)
def check_connections() -> dict[str, int]:
    """Daily (beat): ask each platform whether the stored credentials of every active, connected
    account still work, so a revoked token is found before a post fails on it. Returns how
    many passed, were refused, or could not be checked (platform silent, or the credentials
    replaced while they were being checked)."""
    counts = {"passed": 0, "refused": 0, "not_checked": 0}
    accounts = (
        BrandAccount.objects.filter(is_active=True, connection__isnull=False)
        .exclude(platform=Platform.INTERNAL)
        .select_related("department")
        .order_by("pk")
    )
    for account in accounts:
        try:
            services.brand_account_check_connection(actor=None, account=account)
        except Unavailable as exc:
            counts["not_checked"] += 1
            logger.warning("Connection of brand account %s not checked: %s", account.pk, exc)
        except Conflict as exc:
            # Refused: recorded on the connection, people told. Or replaced meanwhile.
            counts["not_checked" if exc.code == "connection_changed" else "refused"] += 1
            logger.warning("Connection of brand account %s: %s", account.pk, exc)
        else:
            counts["passed"] += 1
    return counts


@shared_task(name="channels_app.check_connection", ignore_result=True)
def check_connection(account_id: int) -> str:
    """One account's connection, checked after the platform refused a publish as unauthorised
    (the publishing engine queues this). Returns passed, refused or not_checked."""
    account = (
        BrandAccount.objects.filter(pk=account_id, connection__isnull=False)
        .select_related("department")
        .first()
    )
    if account is None:  # deleted or disconnected meanwhile
        return "not_checked"
    try:
        services.brand_account_check_connection(actor=None, account=account)
    except Unavailable:
        return "not_checked"
    except Conflict as exc:
        return "not_checked" if exc.code == "connection_changed" else "refused"
    return "passed"
