"""The allauth flows SocialHub relies on: password reset, closed sign-up, login rate limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_password_reset_sends_a_link(sme: User) -> None:
    response = Client().post("/accounts/password/reset/", {"email": sme.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in str(mail.outbox[0].body)


def test_sign_up_is_closed_by_default() -> None:
    response = Client().post(
        "/accounts/signup/",
        {"email": "walk-in@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "Sign Up Closed" in response.content.decode()
    assert not User.objects.filter(email="walk-in@example.test").exists()


def test_sign_up_opens_with_the_setting(settings: object) -> None:
    settings.SOCIALHUB_OPEN_SIGNUP = True  # type: ignore[attr-defined]
    response = Client().post(
        "/accounts/signup/",
        {"email": "walk-in@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="walk-in@example.test").exists()


def test_failed_logins_are_rate_limited(sme: User) -> None:
    cache.clear()
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"login": sme.email, "password": "wrong"})
    blocked = client.post("/accounts/login/", {"login": sme.email, "password": PASSWORD})
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()


def test_sso_button_appears_when_configured(tmp_path: Path) -> None:
    """OIDC is switched on by environment variables alone (checked in a fresh process)."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SOCIALHUB_"))},
        "DJANGO_DEBUG": "true",
        "SOCIALHUB_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SOCIALHUB_OIDC_SERVER_URL": "https://idp.example.test/realms/acme",
        "SOCIALHUB_OIDC_CLIENT_ID": "socialhub",
        "SOCIALHUB_OIDC_CLIENT_SECRET": "s3cret",
        "SOCIALHUB_OIDC_NAME": "Acme SSO",
    }
    script = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.test import Client; from django.test.utils import setup_test_environment;"
        "setup_test_environment();"
        "print(Client().get('/accounts/login/').content.decode())"
    )
    result = subprocess.run(  # noqa: S603 - fixed interpreter and script
        [sys.executable, "-c", script],
        cwd=root,
        env={**env, "DJANGO_SETTINGS_MODULE": "socialhub.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Acme SSO" in result.stdout
    assert "/accounts/oidc/sso/login/" in result.stdout
