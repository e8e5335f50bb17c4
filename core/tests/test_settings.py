"""Settings come from the environment; bad values stop start-up; production passes --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SOCIALHUB_"))}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "socialhub.example.com",
    "DJANGO_DEBUG": "false",
    "SOCIALHUB_ENCRYPTION_KEY": "uGBp3ZbHwUo2xYgS4qLm9dTfW6vJ8nRkA1cEeH5iK0s=",
}


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    env = {**PRODUCTION, "SOCIALHUB_VAR_DIR": str(tmp_path)}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_outside_debug(tmp_path: Path) -> None:
    env = {"DJANGO_DEBUG": "false", "SOCIALHUB_VAR_DIR": str(tmp_path)}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_DEBUG", "ture"),
        ("SOCIALHUB_OPEN_SIGNUP", "maybe"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("DJANGO_SECURE_HSTS_SECONDS", "a year"),
        ("SOCIALHUB_API_TOKEN_TTL_HOURS", "0"),
        ("SOCIALHUB_API_TOKEN_TTL_HOURS", "a day"),
        ("SOCIALHUB_BASE_URL", "socialhub.example.com"),
        ("SOCIALHUB_CSP_FORM_ACTION", "login.example.com"),
        ("SOCIALHUB_PAGE_SIZE", "0"),
        ("SOCIALHUB_PAGE_SIZE", "fifty"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path: Path, name: str, value: str) -> None:
    env = {**PRODUCTION, "SOCIALHUB_VAR_DIR": str(tmp_path), name: value}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert name in result.stderr


def test_openapi_schema_validates(tmp_path: Path) -> None:
    env = {"DJANGO_DEBUG": "true", "SOCIALHUB_VAR_DIR": str(tmp_path)}
    result = run_manage(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yml"),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    schema = (tmp_path / "schema.yml").read_text()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/departments/{department_slug}/members/",
    ):
        assert path in schema


def test_the_visibility_timeout_must_outlast_a_publish(tmp_path: Path) -> None:
    """A Redis visibility timeout shorter than a publish would hand a running (or waiting eta)
    publish to a second worker: refused at start-up, naming the variable."""
    env = {
        **PRODUCTION,
        "SOCIALHUB_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CELERY_VISIBILITY_TIMEOUT": "300",  # the default publish lease is 365 s
    }
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT" in result.stderr
    assert "longer than a publish may take (365 s)" in result.stderr

    env["CELERY_VISIBILITY_TIMEOUT"] = "3600"
    assert run_manage("check", env=env).returncode == 0


def test_a_dot_env_file_is_read_but_the_environment_wins(tmp_path: Path) -> None:
    dot_env = tmp_path / ".env"
    dot_env.write_text("DJANGO_DEBUG=true\n")
    read = run_manage(
        "check",
        env={"SOCIALHUB_ENV_FILE": str(dot_env), "SOCIALHUB_VAR_DIR": str(tmp_path)},
    )
    assert read.returncode == 0, read.stderr  # debug from the file: no secret key needed
    overridden = run_manage(
        "check",
        env={
            "SOCIALHUB_ENV_FILE": str(dot_env),
            "SOCIALHUB_VAR_DIR": str(tmp_path),
            "DJANGO_DEBUG": "false",
        },
    )
    assert overridden.returncode != 0
    assert "DJANGO_SECRET_KEY" in overridden.stderr


def _show(expression: str, env: dict[str, str]) -> str:
    code = f"from django.conf import settings; print({expression})"
    result = run_manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "0 0 None"),
        ({"DJANGO_BEHIND_PROXY": "true"}, "1 1 ('HTTP_X_FORWARDED_PROTO', 'https')"),
        (
            {"DJANGO_BEHIND_PROXY": "true", "DJANGO_PROXY_COUNT": "2"},
            "2 2 ('HTTP_X_FORWARDED_PROTO', 'https')",
        ),
        # The count means nothing unless SocialHub is told it is behind a proxy.
        ({"DJANGO_PROXY_COUNT": "3"}, "0 0 None"),
    ],
)
def test_forwarded_headers_are_trusted_only_behind_a_proxy(
    tmp_path: Path, extra: dict[str, str], expected: str
) -> None:
    """X-Forwarded-For decides the client address (throttles, lockouts) only behind a proxy,
    and then only as many entries as there are proxies of ours."""
    env = {**PRODUCTION, "SOCIALHUB_VAR_DIR": str(tmp_path), **extra}
    shown = _show(
        "settings.REST_FRAMEWORK['NUM_PROXIES'], settings.ALLAUTH_TRUSTED_PROXY_COUNT, "
        "getattr(settings, 'SECURE_PROXY_SSL_HEADER', None)",
        env,
    )
    assert shown == expected


def test_a_proxy_count_below_one_is_refused(tmp_path: Path) -> None:
    env = {
        **PRODUCTION,
        "SOCIALHUB_VAR_DIR": str(tmp_path),
        "DJANGO_BEHIND_PROXY": "true",
        "DJANGO_PROXY_COUNT": "0",
    }
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_PROXY_COUNT" in result.stderr


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": ""}, "http://127.0.0.1:8000"),
        (
            {"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": "", "PORT": "8042"},
            "http://127.0.0.1:8042",
        ),
        ({}, "https://socialhub.example.com"),
        ({"SOCIALHUB_BASE_URL": "https://social.example.org/"}, "https://social.example.org"),
    ],
)
def test_links_without_a_request_have_a_default(
    tmp_path: Path, extra: dict[str, str], expected: str
) -> None:
    """E-mails no request caused (reminders, publishing outcomes) still carry full links."""
    env = {**PRODUCTION, "SOCIALHUB_VAR_DIR": str(tmp_path), **extra}
    assert _show("settings.SOCIALHUB_DEFAULT_BASE_URL", env) == expected
