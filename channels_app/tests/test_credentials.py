"""Connection credentials: encrypted at rest, write-only everywhere, checked per platform,
and the key can be rotated."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from accounts.models import User
from activity.models import AuditEvent
from channels_app import encryption, selectors, services
from channels_app.connectors.base import CREDENTIAL_FIELDS as CONNECTOR_FIELDS
from channels_app.credentials import credential_fields
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.platforms import Platform
from channels_app.tests.peers.fixtures import MastodonPeer

# Saving credentials asks the platform first: these tests connect the sales account to its
# account on the local Mastodon peer (mastodon-mock), @sales@mastodon.example.


@pytest.fixture
def mastodon_credentials(mastodon_peer: MastodonPeer) -> dict[str, str]:
    mastodon_peer.clear_faults()
    return mastodon_peer.credentials("sales")


@pytest.fixture
def secret(mastodon_credentials: dict[str, str]) -> str:
    return mastodon_credentials["access_token"]


@pytest.fixture
def instance(mastodon_peer: MastodonPeer) -> str:
    """The peer's address as it sits in the credentials (host and port)."""
    return mastodon_peer.url.removeprefix("http://")


def _raw_rows() -> list[tuple[Any, ...]]:
    """Every column of every connection row, straight from the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM channels_app_brandaccountconnection")
        return list(cursor.fetchall())


def _everything_stored_about(account: BrandAccount) -> str:
    rows = _raw_rows()
    events = AuditEvent.objects.for_target(account).values_list("note", "data", "target_label")
    return repr(rows) + repr(list(events))


def test_the_raw_database_row_holds_no_plaintext_token(
    api_as: Any,
    org_admin: User,
    sales_account: BrandAccount,
    mastodon_credentials: dict[str, str],
    secret: str,
    instance: str,
) -> None:
    response = api_as(org_admin).patch(
        f"/api/v1/brand-accounts/{sales_account.pk}/",
        {"credentials": mastodon_credentials},
        format="json",
    )
    assert response.status_code == 200, response.json()

    stored = _everything_stored_about(sales_account)
    assert len(_raw_rows()) == 1
    for value in (secret, instance, base64.b64encode(secret.encode()).decode()):
        assert value not in stored
    # …yet it is really there, for the connectors, under the configured key.
    assert selectors.connection_credentials(account=sales_account) == mastodon_credentials
    # The audit trail names the fields that were set and who the platform said they speak
    # as, never their values.
    event = AuditEvent.objects.for_target(sales_account).get(action="brand_account.credentials_set")
    assert event.data["fields"] == ["access_token", "instance_url"]
    assert event.data["identity"]["handle"] == "@sales@mastodon.example"
    assert event.actor == org_admin


def test_the_api_never_returns_a_credential(
    api_as: Any,
    org_admin: User,
    sme: User,
    sales: Any,
    mastodon_peer: MastodonPeer,
    instance: str,
) -> None:
    api = api_as(org_admin)
    first = mastodon_peer.credentials("acme")
    created = api.post(
        "/api/v1/brand-accounts/",
        {
            "platform": "mastodon",
            "handle": "@acme@mastodon.example",
            "display_name": "New",
            "department": "sales",
            "credentials": first,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["connection"]["connected"] is True
    assert "credentials" not in created.json()

    bodies = [created.content]
    for client in (api, api_as(sme)):
        for path in (
            "/api/v1/brand-accounts/",
            f"/api/v1/brand-accounts/{pk}/",
            f"/api/v1/brand-accounts/{pk}/grants/",
            f"/api/v1/brand-accounts/{pk}/credential-fields/",
        ):
            response = client.get(path)
            # The SME drafts on the account but may not see who else holds rights on it.
            expected = 403 if client is not api and path.endswith("/grants/") else 200
            assert response.status_code == expected, path
            bodies.append(response.content)
    refused = api.patch(
        f"/api/v1/brand-accounts/{pk}/",
        {"credentials": {**first, "access_token": "second-SECRET-token"}},
        format="json",
    )
    assert refused.status_code == 400
    bodies.append(refused.content)
    for body in bodies:
        text = body.decode()
        assert first["access_token"] not in text
        assert "second-SECRET-token" not in text
        assert instance not in text


def test_pages_show_only_when_by_whom_and_as_whom(
    client: Client,
    org_admin: User,
    sales_account: BrandAccount,
    mastodon_credentials: dict[str, str],
    secret: str,
    instance: str,
) -> None:
    client.force_login(org_admin)
    response = client.post(f"/brand-accounts/{sales_account.pk}/connect/", mastodon_credentials)
    assert response.status_code == 302

    for path in ("", "connect/", "access/", "edit/"):
        html = client.get(f"/brand-accounts/{sales_account.pk}/{path}").content.decode()
        assert secret not in html
        assert instance not in html
    detail = client.get(f"/brand-accounts/{sales_account.pk}/").content.decode()
    connected = BrandAccountConnection.objects.get(brand_account=sales_account).connected_at
    assert f"on {connected:%-d %b %Y} by Ada Admin" in " ".join(detail.split())


def test_a_refused_secret_is_not_rendered_again(
    client: Client, org_admin: User, sales_account: BrandAccount
) -> None:
    secret = "mastodon-token-THIS-IS-SECRET-0001"
    client.force_login(org_admin)
    response = client.post(
        f"/brand-accounts/{sales_account.pk}/connect/",
        {"instance_url": "not a url", "access_token": secret},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert secret not in html
    assert "Enter a valid URL." in html
    assert not BrandAccountConnection.objects.exists()


@pytest.mark.parametrize(
    ("platform", "handle", "credentials", "errors"),
    [
        (
            "mastodon",
            "@a@mastodon.example",
            {"instance_url": "https://mastodon.example"},
            {"access_token": ["Access token is required."]},
        ),
        (
            "mastodon",
            "@a@mastodon.example",
            {"instance_url": "https://mastodon.example", "access_token": "t", "acces_token": "t"},
            {"acces_token": ["Unknown field for Mastodon; expected: instance_url, access_token."]},
        ),
        (
            "mastodon",
            "@a@mastodon.example",
            {"instance_url": "http://mastodon.example", "access_token": "t"},
            {"instance_url": ["Use an https:// address."]},
        ),
        (
            "bluesky",
            "acme.bsky.social",
            {
                "pds_url": "https://bsky.social",
                "handle": "acme.bsky.social",
                "app_password": "hunter2",
            },
            {
                "app_password": [
                    "This is not a Bluesky app password (xxxx-xxxx-xxxx-xxxx). Create an app "
                    "password; never use the account's main password."
                ]
            },
        ),
        (
            "bluesky",
            "acme.bsky.social",
            {},
            {
                "pds_url": ["PDS URL is required."],
                "handle": ["Handle is required."],
                "app_password": ["App password is required."],
            },
        ),
        (
            "linkedin",
            "acme-corp",
            {"organization_id": "acme", "access_token": "t", "expires_at": "tomorrow"},
            {
                "organization_id": [
                    "Enter the numeric organisation ID or urn:li:organization:<ID>."
                ],
                "refresh_token": ["Refresh token is required."],
                "expires_at": ["Enter a date and time such as 2027-01-31T12:00:00+00:00."],
            },
        ),
        (
            "x",
            "@acme",
            {"access_token": "t", "refresh_token": "r", "expires_at": "2027-01-31T12:00:00"},
            {
                "expires_at": ["Add the time zone offset, e.g. +00:00."],
                "client_id": ["OAuth 2.0 client ID is required."],
            },
        ),
        (
            "facebook",
            "AcmeCorp",
            {"access_token": "t"},
            {
                "access_token": [
                    "Unknown field for Facebook Page; expected: page_id, page_access_token."
                ],
                "page_id": ["Page ID is required."],
                "page_access_token": ["Page access token is required."],
            },
        ),
        (
            "internal",
            "acme-news",
            {"token": "t"},
            {
                "credentials": [
                    "Internal feed accounts need no credentials: they publish inside SocialHub."
                ]
            },
        ),
    ],
)
def test_bad_credentials_are_refused_with_field_messages_and_nothing_written(
    api_as: Any,
    org_admin: User,
    sales: Any,
    platform: str,
    handle: str,
    credentials: dict[str, str],
    errors: dict[str, list[str]],
) -> None:
    response = api_as(org_admin).post(
        "/api/v1/brand-accounts/",
        {
            "platform": platform,
            "handle": handle,
            "display_name": "Acme",
            "department": "sales",
            "credentials": credentials,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"credentials": errors}
    assert not BrandAccount.objects.exists()
    assert not BrandAccountConnection.objects.exists()
    assert (
        not AuditEvent.objects.exists()
        or not AuditEvent.objects.filter(action__startswith="brand_account").exists()
    )


def _connectable(
    platform: str, request: pytest.FixtureRequest
) -> tuple[str, dict[str, str], str, str]:
    """A handle, credentials as an org admin might type them, and who the platform (a local
    peer) will say they speak as: (handle, name)."""
    if platform == "mastodon":
        peer = request.getfixturevalue("mastodon_peer")
        return "@acme@mastodon.example", peer.credentials(), "@acme@mastodon.example", "Acme Corp"
    if platform == "bluesky":
        pds = request.getfixturevalue("bluesky_peer")
        typed = {
            "pds_url": pds.pds_url + "/",
            "handle": "@" + pds.handle.upper(),
            "app_password": pds.app_password,
        }
        return pds.handle, typed, pds.handle, pds.handle
    if platform == "linkedin":
        linkedin = request.getfixturevalue("linkedin_platform")
        typed = {
            **linkedin.credentials(),
            "organization_id": f"urn:li:organization:{linkedin.organization_id}",
            "expires_at": "2099-01-31T12:00:00+01:00",
        }
        return "acme", typed, "acme", "Acme Corp"
    if platform == "x":
        x = request.getfixturevalue("x_platform")
        return "@ACME", {**x.credentials(), "client_secret": ""}, "@acme", "Acme Corp"
    facebook = request.getfixturevalue("facebook_platform")
    return "AcmeCorp", facebook.credentials(), "acmecorp", "Acme Corp"


@pytest.mark.parametrize("platform", ["mastodon", "bluesky", "linkedin", "x", "facebook"])
def test_each_platform_takes_its_own_credentials_and_names_the_account(
    api_as: Any,
    org_admin: User,
    sales: Any,
    platform: str,
    request: pytest.FixtureRequest,
) -> None:
    handle, credentials, identity_handle, identity_name = _connectable(platform, request)
    response = api_as(org_admin).post(
        "/api/v1/brand-accounts/",
        {
            "platform": platform,
            "handle": handle,
            "display_name": "Acme",
            "department": "sales",
            "credentials": credentials,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    account = BrandAccount.objects.get()
    stored = selectors.connection_credentials(account=account)
    assert set(stored) == {name for name, value in credentials.items() if value}
    if platform == "bluesky":
        assert stored["pds_url"] == credentials["pds_url"].rstrip("/")
        assert stored["handle"] == identity_handle
    if platform == "linkedin":
        assert stored["organization_id"] == "5515715"  # the connector builds the URN itself
    # The platform was asked: who the credentials speak as is stored and shown.
    connection = response.json()["connection"]
    assert connection["identity"]["handle"] == identity_handle
    assert connection["identity"]["name"] == identity_name
    assert connection["verified_at"] is not None
    assert connection["max_characters"] == (
        {"mastodon": 500, "bluesky": 300, "x": 280}.get(platform)
    )


@pytest.mark.parametrize("platform", [p for p in Platform.values if p != Platform.INTERNAL])
def test_credentials_match_the_connectors(platform: str) -> None:
    """What an org admin enters is what the platform's connector reads: same names, same
    required fields, same secrets (a stored field the connector does not know would never be
    used; a field it needs that cannot be entered would fail every publish)."""
    stored = credential_fields(platform)
    wanted = CONNECTOR_FIELDS[platform]
    assert {f.name for f in stored} == {f.name for f in wanted}
    assert {f.name for f in stored if f.required} == {f.name for f in wanted if f.required}
    assert {f.name for f in stored if f.kind == "secret"} == {f.name for f in wanted if f.secret}


def test_patch_with_null_credentials_disconnects(
    api_as: Any,
    org_admin: User,
    sales_account: BrandAccount,
    mastodon_credentials: dict[str, str],
) -> None:
    api = api_as(org_admin)
    url = f"/api/v1/brand-accounts/{sales_account.pk}/"
    assert api.patch(url, {"credentials": mastodon_credentials}, format="json").status_code == 200
    response = api.patch(url, {"credentials": None}, format="json")
    assert response.status_code == 200
    assert response.json()["connection"] == {
        "needs_credentials": True,
        "connected": False,
        "connected_at": None,
        "connected_by": None,
        "identity": None,
        "max_characters": None,
        "verified_at": None,
        "problem": None,
        "problem_since": None,
    }
    assert not BrandAccountConnection.objects.exists()
    assert AuditEvent.objects.filter(action="brand_account.credentials_removed").count() == 1


def test_disconnecting_an_account_that_is_not_connected_says_so(
    client: Client, org_admin: User, sales_account: BrandAccount
) -> None:
    client.force_login(org_admin)
    response = client.post(f"/brand-accounts/{sales_account.pk}/disconnect/", follow=True)
    assert "This account is not connected." in response.content.decode()
    assert not AuditEvent.objects.filter(action="brand_account.credentials_removed").exists()


def test_no_secret_reaches_the_logs(
    client: Client,
    api_as: Any,
    org_admin: User,
    sales_account: BrandAccount,
    mastodon_peer: MastodonPeer,
    mastodon_credentials: dict[str, str],
    secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused = "refused-token-THIS-IS-SECRET-0002"
    client.force_login(org_admin)
    with caplog.at_level(logging.DEBUG):
        client.post(f"/brand-accounts/{sales_account.pk}/connect/", {"access_token": secret})
        api_as(org_admin).patch(
            f"/api/v1/brand-accounts/{sales_account.pk}/",
            {"credentials": {"access_token": secret}},
            format="json",
        )
        # A token the platform refuses, then one it accepts: both went to the platform.
        client.post(
            f"/brand-accounts/{sales_account.pk}/connect/",
            {"instance_url": mastodon_peer.url, "access_token": refused},
        )
        client.post(f"/brand-accounts/{sales_account.pk}/connect/", mastodon_credentials)
    assert BrandAccountConnection.objects.filter(brand_account=sales_account).exists()
    assert caplog.records  # the 400s and the platform calls were logged …
    assert secret not in caplog.text  # … without the secrets
    assert refused not in caplog.text


# --- Key rotation ------------------------------------------------------------------------------

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def test_rotating_the_key(
    settings: Any, sales_account: BrandAccount, mastodon_credentials: dict[str, str], secret: str
) -> None:
    settings.SOCIALHUB_ENCRYPTION_KEYS = [KEY_A]
    account = sales_account
    services.brand_account_set_credentials(
        actor=None, account=account, credentials=mastodon_credentials
    )
    token_a = BrandAccountConnection.objects.get().credentials_encrypted

    # A new key goes first; the old one stays so the stored token still opens.
    settings.SOCIALHUB_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert selectors.connection_credentials(account=account)["access_token"] == secret
    assert not encryption.is_encrypted_with_current_key(token_a)

    call_command("rotate_credentials")
    token_b = BrandAccountConnection.objects.get().credentials_encrypted
    assert token_b != token_a
    assert encryption.is_encrypted_with_current_key(token_b)

    # Once rotated, the old key can go …
    settings.SOCIALHUB_ENCRYPTION_KEYS = [KEY_B]
    assert selectors.connection_credentials(account=account)["access_token"] == secret
    # … and it alone no longer opens anything.
    settings.SOCIALHUB_ENCRYPTION_KEYS = [KEY_A]
    with pytest.raises(encryption.CredentialsUnreadable):
        selectors.connection_credentials(account=account)

    # A second run has nothing left to do.
    settings.SOCIALHUB_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert services.credentials_reencrypt_all() == (0, 1, [])


def test_rotation_names_accounts_no_key_opens(
    settings: Any, sales_account: BrandAccount, mastodon_credentials: dict[str, str]
) -> None:
    settings.SOCIALHUB_ENCRYPTION_KEYS = [KEY_A]
    account = sales_account
    services.brand_account_set_credentials(
        actor=None, account=account, credentials=mastodon_credentials
    )
    settings.SOCIALHUB_ENCRYPTION_KEYS = [KEY_B]  # KEY_A dropped too early
    with pytest.raises(CommandError, match=f"brand accounts {account.pk}"):
        call_command("rotate_credentials")
