"""`manage.py evidence_verify <zip>`: check an evidence export against its manifest's sums."""

from __future__ import annotations

import json
import zipfile
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dashboards.governance.evidence import MANIFEST, evidence_zip_verify


class Command(BaseCommand):
    help = "Check that every file of an evidence export matches the SHA-256 in its manifest."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("zip", help="the export's ZIP file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["zip"]
        problems = evidence_zip_verify(path)
        if problems:
            raise CommandError("The export does not match its manifest:\n" + "\n".join(problems))
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(MANIFEST))
        head = manifest["audit_chain_head"]
        self.stdout.write(
            f"Every file matches its SHA-256 ({len(manifest['files'])} files). "
            f"Audit chain head at export: seq {head['seq']}, hash {head['hash']}."
        )
