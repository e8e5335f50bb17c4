"""Re-encrypt every stored brand-account credential with the first SOCIALHUB_ENCRYPTION_KEY.

Rotation: put the new key first in SOCIALHUB_ENCRYPTION_KEY (keep the old ones after it),
restart, run this command, then remove the old keys.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channels_app import services


class Command(BaseCommand):
    help = "Re-encrypt stored brand-account credentials with the first SOCIALHUB_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        done, current, unreadable = services.credentials_reencrypt_all()
        self.stdout.write(f"Re-encrypted: {done}. Already on the first key: {current}.")
        if unreadable:
            ids = ", ".join(str(pk) for pk in unreadable)
            raise CommandError(
                f"No key in SOCIALHUB_ENCRYPTION_KEY opens the credentials of brand accounts "
                f"{ids}. Put the key they were encrypted with back in the list, or connect "
                "those accounts again."
            )
        self.stdout.write(self.style.SUCCESS("Every stored credential uses the first key."))
