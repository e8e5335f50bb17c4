"""Whether a brand account can publish now, as far as its connection goes: one rule for the
compose page, the review screen, the queue, and the services that refuse to schedule, publish
now or retry a post on an account that cannot send.

An internal-feed account needs no credentials and is always ready. Any other account is ready
when credentials are stored and no later check found the platform refusing them
(BrandAccountConnection.problem). Reads the connection joined to the account
(select_related("brand_account__connection")); when it was not joined, one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet

from channels_app.credentials import needs_connection
from channels_app.models import BrandAccountConnection
from core.errors import Conflict


class Readiness(models.TextChoices):
    READY = "ready", "Ready to publish"
    NOT_CONNECTED = "not_connected", "Not connected"
    RECONNECT_NEEDED = "reconnect_needed", "Reconnect needed"


@dataclass(frozen=True)
class AccountReadiness:
    state: str
    # What a person reads on a page or in a 409: what is wrong and who can fix it.
    message: str = ""

    @property
    def ready(self) -> bool:
        return self.state == Readiness.READY

    @property
    def label(self) -> str:
        return str(Readiness(self.state).label)


def account_readiness(account: Any) -> AccountReadiness:
    if not needs_connection(account.platform):
        return AccountReadiness(Readiness.READY)
    try:
        connection = account.connection
    except BrandAccountConnection.DoesNotExist:
        connection = None
    if connection is None:
        return AccountReadiness(
            Readiness.NOT_CONNECTED,
            f"{account.display_name} is not connected: nothing can be published on it until an "
            "org admin or one of its managers enters its credentials.",
        )
    if connection.needs_reconnect:
        return AccountReadiness(
            Readiness.RECONNECT_NEEDED,
            f"{account.display_name} needs connecting again (the platform refused its stored "
            "credentials): nothing can be published on it until an org admin or one of its "
            "managers connects it again.",
        )
    return AccountReadiness(Readiness.READY)


def ready_connections(account_id: int) -> QuerySet[BrandAccountConnection]:
    """account_readiness's rule for an account that needs a connection, as a query: its
    connection, if stored and no check found the platform refusing it (the publishing engine
    puts it in its claim's statement: EXISTS)."""
    return BrandAccountConnection.objects.filter(brand_account_id=account_id, problem="")


def require_account_ready(account: Any) -> None:
    """Conflict (409, code account_not_connected) when the account cannot publish now."""
    readiness = account_readiness(account)
    if not readiness.ready:
        raise Conflict(readiness.message, code="account_not_connected")
