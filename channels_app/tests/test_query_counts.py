"""Lists keep the same number of queries with 1 and with 20 accounts and grants."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.tests.factories import (
    BrandAccountFactory,
    grant_department,
    grant_role,
    grant_user,
    store_connection,
)


def _account_with_grants(sales: Department, sme: User, admin: User) -> BrandAccount:
    """An account that is connected and holds the kinds of grants a real one has."""
    account = BrandAccountFactory.create(department=sales)
    grant_department(account, sales, BrandAccountPerm.DRAFT_ON)
    grant_role(account, OrgRole.COMMS_REVIEWER, BrandAccountPerm.REVIEW_ON)
    grant_user(account, sme, BrandAccountPerm.PUBLISH_ON)
    store_connection(account, connected_by=admin)
    return account


def _fresh(user: User) -> User:
    """A new user object per request, as each real request loads (no cached roles)."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("as_admin", [False, True], ids=["sme", "org_admin"])
def test_list_page_queries_do_not_grow(
    client: Client,
    sme: User,
    org_admin: User,
    sales: Department,
    django_assert_num_queries: Any,
    as_admin: bool,
) -> None:
    viewer = org_admin if as_admin else sme
    client.force_login(viewer)
    _account_with_grants(sales, sme, org_admin)
    client.get("/brand-accounts/")  # warm the content-type cache
    # session, user, the person's org roles, departments for the filter, COUNT for the
    # paginator, the accounts (department and connection joined, visibility a subquery),
    # then for a non-admin the two permission prefetches: direct grants, group grants.
    # ... plus the layout's two: the crisis pauses in force and my unread notifications.
    expected = 8 if as_admin else 10
    with django_assert_num_queries(expected):
        assert client.get("/brand-accounts/").status_code == 200
    for _ in range(19):
        _account_with_grants(sales, sme, org_admin)
    with django_assert_num_queries(expected):
        response = client.get("/brand-accounts/")
    assert response.content.decode().count('class="platform-mark') == 20


@pytest.mark.parametrize("as_admin", [False, True], ids=["sme", "org_admin"])
def test_list_endpoint_queries_do_not_grow(
    api_as: Any,
    sme: User,
    org_admin: User,
    sales: Department,
    django_assert_num_queries: Any,
    as_admin: bool,
) -> None:
    viewer = org_admin if as_admin else sme
    _account_with_grants(sales, sme, org_admin)
    api_as(_fresh(viewer)).get("/api/v1/brand-accounts/")
    # session, user, the caller's org roles, COUNT for the pagination, the accounts (department
    # and connection joined), then for a non-admin the two permission prefetches.
    expected = 5 if as_admin else 7
    api = api_as(_fresh(viewer))
    with django_assert_num_queries(expected):
        assert api.get("/api/v1/brand-accounts/").status_code == 200
    for _ in range(19):
        _account_with_grants(sales, sme, org_admin)
    api = api_as(_fresh(viewer))
    with django_assert_num_queries(expected):
        response = api.get("/api/v1/brand-accounts/")
    rows = response.json()["results"]
    assert len(rows) == 20
    expected_perms = (
        ["draft_on", "review_on", "publish_on", "manage"]
        if as_admin
        else ["draft_on", "publish_on"]
    )
    assert {tuple(row["my_permissions"]) for row in rows} == {tuple(expected_perms)}
    assert {row["connection"]["connected_by"]["email"] for row in rows} == {org_admin.email}


def test_grants_endpoint_queries_do_not_grow(
    api_as: Any, sme: User, org_admin: User, sales: Department, django_assert_num_queries: Any
) -> None:
    account = _account_with_grants(sales, sme, org_admin)
    grant_user(account, sme, BrandAccountPerm.MANAGE)  # the grants are for those who manage
    url = f"/api/v1/brand-accounts/{account.pk}/grants/"
    api_as(_fresh(sme)).get(url)
    # session, user, the caller's org roles, the account (visibility a subquery), the caller's
    # own and group permissions on it (may they see the grants? two), group grants (with each
    # group's department), direct grants (with each person).
    api = api_as(_fresh(sme))
    with django_assert_num_queries(8):
        assert len(api.get(url).json()) == 3
    for _ in range(19):
        department = DepartmentFactory.create()
        grant_department(account, department, BrandAccountPerm.DRAFT_ON)
        person = UserFactory.create()
        add_member(person, department)
        grant_user(account, person, BrandAccountPerm.REVIEW_ON, BrandAccountPerm.DRAFT_ON)
    api = api_as(_fresh(sme))
    with django_assert_num_queries(8):
        grants = api.get(url).json()
    assert len(grants) == 3 + 19 + 19
