"""Brand accounts shared by this app's tests, granted the way the demo organisation is."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Department
from accounts.roles import OrgRole
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.tests.factories import BrandAccountFactory, grant_department, grant_role


@pytest.fixture
def sales_account(sales: Department) -> BrandAccount:
    """Owned by sales; sales drafts, comms reviewers review and publish, legal reviews."""
    account = BrandAccountFactory.create(
        department=sales, handle="@sales@mastodon.example", display_name="Sales on Mastodon"
    )
    grant_department(account, sales, BrandAccountPerm.DRAFT_ON)
    grant_role(
        account, OrgRole.COMMS_REVIEWER, BrandAccountPerm.REVIEW_ON, BrandAccountPerm.PUBLISH_ON
    )
    grant_role(account, OrgRole.LEGAL_REVIEWER, BrandAccountPerm.REVIEW_ON)
    return account


@pytest.fixture
def rnd_account(rnd: Department) -> BrandAccount:
    """Owned by R&D but granted to nobody: owning an account gives nothing by itself."""
    return BrandAccountFactory.create(
        department=rnd, handle="@rnd@mastodon.example", display_name="R&D on Mastodon"
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Tests create many people; the production hasher's slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Real peers for the connector tests (mastodon-mock, the Bluesky PDS, local platform stand-ins).
from channels_app.tests.peers.fixtures import (  # noqa: E402
    bluesky_api,
    bluesky_network,
    bluesky_peer,
    facebook_api,
    facebook_platform,
    linkedin_api,
    linkedin_platform,
    make_httpserver,
    mastodon_peer,
    x_api,
    x_platform,
)

__all__ = [
    "bluesky_api",
    "bluesky_network",
    "bluesky_peer",
    "facebook_api",
    "facebook_platform",
    "linkedin_api",
    "linkedin_platform",
    "make_httpserver",
    "mastodon_peer",
    "x_api",
    "x_platform",
]
