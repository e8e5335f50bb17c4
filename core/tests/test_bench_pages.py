"""The page benchmarks run end to end at a tiny size and print their tables: bench.compare without a
BrightBean Studio checkout (SocialHub's rows alone) and bench.pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "BRIGHTBEAN_PATH", "SOCIALHUB_VAR_DIR")
    }
    env["DJANGO_DEBUG"] = "true"
    env["TMPDIR"] = str(tmp_path)  # the throwaway folders, removed with the test's own
    return subprocess.run(  # noqa: S603 - our own module, our arguments
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_compare_without_brightbean_prints_socialhub_alone(tmp_path: Path) -> None:
    done = _run(tmp_path, "bench.compare", "--sizes", "10", "--repeat", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any("no checkout given" in line for line in lines)
    for label in ("review queue", "calendar (month)", "scheduled list", "REST list (50)"):
        (row,) = [line for line in lines if label in line]
        cells = row.split()
        assert cells[:2] == ["sqlite", "10"]
        # SocialHub's queries and ms are numbers; BrightBean's columns and the ratio are empty.
        assert cells[-3:] == ["—", "—", "—"]
        assert int(cells[-5]) > 0
        assert float(cells[-4]) > 0


def test_pages_at_a_tiny_size(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        "bench.pages",
        *("--posts", "60", "--departments", "3", "--members", "2", "--repeat", "1"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    assert "seeded 60 posts" in table
    for label in ("bare authenticated endpoint", "review queue", "calendar, month", "inbox"):
        assert label in table
    assert "failed" not in table
