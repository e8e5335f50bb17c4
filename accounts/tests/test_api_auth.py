"""POST /api/v1/auth/token/ and GET /api/v1/me/: credentials, second factor, throttles, lockout."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken, Department, User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"
REFUSED = {
    "detail": "E-mail address, password or code is not correct.",
    "code": "login_refused",
    "non_field_errors": ["E-mail address, password or code is not correct."],
}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # throttling, lockouts and used-code memory live in the cache


def enable_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def client_from(address: str) -> APIClient:
    """A client whose connection comes from the given address (as the web server sees it)."""
    return APIClient(REMOTE_ADDR=address)


def test_token_for_email_and_password(sme: User) -> None:
    response = APIClient().post(URL, {"email": "SME@example.test", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    token = body["token"]
    assert set(body) == {"token", "expiry"}
    # Stored as a hash only: the key itself is nowhere in the table.
    row = ApiToken.objects.get(user=sme)
    assert token not in {row.digest, row.token_key}
    assert len(row.digest) == 128
    me = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == sme.email


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"password": PASSWORD}, "email"),
        ({"email": "sme@example.test"}, "password"),
    ],
)
def test_malformed_requests_get_a_field_message(sme: User, payload: dict, field: str) -> None:
    response = APIClient().post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()[field]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "sme@example.test", "password": "wrong"},
        {"email": "nobody@example.test", "password": PASSWORD},
    ],
)
def test_wrong_credentials_get_the_one_refusal(sme: User, payload: dict) -> None:
    response = APIClient().post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json() == REFUSED
    assert not ApiToken.objects.exists()


def test_inactive_person_gets_no_token(sme: User) -> None:
    User.objects.filter(pk=sme.pk).update(is_active=False)
    response = APIClient().post(URL, {"email": sme.email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.json() == REFUSED
    assert not ApiToken.objects.exists()


def test_mfa_account_answers_like_a_wrong_password_until_the_code_is_right(sme: User) -> None:
    """The endpoint never confirms a password before the second factor: with MFA on, a right
    password without a code, or with a wrong one, reads exactly like a wrong password."""
    secret = enable_totp(sme)
    answers = [
        client_from(f"10.0.0.{n}").post(URL, payload, format="json")
        for n, payload in enumerate(
            [
                {"email": sme.email, "password": "wrong"},
                {"email": sme.email, "password": PASSWORD},
                {"email": sme.email, "password": PASSWORD, "otp": ""},
                {"email": sme.email, "password": PASSWORD, "otp": "000000"},
                {"email": sme.email, "password": "wrong", "otp": pyotp.TOTP(secret).now()},
            ],
            start=1,
        )
    ]
    assert [(a.status_code, a.json()) for a in answers] == [(400, REFUSED)] * 5
    assert not ApiToken.objects.exists()
    cache.clear()  # the five refusals above locked the account (tested below)
    code = pyotp.TOTP(secret).now()
    ok = APIClient().post(URL, {"email": sme.email, "password": PASSWORD, "otp": code})
    assert ok.status_code == 200
    # The same code cannot be replayed.
    replay = APIClient().post(URL, {"email": sme.email, "password": PASSWORD, "otp": code})
    assert replay.status_code == 400
    assert replay.json() == REFUSED
    assert ApiToken.objects.filter(user=sme).count() == 1


def test_recovery_code_works_once(sme: User) -> None:
    enable_totp(sme)
    codes = RecoveryCodes.activate(sme).get_unused_codes()
    client = APIClient()
    first = client.post(URL, {"email": sme.email, "password": PASSWORD, "otp": codes[0]})
    assert first.status_code == 200
    again = client.post(URL, {"email": sme.email, "password": PASSWORD, "otp": codes[0]})
    assert again.status_code == 400


# --- Throttles and lockouts -------------------------------------------------------------------


def test_token_endpoint_is_rate_limited_per_client(db: None) -> None:
    """10 a minute per client address, whatever the e-mail address (no account is locked)."""
    client = client_from("198.51.100.7")
    statuses = [
        client.post(URL, {"email": f"guess{n}@example.test", "password": "x"}).status_code
        for n in range(12)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]


def test_forwarded_for_does_not_make_a_new_client(db: None) -> None:
    """Not behind a proxy, X-Forwarded-For is the client's own words: ignored."""
    client = client_from("198.51.100.7")
    statuses = [
        client.post(
            URL,
            {"email": f"guess{n}@example.test", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(12)
    ]
    assert statuses[-1] == 429


def test_behind_a_proxy_the_client_is_what_our_proxy_saw(db: None, settings: Any) -> None:
    """With one proxy, the last X-Forwarded-For entry (appended by our proxy) is the client;
    anything the client wrote before it changes nothing."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = client_from("10.0.0.1")
    statuses = [
        proxy.post(
            URL,
            {"email": f"guess{n}@example.test", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7",
        ).status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429
    # Another client behind the same proxy is not held back by the first one.
    other = proxy.post(
        URL, {"email": "other@example.test", "password": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.8"
    )
    assert other.status_code == 400


def test_an_account_locks_after_five_wrong_passwords_from_anywhere(sme: User) -> None:
    """Per account, not per address: five failures from five addresses lock it, and then even
    the right password is refused until the lock runs out."""
    statuses = [
        client_from(f"203.0.113.{n}")
        .post(
            URL, {"email": sme.email, "password": f"guess-{n}"}, HTTP_X_FORWARDED_FOR=f"10.1.{n}.1"
        )
        .status_code
        for n in range(5)
    ]
    assert statuses == [400] * 5
    right = client_from("203.0.113.99").post(URL, {"email": sme.email, "password": PASSWORD})
    assert right.status_code == 429
    assert right.json()["code"] == "locked"
    assert not ApiToken.objects.exists()


def test_codes_are_locked_out_too(sme: User) -> None:
    """Guessing the code with the right password, from a new address each time, locks as well."""
    secret = enable_totp(sme)
    for n in range(5):
        wrong = client_from(f"203.0.113.{n}").post(
            URL, {"email": sme.email, "password": PASSWORD, "otp": f"{n:06d}"}
        )
        assert wrong.status_code == 400
    right = client_from("203.0.113.99").post(
        URL, {"email": sme.email, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()}
    )
    assert right.status_code == 429
    assert not ApiToken.objects.exists()


def test_web_login_and_api_share_one_lockout(sme: User) -> None:
    for n in range(5):
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            "/accounts/login/", {"login": sme.email, "password": "wrong"}
        )
    api = client_from("203.0.113.99").post(URL, {"email": sme.email, "password": PASSWORD})
    assert api.status_code == 429

    cache.clear()
    for n in range(5):
        client_from(f"203.0.113.{n}").post(URL, {"email": sme.email, "password": "wrong"})
    web = Client(REMOTE_ADDR="203.0.113.99").post(
        "/accounts/login/", {"login": sme.email, "password": PASSWORD}
    )
    assert "Too many failed login attempts" in web.content.decode()


def test_a_right_password_does_not_reset_the_count(sme: User) -> None:
    """Interleaving logins to one's own account does not buy more guesses at another's."""
    other = UserFactory.create(email="other@example.test")
    for n in range(4):
        client_from(f"203.0.113.{n}").post(URL, {"email": other.email, "password": "wrong"})
    client_from("203.0.113.50").post(URL, {"email": sme.email, "password": PASSWORD})
    client_from("203.0.113.51").post(URL, {"email": other.email, "password": "wrong"})
    locked = client_from("203.0.113.52").post(URL, {"email": other.email, "password": PASSWORD})
    assert locked.status_code == 429


# --- Me ---------------------------------------------------------------------------------------


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
