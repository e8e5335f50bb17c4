"""channels_app.permissions: what the post workflow and the pages ask."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.test import Client

from accounts.models import Department, User
from channels_app import permissions, services
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.tests.factories import BrandAccountFactory, grant_department, grant_user


def test_holding_a_permission_and_acting_on_an_inactive_account(
    sme: User, comms_reviewer: User, org_admin: User, sales_account: BrandAccount
) -> None:
    assert permissions.can_draft_on(sme, sales_account)
    assert not permissions.can_review_on(sme, sales_account)
    assert permissions.can_review_on(comms_reviewer, sales_account)
    assert permissions.can_publish_on(comms_reviewer, sales_account)
    assert not permissions.can_draft_on(comms_reviewer, sales_account)

    services.brand_account_set_active(actor=org_admin, account=sales_account, active=False)
    sales_account.refresh_from_db()
    # Grants stay, but nobody drafts, reviews or publishes on an inactive account …
    assert permissions.perms_on(sme, sales_account) == {BrandAccountPerm.DRAFT_ON}
    assert not permissions.can_draft_on(sme, sales_account)
    assert not permissions.can_publish_on(comms_reviewer, sales_account)
    assert not permissions.can_draft_on(org_admin, sales_account)
    # … while the people who manage it can still activate it again.
    assert permissions.can_manage(org_admin, sales_account)


def test_nobody_holds_anything_without_a_grant(
    sales: Department, sme: User, manager: User, outsider: User, hr_user: User
) -> None:
    account = BrandAccountFactory.create(department=sales)
    for person in (sme, manager, outsider, hr_user):
        assert permissions.perms_on(person, account) == frozenset()
    assert permissions.perms_on(AnonymousUser(), account) == frozenset()


def test_a_deactivated_person_holds_nothing(sme: User, sales_account: BrandAccount) -> None:
    grant_user(sales_account, sme, BrandAccountPerm.PUBLISH_ON)
    sme.is_active = False
    sme.save()
    assert permissions.perms_on(User.objects.get(pk=sme.pk), sales_account) == frozenset()


def test_org_admins_hold_everything_by_their_role(org_admin: User, sales: Department) -> None:
    account = BrandAccountFactory.create(department=sales)
    assert permissions.perms_on(org_admin, account) == frozenset(permissions.ALL_PERMS)


def test_direct_and_department_grants_add_up(
    sme: User, sales: Department, sales_account: BrandAccount
) -> None:
    grant_user(sales_account, sme, BrandAccountPerm.REVIEW_ON)
    assert permissions.sorted_perms(permissions.perms_on(sme, sales_account)) == [
        "draft_on",
        "review_on",
    ]


def test_access_page_queries_do_not_grow_with_grants(
    client: Client,
    org_admin: User,
    sales_account: BrandAccount,
    django_assert_num_queries: Any,
) -> None:
    from accounts.tests.factories import DepartmentFactory, UserFactory, add_member

    client.force_login(org_admin)
    url = f"/brand-accounts/{sales_account.pk}/access/"
    client.get(url)
    # session, user, org roles, the account, departments for the form, group grants, direct
    # grants, members of the holding groups, the org admins.
    # ... plus the layout's two: the crisis pauses in force and my unread notifications.
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
    for _ in range(19):
        department = DepartmentFactory.create()
        add_member(UserFactory.create(), department)
        grant_department(sales_account, department, BrandAccountPerm.DRAFT_ON)
        grant_user(sales_account, UserFactory.create(), BrandAccountPerm.REVIEW_ON)
    with django_assert_num_queries(11):
        response = client.get(url)
    assert response.content.decode().count("Remove<span") == 3 + 19 + 19
