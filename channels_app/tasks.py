"""Celery tasks of brand accounts: load, call one service."""

from __future__ import annotations

import logging

from celery import shared_task

from channels_app import services
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import Conflict, Unavailable

logger = logging.getLogger(__name__)

PASSED, REFUSED, NOT_CHECKED = "passed", "refused", "not_checked"


def _check(account: BrandAccount) -> str:
    """The connection check as the system; what came of it. A refusal is recorded on the
    connection (and announced) by the service itself."""
    try:
        services.brand_account_check_connection(actor=None, account=account)
    except Unavailable as exc:  # the platform did not answer: the next check tries again
        logger.warning("Connection of brand account %s not checked: %s", account.pk, exc)
        return NOT_CHECKED
    except Conflict as exc:
        logger.warning("Connection of brand account %s: %s", account.pk, exc)
        # Replaced while it was being checked: the new credentials were checked on saving.
        return NOT_CHECKED if exc.code == "connection_changed" else REFUSED
    return PASSED


@shared_task(name="channels_app.check_connections", ignore_result=True)
def check_connections() -> dict[str, int]:
    """Daily (beat): ask each platform whether the stored credentials of every active, connected
    account still work, so a revoked token is found before a post fails on it. Returns how
    many passed, were refused, or could not be checked."""
    counts = {PASSED: 0, REFUSED: 0, NOT_CHECKED: 0}
    accounts = (
        BrandAccount.objects.filter(is_active=True, connection__isnull=False)
        .exclude(platform=Platform.INTERNAL)
        .select_related("department")
        .order_by("pk")
    )
    for account in accounts:
        counts[_check(account)] += 1
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
        return NOT_CHECKED
    return _check(account)
