from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Brand accounts"

    def ready(self) -> None:
        checks.register(private_platform_hosts_check, checks.Tags.security, deploy=True)


def private_platform_hosts_check(**kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy` fails while connectors may reach private addresses (a switch for tests
    and local stand-ins only)."""
    if not getattr(settings, "SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS", False):
        return []
    return [
        checks.Warning(
            "SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS is on: brand-account connections may reach "
            "plain http and loopback, private and link-local addresses (internal services, "
            "cloud metadata) with the account's token.",
            hint="Unset it in production; it is for tests and local platform stand-ins.",
            id="channels_app.W001",
        )
    ]
