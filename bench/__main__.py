"""`make bench`: run every benchmark in turn, each on its own throwaway database."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = [
    "bench.certification_csv",
    "bench.dashboards",
    "bench.pages",
    "bench.publish",
    "bench.concurrency",
    "bench.inbox",
    "bench.engagement",
    "bench.listening",
    "bench.lists",
    "bench.evidence_export",
]

if __name__ == "__main__":
    failed = 0
    for module in BENCHMARKS:
        print(f"== {module}")
        failed |= subprocess.call([sys.executable, "-m", module])  # noqa: S603 - our own modules
    sys.exit(failed)
