"""Empty the activity reports' summary rows and fold the whole audit trail into them again
(docs/dashboards.md, "Summary rows"). Safe while the site runs: the reports read the
transitions past the watermark directly, so they stay exact while it works."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dashboards.reports.rollups import CHUNK, rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild the activity reports' summary rows from the audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk", type=int, default=CHUNK, help="events folded per transaction"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk"] < 1:
            self.stderr.write("--chunk must be at least 1.")
            raise SystemExit(2)
        started = time.perf_counter()
        folded = rollups_rebuild(chunk=options["chunk"])
        self.stdout.write(
            f"Folded {folded:,} post transitions in {time.perf_counter() - started:.1f} s."
        )
