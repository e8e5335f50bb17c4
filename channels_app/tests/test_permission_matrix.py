"""Every brand-account page and endpoint, walked as each role, with the exact status expected.

Rules under test:
- anonymous: pages send to the login page (302), the API answers 401;
- an account the caller holds nothing on: 404 (the same as a missing one);
- visible but not allowed (no `manage`, or not an org admin for creation): 403;
- who holds what (the grants): people who manage the account, comms reviewers, org admins;
- org admins may do everything.
And no list (page or API) shows an account the caller holds nothing on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from activity.models import AuditEvent
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.tests.peers.fixtures import MastodonPeer

# Stands for the sales account's credentials on the local Mastodon peer (saving asks it).
CREDENTIALS = "<the sales account's Mastodon credentials>"

ROLES = (
    "anonymous",
    "sme",  # SME of the owning department (sales): drafts through the department's grant
    "outsider",  # SME of another department (R&D): holds nothing on the account
    "manager",  # manager of sales: drafts through the department's grant, does not manage
    "comms_reviewer",  # reviews and publishes through the Comms reviewers role grant
    "legal_reviewer",  # reviews through the Legal reviewers role grant
    "hr_user",  # HR: sees people's training, holds nothing on accounts
    "org_admin",  # holds everything
)
HOLDERS = {"sme", "manager", "comms_reviewer", "legal_reviewer", "org_admin"}


@dataclass(frozen=True)
class Step:
    key: str
    api: bool
    method: str
    path: Callable[[BrandAccount], str]
    access: str  # everyone | holder | grants | manage | admin
    success: int
    data: dict[str, Any] | None = None


STEPS: tuple[Step, ...] = (
    # Pages
    Step("page list", False, "get", lambda a: "/brand-accounts/", "everyone", 200),
    Step("page create form", False, "get", lambda a: "/brand-accounts/new/", "admin", 200),
    Step(
        "page create",
        False,
        "post",
        lambda a: "/brand-accounts/new/",
        "admin",
        302,
        {
            "platform": "bluesky",
            "handle": "new-page.bsky.social",
            "display_name": "New from the page",
            "department": "sales",
            "apply_standard_grants": "on",
        },
    ),
    Step("page detail", False, "get", lambda a: f"/brand-accounts/{a.pk}/", "holder", 200),
    Step("page edit form", False, "get", lambda a: f"/brand-accounts/{a.pk}/edit/", "manage", 200),
    Step(
        "page edit",
        False,
        "post",
        lambda a: f"/brand-accounts/{a.pk}/edit/",
        "manage",
        302,
        {
            "display_name": "Sales Mastodon",
            "handle": "@sales@mastodon.example",
            "department": "sales",
        },
    ),
    Step(
        "page deactivate",
        False,
        "post",
        lambda a: f"/brand-accounts/{a.pk}/deactivate/",
        "manage",
        302,
    ),
    Step(
        "page activate", False, "post", lambda a: f"/brand-accounts/{a.pk}/activate/", "manage", 302
    ),
    Step("page access", False, "get", lambda a: f"/brand-accounts/{a.pk}/access/", "manage", 200),
    Step(
        "page grant add",
        False,
        "post",
        lambda a: f"/brand-accounts/{a.pk}/access/grants/",
        "manage",
        302,
        {"department": "rnd", "permissions": ["draft_on"]},
    ),
    Step(
        "page grant update",
        False,
        "post",
        lambda a: f"/brand-accounts/{a.pk}/access/grants/department:rnd/",
        "manage",
        302,
        {"permissions": ["draft_on", "review_on"]},
    ),
    Step(
        "page grant remove",
        False,
        "post",
        lambda a: f"/brand-accounts/{a.pk}/access/grants/department:rnd/remove/",
        "manage",
        302,
    ),
    Step(
        "page connect form",
        False,
        "get",
        lambda a: f"/brand-accounts/{a.pk}/connect/",
        "manage",
        200,
    ),
    Step(
        "page connect",
        False,
        "post",
        lambda a: f"/brand-accounts/{a.pk}/connect/",
        "manage",
        302,
        {"form": CREDENTIALS},
    ),
    Step(
        "page check connection",
        False,
        "post",
        lambda a: f"/brand-accounts/{a.pk}/check-connection/",
        "manage",
        302,
    ),
    Step(
        "page disconnect",
        False,
        "post",
        lambda a: f"/brand-accounts/{a.pk}/disconnect/",
        "manage",
        302,
    ),
    # API
    Step("api list", True, "get", lambda a: "/api/v1/brand-accounts/", "everyone", 200),
    Step(
        "api create",
        True,
        "post",
        lambda a: "/api/v1/brand-accounts/",
        "admin",
        201,
        {
            "platform": "x",
            "handle": "@newfromapi",
            "display_name": "New from the API",
            "department": "sales",
        },
    ),
    Step("api detail", True, "get", lambda a: f"/api/v1/brand-accounts/{a.pk}/", "holder", 200),
    Step(
        "api update",
        True,
        "patch",
        lambda a: f"/api/v1/brand-accounts/{a.pk}/",
        "manage",
        200,
        {"display_name": "Sales (Mastodon)", "credentials": CREDENTIALS},
    ),
    Step(
        "api verify",
        True,
        "post",
        lambda a: f"/api/v1/brand-accounts/{a.pk}/verify/",
        "manage",
        200,
    ),
    Step(
        "api deactivate",
        True,
        "post",
        lambda a: f"/api/v1/brand-accounts/{a.pk}/deactivate/",
        "manage",
        200,
    ),
    Step(
        "api activate",
        True,
        "post",
        lambda a: f"/api/v1/brand-accounts/{a.pk}/activate/",
        "manage",
        200,
    ),
    Step(
        "api credential fields",
        True,
        "get",
        lambda a: f"/api/v1/brand-accounts/{a.pk}/credential-fields/",
        "holder",
        200,
    ),
    Step(
        "api grants", True, "get", lambda a: f"/api/v1/brand-accounts/{a.pk}/grants/", "grants", 200
    ),
    Step(
        "api grant add",
        True,
        "post",
        lambda a: f"/api/v1/brand-accounts/{a.pk}/grants/",
        "manage",
        201,
        {"department": "rnd", "permissions": ["draft_on"]},
    ),
    Step(
        "api grant update",
        True,
        "patch",
        lambda a: f"/api/v1/brand-accounts/{a.pk}/grants/department:rnd/",
        "manage",
        200,
        {"permissions": ["draft_on", "publish_on"]},
    ),
    Step(
        "api grant remove",
        True,
        "delete",
        lambda a: f"/api/v1/brand-accounts/{a.pk}/grants/department:rnd/",
        "manage",
        204,
    ),
)


def expected_status(role: str, step: Step) -> int:
    if role == "anonymous":
        return 401 if step.api else 302
    if step.access == "everyone" or role == "org_admin":
        return step.success
    if step.access == "admin":
        return 403
    if role not in HOLDERS:
        return 404
    if step.access == "grants":
        return step.success if role == "comms_reviewer" else 403
    return step.success if step.access == "holder" else 403


def _call(client: Any, step: Step, account: BrandAccount, credentials: dict[str, str]) -> Any:
    path = step.path(account)
    method = getattr(client, step.method)
    data = step.data
    if data == {"form": CREDENTIALS}:
        data = credentials
    elif data is not None and data.get("credentials") == CREDENTIALS:
        data = {**data, "credentials": credentials}
    if step.api:
        return method(path, data, format="json") if data is not None else method(path)
    return method(path, data or {}) if step.method == "post" else method(path)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_endpoint_answers_each_role_exactly(
    role: str,
    request: pytest.FixtureRequest,
    sales_account: BrandAccount,
    rnd_account: BrandAccount,
    mastodon_peer: MastodonPeer,
) -> None:
    user: User | None = None if role == "anonymous" else request.getfixturevalue(role)
    # Everyone in the cast exists in every run, so "the list shows nothing extra" is meaningful.
    for other in ROLES[1:]:
        request.getfixturevalue(other)
    page_client, api_client = Client(), APIClient()
    if user is not None:
        page_client.force_login(user)
        api_client.force_authenticate(user)

    actual, expected = {}, {}
    for step in STEPS:
        response = _call(
            api_client if step.api else page_client,
            step,
            sales_account,
            mastodon_peer.credentials("sales"),
        )
        actual[step.key] = response.status_code
        expected[step.key] = expected_status(role, step)
        if role == "anonymous" and not step.api:
            assert response["Location"].startswith("/accounts/login/"), step.key
    assert actual == expected

    # A 302 could hide a refused action: the audit trail shows what really happened.
    done = list(
        AuditEvent.objects.filter(actor__isnull=False)
        .order_by("id")
        .values_list("action", "target_label")
    )
    if role == "org_admin":
        page_new, api_new = "New from the page (Bluesky)", "New from the API (X)"
        renamed, renamed_again = "Sales Mastodon (Mastodon)", "Sales (Mastodon) (Mastodon)"
        assert done == [
            ("brand_account.created", page_new),
            # the standard grants: sales drafts, comms reviewers review and publish, legal reviews
            ("brand_account.granted", page_new),
            ("brand_account.granted", page_new),
            ("brand_account.granted", page_new),
            ("brand_account.updated", renamed),
            ("brand_account.deactivated", renamed),
            ("brand_account.activated", renamed),
            ("brand_account.granted", renamed),  # R&D drafts
            ("brand_account.granted", renamed),  # … and reviews (update adds review)
            ("brand_account.revoked", renamed),  # R&D removed
            ("brand_account.credentials_set", renamed),
            ("brand_account.connection_checked", renamed),
            ("brand_account.credentials_removed", renamed),
            ("brand_account.created", api_new),
            ("brand_account.granted", api_new),
            ("brand_account.granted", api_new),
            ("brand_account.granted", api_new),
            ("brand_account.updated", renamed_again),
            ("brand_account.credentials_set", renamed_again),
            ("brand_account.connection_checked", renamed_again),
            ("brand_account.deactivated", renamed_again),
            ("brand_account.activated", renamed_again),
            ("brand_account.granted", renamed_again),  # R&D drafts
            ("brand_account.granted", renamed_again),  # … and publishes (update adds publish)
            ("brand_account.revoked", renamed_again),  # R&D removed
        ]
    else:
        assert done == []
        sales_account.refresh_from_db()
        assert (sales_account.display_name, sales_account.is_active) == ("Sales on Mastodon", True)
        assert not BrandAccountConnection.objects.exists()


@pytest.mark.parametrize("role", ROLES[1:])
def test_no_list_shows_an_account_the_caller_holds_nothing_on(
    role: str,
    request: pytest.FixtureRequest,
    sales_account: BrandAccount,
    rnd_account: BrandAccount,
) -> None:
    user: User = request.getfixturevalue(role)
    if role == "org_admin":
        visible = {sales_account.pk, rnd_account.pk}
    elif role in HOLDERS:
        visible = {sales_account.pk}
    else:
        visible = set()

    api = APIClient()
    api.force_authenticate(user)
    listed = {row["id"] for row in api.get("/api/v1/brand-accounts/?status=all").json()["results"]}
    assert listed == visible

    client = Client()
    client.force_login(user)
    html = client.get("/brand-accounts/?status=all").content.decode()
    for account in (sales_account, rnd_account):
        assert (f'href="/brand-accounts/{account.pk}/"' in html) == (account.pk in visible)
