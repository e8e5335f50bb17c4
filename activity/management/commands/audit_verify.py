"""`manage.py audit_verify`: check the audit trail's hash chain end to end (activity/chain.py).

Exits 0 when every event matches, 1 naming the first event that does not."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from activity.chain import chain_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and name the first event that does not match."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=5_000, help="events read per database round trip"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        report = chain_verify(chunk_size=options["chunk_size"])
        if report.mismatch is not None:
            raise CommandError(
                f"Audit chain broken after {report.checked:,} good events. {report.mismatch}"
            )
        self.stdout.write(
            f"Audit chain intact: {report.checked:,} events, head seq {report.head.seq}, "
            f"hash {report.head.hash} ({report.seconds:.1f} s)."
        )
