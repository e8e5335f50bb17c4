"""POST /api/v1/auth/token/ and GET /api/v1/me/."""

from __future__ import annotations

import pyotp
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Department, User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # throttling and used-code memory live in the cache


def enable_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def test_token_for_email_and_password(sme: User) -> None:
    response = APIClient().post(URL, {"email": "SME@example.test", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=sme).key == token
    me = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == sme.email


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "sme@example.test", "password": "wrong"}, "non_field_errors"),
        ({"email": "nobody@example.test", "password": PASSWORD}, "non_field_errors"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"password": PASSWORD}, "email"),
        ({"email": "sme@example.test"}, "password"),
    ],
)
def test_bad_credentials_get_a_field_message(sme: User, payload: dict, field: str) -> None:
    response = APIClient().post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()[field]
    assert not Token.objects.exists()


def test_inactive_person_gets_no_token(sme: User) -> None:
    User.objects.filter(pk=sme.pk).update(is_active=False)
    response = APIClient().post(URL, {"email": sme.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_mfa_user_needs_a_valid_code(sme: User) -> None:
    secret = enable_totp(sme)
    client = APIClient()
    missing = client.post(URL, {"email": sme.email, "password": PASSWORD})
    assert missing.status_code == 400
    assert "otp" in missing.json()
    wrong = client.post(URL, {"email": sme.email, "password": PASSWORD, "otp": "000000"})
    assert wrong.status_code == 400
    assert "otp" in wrong.json()
    assert not Token.objects.exists()
    code = pyotp.TOTP(secret).now()
    ok = client.post(URL, {"email": sme.email, "password": PASSWORD, "otp": code})
    assert ok.status_code == 200
    # The same code cannot be replayed.
    Token.objects.all().delete()
    replay = client.post(URL, {"email": sme.email, "password": PASSWORD, "otp": code})
    assert replay.status_code == 400


def test_recovery_code_works_once(sme: User) -> None:
    enable_totp(sme)
    codes = RecoveryCodes.activate(sme).get_unused_codes()
    client = APIClient()
    first = client.post(URL, {"email": sme.email, "password": PASSWORD, "otp": codes[0]})
    assert first.status_code == 200
    Token.objects.all().delete()
    again = client.post(URL, {"email": sme.email, "password": PASSWORD, "otp": codes[0]})
    assert again.status_code == 400


def test_token_endpoint_is_rate_limited(sme: User) -> None:
    client = APIClient()
    statuses = [
        client.post(URL, {"email": sme.email, "password": "wrong"}).status_code for _ in range(12)
    ]
    assert statuses[0] == 400
    assert statuses[-1] == 429


def test_me_requires_authentication() -> None:
    response = APIClient().get("/api/v1/me/")
    assert response.status_code in (401, 403)


def test_me_lists_departments_and_roles(
    api_as: object, manager: User, sales: Department, rnd: Department
) -> None:
    from accounts.tests.factories import add_member, give_org_role

    add_member(manager, rnd)
    give_org_role(manager, "hr")
    body = api_as(manager).get("/api/v1/me/").json()  # type: ignore[operator]
    assert body["email"] == manager.email
    assert {(d["slug"], d["role"]) for d in body["departments"]} == {
        ("sales", "manager"),
        ("rnd", "member"),
    }
    assert body["roles"] == ["hr"]
    assert body["mfa_enabled"] is False
