"""Listening's tests use the workflow's usual cast and the platform stand-ins."""

from __future__ import annotations

import pytest

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals.tests.conftest import (  # noqa: F401  (fixtures, found by name)
    fast_password_hashing,
    make_httpserver,
    mastodon_peer,
    x_api,
)
from approvals.tests.factories import make_account
from channels_app.models import BrandAccount


@pytest.fixture
def mastodon(sales: Department) -> BrandAccount:
    """Sales' Mastodon account, which can search (Mastodon looks for every kind of term)."""
    return make_account(sales, platform="mastodon", handle="@acme@mastodon.example")


@pytest.fixture
def linkedin(sales: Department) -> BrandAccount:
    return make_account(sales, platform="linkedin", handle="acme-li")


@pytest.fixture
def product(db: None) -> Department:
    return DepartmentFactory.create(name="Product", slug="product")


@pytest.fixture
def product_manager(product: Department) -> User:
    user = UserFactory.create(email="pm@example.test", full_name="Pat Product")
    add_member(user, product, "manager")
    return user


@pytest.fixture
def triager(db: None) -> User:
    user = UserFactory.create(email="triage@example.test", full_name="Tia Triage")
    return give_org_role(user, OrgRole.TRIAGE)
