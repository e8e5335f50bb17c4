"""Saving credentials asks the platform first (`verify`): nothing is stored unless it accepts
them for this very account; who they speak as and the platform's own length limit are stored,
shown, and counted against by the content guidance. "Check connection" (and a daily check)
asks again; stored credentials the platform no longer accepts are marked "reconnect needed".

The platforms here are the local peers: mastodon-mock (a stateful Mastodon API server) and the
stand-ins for X; the code under test is the real connector.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from accounts.models import Department, User
from activity.models import AuditEvent, Notification
from approvals import services as post_services
from approvals.models import PostState
from approvals.tests.factories import make_account, make_post
from channels_app import selectors, services, tasks
from channels_app.connectors import ConnectedIdentity
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.tests.peers.fixtures import MastodonPeer, free_port
from channels_app.tests.peers.http_platforms import FakeX
from channels_app.verification import identity_matches, profile_link
from core.errors import Conflict, NotAllowed, Unavailable


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


CONNECTION_ACTIONS = (
    "brand_account.credentials_set",
    "brand_account.credentials_refreshed",
    "brand_account.credentials_removed",
    "brand_account.connection_checked",
    "brand_account.connection_failed",
)


def _connection_events() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__in=CONNECTION_ACTIONS)
        .order_by("id")
        .values_list("action", flat=True)
    )


def _instance_announces(peer: MastodonPeer, max_characters: int) -> None:
    """The instance's next answer to /api/v2/instance: its own status length limit, as
    instances that allow longer posts announce it."""
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/instance"},
            "effect": {
                "type": "status",
                "status": 200,
                "body": {
                    "domain": "mastodon.example",
                    "title": "SocialHub test instance",
                    "configuration": {"statuses": {"max_characters": max_characters}},
                },
            },
            "count": 1,
        }
    )


# --- Saving -----------------------------------------------------------------------------------


def test_the_connect_page_stores_and_shows_who_the_credentials_speak_as(
    client: Client, org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    client.force_login(org_admin)
    response = client.post(
        f"/brand-accounts/{sales_account.pk}/connect/", peer.credentials("sales"), follow=True
    )

    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    assert "Mastodon accepted the credentials: connected as @sales@mastodon.example." in html
    assert "Sales on Mastodon</a> (@sales@mastodon.example)" in html
    assert "<dt>Longest post</dt> <dd>500 characters</dd>" in html
    connection = BrandAccountConnection.objects.get(brand_account=sales_account)
    assert (connection.identity_handle, connection.identity_name, connection.max_characters) == (
        "@sales@mastodon.example",
        "Sales on Mastodon",
        500,
    )
    assert connection.identity_id
    assert connection.verified_at is not None
    assert _connection_events() == ["brand_account.credentials_set"]


def test_credentials_the_platform_refuses_are_not_stored(
    client: Client, org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    client.force_login(org_admin)
    response = client.post(
        f"/brand-accounts/{sales_account.pk}/connect/",
        {"instance_url": peer.url, "access_token": "a-token-the-instance-never-issued"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Mastodon did not accept these credentials: Mastodon: " in html
    assert "a-token-the-instance-never-issued" not in html
    assert not BrandAccountConnection.objects.exists()
    assert _connection_events() == []


def test_credentials_of_another_account_are_refused(
    api_as: Any, org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    # The token of @acme (say, someone's own account) pasted for @sales.
    response = api_as(org_admin).patch(
        f"/api/v1/brand-accounts/{sales_account.pk}/",
        {"credentials": peer.credentials("acme"), "display_name": "Renamed"},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "other_account"
    assert body["credentials"] == [
        "These credentials sign in to Mastodon as @acme@mastodon.example (Acme Corp), not as "
        "@sales@mastodon.example. Enter the credentials of @sales@mastodon.example, or change "
        "this account's handle first if it was renamed."
    ]
    # One request, one transaction: the rename in it did not happen either.
    sales_account.refresh_from_db()
    assert sales_account.display_name == "Sales on Mastodon"
    assert not BrandAccountConnection.objects.exists()
    assert _connection_events() == []


def test_an_unreachable_platform_is_a_503_and_changes_nothing(
    api_as: Any, client: Client, org_admin: User, sales_account: BrandAccount
) -> None:
    nobody = {"instance_url": f"http://127.0.0.1:{free_port()}", "access_token": "token-0001"}
    response = api_as(org_admin).patch(
        f"/api/v1/brand-accounts/{sales_account.pk}/", {"credentials": nobody}, format="json"
    )
    assert response.status_code == 503
    assert response.json()["code"] == "platform_unavailable"
    assert response.json()["detail"] == (
        "Mastodon could not be asked whether the credentials work: Mastodon could not be "
        "reached (connection failed). Nothing was changed; try again in a moment."
    )

    client.force_login(org_admin)
    page = client.post(f"/brand-accounts/{sales_account.pk}/connect/", nobody)
    assert page.status_code == 503
    assert "Nothing was changed; try again in a moment." in page.content.decode()
    assert not BrandAccountConnection.objects.exists()


def test_refused_replacements_keep_the_working_connection(
    api_as: Any, org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    api = api_as(org_admin)
    url = f"/api/v1/brand-accounts/{sales_account.pk}/"
    assert api.patch(url, {"credentials": peer.credentials("sales")}, format="json").status_code
    before = BrandAccountConnection.objects.get()

    refused = {"instance_url": peer.url, "access_token": "revoked-long-ago-0001"}
    assert api.patch(url, {"credentials": refused}, format="json").status_code == 400

    after = BrandAccountConnection.objects.get()
    assert after.credentials_encrypted == before.credentials_encrypted
    assert selectors.connection_credentials(account=sales_account) == peer.credentials("sales")


def test_an_expired_oauth_token_is_renewed_while_connecting(
    api_as: Any, org_admin: User, sales: Department, x_platform: FakeX
) -> None:
    typed = x_platform.credentials(expired=True, expires_at="2020-01-01T00:00:00+00:00")
    response = api_as(org_admin).post(
        "/api/v1/brand-accounts/",
        {
            "platform": "x",
            "handle": "@acme",
            "display_name": "Acme on X",
            "department": "sales",
            "credentials": typed,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["connection"]["identity"]["handle"] == "@acme"
    stored = selectors.connection_credentials(account=BrandAccount.objects.get())
    # X rotated both tokens: what is stored is what works now, not what was typed.
    assert stored["access_token"] in x_platform.access_tokens
    assert stored["access_token"] != typed["access_token"]
    assert stored["refresh_token"] != typed["refresh_token"]


# --- The instance's own length limit -------------------------------------------------------


def test_an_instance_allowing_longer_posts_lifts_the_guidance_limit(
    api_as: Any,
    org_admin: User,
    sme: User,
    sales: Department,
    comms_department: Department,
    peer: MastodonPeer,
) -> None:
    account = make_account(
        sales,
        platform="mastodon",
        handle="@sales@mastodon.example",
        drafters=[sales],
        reviewers=[comms_department],
    )
    _instance_announces(peer, 1000)
    services.brand_account_set_credentials(
        actor=org_admin, account=account, credentials=peer.credentials("sales")
    )
    assert BrandAccountConnection.objects.get(brand_account=account).max_characters == 1000

    body = "Long form, as this instance allows. " * 20  # 720 characters
    api = api_as(sme)
    on_account = api.post(
        "/api/v1/posts/check/", {"brand_account": account.pk, "body": body}, format="json"
    ).json()
    on_platform = api.post(
        "/api/v1/posts/check/", {"platform": "mastodon", "body": body}, format="json"
    ).json()
    assert (on_account["max_length"], on_account["remaining"], on_account["blocks_submit"]) == (
        1000,
        280,
        False,
    )
    assert (on_platform["max_length"], on_platform["blocks_submit"]) == (500, True)
    # The compose page's live counter says the same.
    client = Client()
    client.force_login(sme)
    counter = client.post("/posts/check/", {"brand_account": account.pk, "body": body})
    assert f"{len(body)} / 1000" in counter.content.decode()

    # Submit counts against the same limit: the post goes to review.
    post = make_post(sme, account, body=body)
    post_services.post_submit(post=post, actor=sme)
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW

    # Over the instance's own limit, submit refuses.
    too_long = make_post(sme, account, body="x" * 1001)
    with pytest.raises(NotAllowed, match="Fix this before submitting"):
        post_services.post_submit(post=too_long, actor=sme)


# --- Checking again -----------------------------------------------------------------------------


def _connected(actor: User, account: BrandAccount, peer: MastodonPeer) -> BrandAccountConnection:
    return services.brand_account_set_credentials(
        actor=actor, account=account, credentials=peer.credentials("sales")
    )


def test_check_connection_asks_again_and_updates_the_limit(
    client: Client, api_as: Any, org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    first = _connected(org_admin, sales_account, peer)

    # The instance raised its limit since the account was connected.
    _instance_announces(peer, 5000)
    client.force_login(org_admin)
    response = client.post(f"/brand-accounts/{sales_account.pk}/check-connection/", follow=True)

    html = " ".join(response.content.decode().split())
    assert "Mastodon accepts the credentials: connected as @sales@mastodon.example." in html
    assert "<dt>Longest post</dt> <dd>5000 characters</dd>" in html
    checked = BrandAccountConnection.objects.get()
    assert checked.max_characters == 5000
    assert first.verified_at is not None
    assert checked.verified_at is not None
    assert checked.verified_at > first.verified_at
    assert checked.connected_at == first.connected_at  # still the same connection

    api_response = api_as(org_admin).post(f"/api/v1/brand-accounts/{sales_account.pk}/verify/")
    assert api_response.status_code == 200
    assert api_response.json()["connection"]["max_characters"] == 500
    assert _connection_events() == [
        "brand_account.credentials_set",
        "brand_account.connection_checked",
        "brand_account.connection_checked",
    ]


def _revoke_once(peer: MastodonPeer) -> None:
    """The instance's next verify_credentials answers as Mastodon does for a revoked token."""
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v1/accounts/verify_credentials"},
            "effect": {
                "type": "status",
                "status": 401,
                "body": {"error": "The access token was revoked"},
            },
            "count": 1,
        }
    )


def test_a_revoked_token_marks_the_account_reconnect_needed(
    api_as: Any,
    client: Client,
    org_admin: User,
    sales_account: BrandAccount,
    peer: MastodonPeer,
) -> None:
    _connected(org_admin, sales_account, peer)
    before = BrandAccountConnection.objects.get()
    _revoke_once(peer)

    response = api_as(org_admin).post(f"/api/v1/brand-accounts/{sales_account.pk}/verify/")

    assert response.status_code == 409
    message = "Mastodon did not accept these credentials: Mastodon: The access token was revoked"
    assert response.json()["detail"] == f"{message} Connect the account again."
    after = BrandAccountConnection.objects.get()
    assert after.verified_at == before.verified_at  # the last time they worked
    assert after.problem == message
    assert after.problem_since is not None
    assert _connection_events() == [
        "brand_account.credentials_set",
        "brand_account.connection_failed",
    ]
    # The org admin (who connects accounts) is told, with the platform's words.
    notice = Notification.objects.get(kind=Notification.Kind.CONNECTION)
    assert notice.recipient == org_admin
    assert notice.message == f"Sales on Mastodon needs connecting again: {message}"
    assert notice.url == f"/brand-accounts/{sales_account.pk}/"
    # The API, the list and the account page say so.
    detail = api_as(org_admin).get(f"/api/v1/brand-accounts/{sales_account.pk}/").json()
    assert detail["connection"]["problem"] == message
    client.force_login(org_admin)
    listed = " ".join(client.get("/brand-accounts/").content.decode().split())
    assert '<span class="badge bad">Reconnect needed</span>' in listed
    page = " ".join(client.get(f"/brand-accounts/{sales_account.pk}/").content.decode().split())
    assert f"failed: {message} Connect the account again" in page
    inbox = client.get("/notifications/").content.decode()
    assert f'href="/brand-accounts/{sales_account.pk}/"' in inbox

    # New credentials (here: the same, accepted again) clear the problem.
    _connected(org_admin, sales_account, peer)
    assert BrandAccountConnection.objects.get().problem == ""
    assert (
        api_as(org_admin)
        .get(f"/api/v1/brand-accounts/{sales_account.pk}/")
        .json()["connection"]["problem"]
        is None
    )


def test_a_check_that_passes_again_clears_the_problem_and_it_is_told_once(
    org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    _connected(org_admin, sales_account, peer)
    for _ in range(2):  # found twice (say, two daily checks): recorded and announced once
        _revoke_once(peer)
        with pytest.raises(Conflict):
            services.brand_account_check_connection(actor=None, account=sales_account)
    assert Notification.objects.filter(kind=Notification.Kind.CONNECTION).count() == 1

    services.brand_account_check_connection(actor=None, account=sales_account)

    connection = BrandAccountConnection.objects.get()
    assert (connection.problem, connection.problem_since) == ("", None)
    assert _connection_events() == [
        "brand_account.credentials_set",
        "brand_account.connection_failed",
        "brand_account.connection_checked",
    ]
    checked = AuditEvent.objects.get(action="brand_account.connection_checked")
    assert (checked.from_state, checked.to_state) == ("broken", "connected")


def test_the_daily_check_asks_every_connected_account(
    org_admin: User,
    sales_account: BrandAccount,
    rnd_account: BrandAccount,
    peer: MastodonPeer,
    settings: Any,
) -> None:
    _connected(org_admin, sales_account, peer)
    services.brand_account_update(
        actor=org_admin, account=rnd_account, handle="@acme@mastodon.example"
    )
    services.brand_account_set_credentials(
        actor=org_admin, account=rnd_account, credentials=peer.credentials("acme")
    )
    make_account(sales_account.department)  # an internal account: nothing to check
    _revoke_once(peer)  # the first account asked (in id order) finds its token revoked
    first, second = sorted((sales_account, rnd_account), key=lambda account: account.pk)

    assert tasks.check_connections() == {"passed": 1, "refused": 1, "not_checked": 0}

    problems = dict(BrandAccountConnection.objects.values_list("brand_account_id", "problem"))
    assert "revoked" in problems[first.pk]
    assert problems[second.pk] == ""
    entry = settings.CELERY_BEAT_SCHEDULE["channels-check-connections"]
    assert entry["task"] == "channels_app.check_connections"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({5}, {0})


def test_a_platform_that_does_not_answer_is_a_503(
    org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    _connected(org_admin, sales_account, peer)
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v1/accounts/verify_credentials"},
            "effect": {"type": "status", "status": 503},
            "count": 1,
        }
    )
    with pytest.raises(Unavailable, match="try again in a moment"):
        services.brand_account_check_connection(actor=org_admin, account=sales_account)


def test_checking_an_account_that_is_not_connected_says_so(
    api_as: Any, org_admin: User, sales_account: BrandAccount
) -> None:
    response = api_as(org_admin).post(f"/api/v1/brand-accounts/{sales_account.pk}/verify/")
    assert response.status_code == 409
    assert response.json()["detail"] == "This account is not connected."
    with pytest.raises(Conflict):
        services.brand_account_check_connection(actor=None, account=sales_account)


def test_the_page_warns_when_the_handle_no_longer_matches(
    client: Client, org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    _connected(org_admin, sales_account, peer)
    services.brand_account_update(
        actor=org_admin, account=sales_account, handle="@salesteam@mastodon.example"
    )
    client.force_login(org_admin)
    html = " ".join(client.get(f"/brand-accounts/{sales_account.pk}/").content.decode().split())
    assert (
        "The platform says these credentials speak as @sales@mastodon.example, not as "
        "@salesteam@mastodon.example." in html
    )
    # … and checking again finds the same: the account needs connecting again.
    with pytest.raises(Conflict, match=r"not as @salesteam@mastodon\.example"):
        services.brand_account_check_connection(actor=org_admin, account=sales_account)
    connection = BrandAccountConnection.objects.get()
    assert connection.needs_reconnect
    assert "not as @salesteam@mastodon.example" in connection.problem
    assert AuditEvent.objects.get(action="brand_account.connection_failed").data == {
        "code": "other_account"
    }


def test_stored_credentials_no_key_opens_cannot_be_checked(
    api_as: Any,
    org_admin: User,
    sales_account: BrandAccount,
    peer: MastodonPeer,
    settings: Any,
) -> None:
    _connected(org_admin, sales_account, peer)
    settings.SOCIALHUB_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key dropped

    response = api_as(org_admin).post(f"/api/v1/brand-accounts/{sales_account.pk}/verify/")

    assert response.status_code == 409
    assert response.json()["code"] == "credentials_unreadable"
    assert _connection_events() == ["brand_account.credentials_set"]


def test_the_daily_check_leaves_inactive_accounts_alone(
    org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    _connected(org_admin, sales_account, peer)
    services.brand_account_set_active(actor=org_admin, account=sales_account, active=False)
    _revoke_once(peer)  # would be found, were the account asked

    assert tasks.check_connections() == {"passed": 0, "refused": 0, "not_checked": 0}
    assert not BrandAccountConnection.objects.get().needs_reconnect
    peer.clear_faults()


def test_a_check_queued_for_an_account_disconnected_meanwhile_does_nothing(
    org_admin: User, sales_account: BrandAccount, peer: MastodonPeer
) -> None:
    _connected(org_admin, sales_account, peer)
    services.brand_account_disconnect(actor=org_admin, account=sales_account)

    assert tasks.check_connection(sales_account.pk) == "not_checked"
    assert tasks.check_connection(999_999) == "not_checked"
    assert "brand_account.connection_checked" not in _connection_events()


@pytest.mark.parametrize(
    ("platform", "handle", "identity", "matches"),
    [
        ("mastodon", "@Sales@Mastodon.example", ("1", "@sales@mastodon.example"), True),
        ("mastodon", "@sales@mastodon.example", ("1", "@sales@other.example"), False),
        ("x", "@ACME", ("158", "@acme"), True),
        ("x", "@acme", ("158", "@acme_support"), False),
        # A LinkedIn organisation or a Facebook Page may be registered by its number.
        ("linkedin", "5515715", ("urn:li:organization:5515715", "acme"), True),
        ("facebook", "104599378938012", ("104599378938012", "acmecorp"), True),
        ("facebook", "AcmeCorp", ("104599378938012", "acmecorp"), True),
        ("bluesky", "acme.bsky.social", ("did:plc:abc", "acme.bsky.social"), True),
        ("bluesky", "acme.bsky.social", ("did:plc:abc", "acme-corp.bsky.social"), False),
    ],
)
def test_which_identities_are_the_registered_account(
    platform: str, handle: str, identity: tuple[str, str], matches: bool
) -> None:
    account_id, identity_handle = identity
    found = ConnectedIdentity(account_id=account_id, handle=identity_handle, name="Acme")
    assert identity_matches(platform, handle, found) is matches


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://mastodon.example/@sales", "https://mastodon.example/@sales"),
        ("http://127.0.0.1:3000/@sales", "http://127.0.0.1:3000/@sales"),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        ("//evil.example/x", ""),
        ("https://x.example/" + "a" * 500, ""),
        ("", ""),
    ],
)
def test_only_a_web_address_becomes_the_profile_link(given: str, kept: str) -> None:
    assert profile_link(given) == kept
