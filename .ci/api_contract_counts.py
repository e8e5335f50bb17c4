"""Counts of one schemathesis run, from its NDJSON report (.ci/api-contract prints them).

    python .ci/api_contract_counts.py <who> <report.ndjson>

requests: every request sent (each generated case is one); server errors: answers 5xx;
schema violations: answers whose status, content type, headers or body the schema does not
describe; other failures: every other failed check (invalid input accepted, missing
authentication accepted, ...).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SCHEMA_CHECKS = {
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
}


def counts(report: Path) -> dict[str, int]:
    found = {"operations": 0, "requests": 0, "server errors": 0, "schema violations": 0}
    found["other failures"] = 0
    statuses: dict[str, int] = {}
    labels: set[str] = set()
    for line in report.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        labels.add(recorder.get("label", ""))
        for interaction in (recorder.get("interactions") or {}).values():
            found["requests"] += 1
            status = (interaction.get("response") or {}).get("status_code")
            if status is not None:
                key = f"{str(status)[0]}xx"
                statuses[key] = statuses.get(key, 0) + 1
                if status >= 500:
                    found["server errors"] += 1
        for results in (recorder.get("checks") or {}).values():
            for check in results:
                if check.get("status") != "failure":
                    continue
                if check["name"] == "not_a_server_error":
                    continue  # counted from the answers themselves
                kind = "schema violations" if check["name"] in SCHEMA_CHECKS else "other failures"
                found[kind] += 1
    found["operations"] = len(labels - {""})
    found.update(statuses)
    return found


if __name__ == "__main__":
    who, path = sys.argv[1], Path(sys.argv[2])
    numbers = counts(path)
    print(f"{who}: " + ", ".join(f"{value} {name}" for name, value in numbers.items()))
