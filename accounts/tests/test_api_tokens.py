"""API tokens: expiry, what ends them, and listing and revoking them (API and Security page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.tests.factories import PASSWORD, UserFactory
from activity.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LIST_URL = "/api/v1/auth/tokens/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def issue(user: User, *, otp: str = "", agent: str = "test-script/1.0") -> str:
    payload = {"email": user.email, "password": PASSWORD}
    if otp:
        payload["otp"] = otp
    response = APIClient(HTTP_USER_AGENT=agent).post(TOKEN_URL, payload)
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def with_token(token: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}")


def answers(token: str) -> int:
    return with_token(token).get("/api/v1/me/").status_code


# --- Lifetimes --------------------------------------------------------------------------------


def test_a_token_expires_after_the_configured_time(sme: User, settings: Any) -> None:
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=2)}
    before = timezone.now()
    response = APIClient().post(TOKEN_URL, {"email": sme.email, "password": PASSWORD})
    token = response.json()["token"]
    row = ApiToken.objects.get(user=sme)
    assert row.expiry is not None
    assert before + timedelta(hours=2) <= row.expiry <= timezone.now() + timedelta(hours=2)
    assert response.json()["expiry"].startswith(row.expiry.strftime("%Y-%m-%dT%H:%M"))
    assert answers(token) == 200
    ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert answers(token) == 401
    assert not ApiToken.objects.filter(pk=row.pk).exists()


def test_the_default_lifetime_is_a_day(sme: User) -> None:
    issue(sme)
    row = ApiToken.objects.get(user=sme)
    assert row.expiry is not None
    assert abs((row.expiry - row.created) - timedelta(hours=24)) < timedelta(seconds=5)


def test_each_login_gets_its_own_token(sme: User) -> None:
    first, second = issue(sme), issue(sme)
    assert first != second
    assert answers(first) == answers(second) == 200


# --- What ends a token ------------------------------------------------------------------------


def test_a_password_change_ends_every_token(sme: User) -> None:
    token = issue(sme)
    web = Client()
    web.force_login(sme)
    changed = web.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-passphrase",
            "password2": "a-new-long-passphrase",
        },
    )
    assert changed.status_code == 302
    assert answers(token) == 401


def test_a_password_set_anywhere_ends_every_token(sme: User) -> None:
    """The admin and `manage.py changepassword` bypass allauth: the token is still refused."""
    token = issue(sme)
    sme.set_password("set-by-an-admin-123")
    sme.save()
    assert answers(token) == 401


def test_turning_on_totp_ends_the_tokens_issued_without_it(sme: User) -> None:
    before = issue(sme)
    secret = generate_totp_secret()
    TOTP.activate(sme, secret)
    assert answers(before) == 401
    after = issue(sme, otp=pyotp.TOTP(secret).now())
    assert after != before
    assert answers(after) == 200


def test_turning_off_totp_ends_the_tokens_issued_with_it(sme: User) -> None:
    secret = generate_totp_secret()
    TOTP.activate(sme, secret)
    token = issue(sme, otp=pyotp.TOTP(secret).now())
    assert answers(token) == 200
    Authenticator.objects.filter(user=sme, type=Authenticator.Type.TOTP).delete()
    assert answers(token) == 401


def test_new_recovery_codes_leave_tokens_alone(sme: User) -> None:
    secret = generate_totp_secret()
    TOTP.activate(sme, secret)
    RecoveryCodes.activate(sme)
    token = issue(sme, otp=pyotp.TOTP(secret).now())
    Authenticator.objects.filter(user=sme, type=Authenticator.Type.RECOVERY_CODES).delete()
    RecoveryCodes.activate(sme)
    assert answers(token) == 200


def test_deactivation_ends_tokens_and_reactivation_does_not_revive_them(sme: User) -> None:
    token = issue(sme)
    User.objects.filter(pk=sme.pk).update(is_active=False)
    assert answers(token) == 401
    User.objects.filter(pk=sme.pk).update(is_active=True)
    assert answers(token) == 401


# --- Listing and revoking over the API ---------------------------------------------------------


def test_list_shows_my_working_tokens_without_keys(sme: User) -> None:
    old = issue(sme, agent="old-script")
    ApiToken.objects.filter(user=sme).update(expiry=timezone.now() - timedelta(minutes=1))
    token = issue(sme, agent="curl/8")
    other = UserFactory.create(email="other@example.test")
    issue(other)
    response = with_token(token).get(LIST_URL)
    assert response.status_code == 200
    rows = response.json()
    assert [row["user_agent"] for row in rows] == ["curl/8"]
    assert rows[0]["current"] is True
    assert set(rows[0]) == {"id", "created", "expiry", "user_agent", "current"}
    assert token not in response.content.decode()
    assert old not in response.content.decode()


def test_list_needs_a_login() -> None:
    assert APIClient().get(LIST_URL).status_code in (401, 403)
    assert APIClient().delete(LIST_URL).status_code in (401, 403)


def test_revoke_one_token(sme: User) -> None:
    keep, drop = issue(sme), issue(sme)
    drop_id = with_token(drop).get(LIST_URL).json()[0]["id"]
    response = with_token(keep).delete(f"{LIST_URL}{drop_id}/")
    assert response.status_code == 204
    assert answers(drop) == 401
    assert answers(keep) == 200
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=sme).exists()


def test_another_persons_token_is_not_found(sme: User) -> None:
    other = UserFactory.create(email="other@example.test")
    theirs = issue(other)
    their_id = ApiToken.objects.get(user=other).pk
    response = with_token(issue(sme)).delete(f"{LIST_URL}{their_id}/")
    assert response.status_code == 404
    assert answers(theirs) == 200


def test_a_token_id_must_be_a_number(sme: User) -> None:
    response = with_token(issue(sme)).delete(f"{LIST_URL}abc/")
    assert response.status_code == 404
    assert ApiToken.objects.filter(user=sme).count() == 1


def test_revoke_all_my_tokens(sme: User) -> None:
    tokens = [issue(sme) for _ in range(3)]
    other = UserFactory.create(email="other@example.test")
    theirs = issue(other)
    assert with_token(tokens[0]).delete(LIST_URL).status_code == 204
    assert [answers(token) for token in tokens] == [401, 401, 401]
    assert answers(theirs) == 200


def test_list_query_count_is_constant(sme: User, django_assert_num_queries: Any) -> None:
    client = APIClient()
    client.force_login(sme)
    issue(sme)
    # session, user, the credential stamp (TOTP authenticators), the tokens
    with django_assert_num_queries(4):
        assert len(client.get(LIST_URL).json()) == 1
    for _ in range(5):
        issue(sme)
    with django_assert_num_queries(4):
        assert len(client.get(LIST_URL).json()) == 6


# --- The Security page ----------------------------------------------------------------------


def test_security_page_lists_and_revokes_tokens(sme: User) -> None:
    token = issue(sme, agent="nightly-export")
    web = Client()
    web.force_login(sme)
    page = web.get("/accounts/2fa/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "API tokens" in html
    assert "nightly-export" in html
    assert "Authenticator App" in html  # allauth's own part of the page is still there
    token_id = ApiToken.objects.get(user=sme).pk
    revoked = web.post(f"/me/api-tokens/{token_id}/revoke/")
    assert revoked.status_code == 302
    assert answers(token) == 401
    assert "nightly-export" not in web.get("/accounts/2fa/").content.decode()


def test_security_page_revokes_all(sme: User) -> None:
    tokens = [issue(sme) for _ in range(2)]
    web = Client()
    web.force_login(sme)
    assert web.post("/me/api-tokens/revoke-all/").status_code == 302
    assert [answers(token) for token in tokens] == [401, 401]


def test_security_page_cannot_revoke_anothers_token(sme: User) -> None:
    other = UserFactory.create(email="other@example.test")
    theirs = issue(other)
    web = Client()
    web.force_login(sme)
    response = web.post(f"/me/api-tokens/{ApiToken.objects.get(user=other).pk}/revoke/")
    assert response.status_code == 404
    assert answers(theirs) == 200
