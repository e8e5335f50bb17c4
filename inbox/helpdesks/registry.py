"""Which connector speaks to which helpdesk: ``connector_for(kind)``.

One shared instance per process and kind (it holds the HTTP connection pool). The table
``HELPDESKS`` maps a kind to its class, imported on first use.
"""

from __future__ import annotations

import threading

from django.db import models
from django.utils.module_loading import import_string

from inbox.helpdesks.base import HelpdeskConnector, SettingField


class HelpdeskKind(models.TextChoices):
    DJANGO_HELPDESK = "django_helpdesk", "django-helpdesk"
    ZENDESK = "zendesk", "Zendesk"
    SALESFORCE = "salesforce", "Salesforce Service Cloud"


HELPDESKS: dict[str, str] = {
    HelpdeskKind.DJANGO_HELPDESK: "inbox.helpdesks.django_helpdesk.DjangoHelpdeskConnector",
    HelpdeskKind.ZENDESK: "inbox.helpdesks.zendesk.ZendeskConnector",
    HelpdeskKind.SALESFORCE: "inbox.helpdesks.salesforce.SalesforceConnector",
}

_instances: dict[str, HelpdeskConnector] = {}
_lock = threading.Lock()


def connector_for(kind: str) -> HelpdeskConnector:
    """The connector for a helpdesk kind (LookupError for a kind SocialHub does not speak)."""
    with _lock:
        connector = _instances.get(kind)
        if connector is None:
            path = HELPDESKS.get(kind)
            if path is None:
                raise LookupError(f"No helpdesk connector for '{kind}'.")
            connector = import_string(path)()
            _instances[kind] = connector
        return connector


def setting_fields(kind: str) -> tuple[SettingField, ...]:
    """The connection settings a helpdesk kind needs (empty for an unknown kind)."""
    path = HELPDESKS.get(kind)
    if path is None:
        return ()
    connector_class: type[HelpdeskConnector] = import_string(path)
    return connector_class.fields
