"""SOCIALHUB_ENCRYPTION_KEY: required in production, checked at start-up, a list for rotation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRINT_KEYS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(','.join(settings.SOCIALHUB_ENCRYPTION_KEYS))"
)


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter, as a web process starting up would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SOCIALHUB_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="socialhub.settings", SOCIALHUB_VAR_DIR=str(tmp_path), **env
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PRINT_KEYS],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50}


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    result = _start(tmp_path, **PRODUCTION)
    assert result.returncode != 0
    assert "Environment variable SOCIALHUB_ENCRYPTION_KEY is required" in result.stderr


def test_a_key_that_is_not_a_fernet_key_stops_start_up(tmp_path: Path) -> None:
    good = Fernet.generate_key().decode()
    result = _start(tmp_path, **PRODUCTION, SOCIALHUB_ENCRYPTION_KEY=f"{good},not-a-key")
    assert result.returncode != 0
    assert "SOCIALHUB_ENCRYPTION_KEY has a bad value: key 2 is not a Fernet key" in result.stderr


def test_production_reads_a_comma_separated_list_first_key_first(tmp_path: Path) -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    result = _start(tmp_path, **PRODUCTION, SOCIALHUB_ENCRYPTION_KEY=f" {new} , {old} ")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{new},{old}"


@pytest.mark.parametrize("secret", ["one-development-secret", "another-development-secret"])
def test_debug_derives_a_stable_key_from_the_secret_key(tmp_path: Path, secret: str) -> None:
    env = {"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": secret}
    first, second = _start(tmp_path, **env), _start(tmp_path, **env)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key == second.stdout.strip()
    Fernet(key.encode())  # a usable key
    other = _start(tmp_path, DJANGO_DEBUG="true", DJANGO_SECRET_KEY=secret + "!")
    assert other.stdout.strip() != key
