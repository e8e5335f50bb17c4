"""The brand-account pages as people use them: what they show, and bad input."""

from __future__ import annotations

from typing import Any

from django.test import Client

from accounts import services as accounts_services
from accounts.models import Department, Membership, User
from activity.models import AuditEvent
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.tests.factories import BrandAccountFactory, grant_user


def _text(response: Any) -> str:
    return " ".join(response.content.decode().split())


def test_removing_a_member_removes_their_access_at_once(
    client: Client, api_as: Any, manager: User, sme: User, sales_account: BrandAccount
) -> None:
    client.force_login(sme)
    assert client.get(f"/brand-accounts/{sales_account.pk}/").status_code == 200
    assert sales_account.display_name in _text(client.get("/brand-accounts/"))

    membership = Membership.objects.get(user=sme, department__slug="sales")
    accounts_services.membership_remove(actor=manager, membership=membership)

    # The same session, the very next request: the department's grant no longer reaches them.
    assert client.get(f"/brand-accounts/{sales_account.pk}/").status_code == 404
    assert sales_account.display_name not in _text(client.get("/brand-accounts/"))
    assert api_as(sme).get(f"/api/v1/brand-accounts/{sales_account.pk}/").status_code == 404
    assert api_as(sme).get("/api/v1/brand-accounts/").json()["results"] == []


def test_list_shows_platform_department_and_my_permissions(
    client: Client, comms_reviewer: User, sales_account: BrandAccount
) -> None:
    client.force_login(comms_reviewer)
    html = _text(client.get("/brand-accounts/"))
    assert 'class="platform-mark platform-mastodon" aria-hidden="true">M</span> Mastodon' in html
    assert "<td>Sales</td>" in html
    assert (
        '<ul class="perm-badges" aria-label="Permissions">'
        '<li class="badge perm-review_on">Review</li>'
        '<li class="badge perm-publish_on">Publish</li></ul>'
    ) in html
    assert "Register an account" not in html


def test_list_hides_inactive_accounts_unless_asked(
    client: Client, org_admin: User, sales: Department
) -> None:
    BrandAccountFactory.create(department=sales, display_name="Still here")
    gone = BrandAccountFactory.create(department=sales, display_name="Retired account")
    from channels_app import services

    services.brand_account_set_active(actor=org_admin, account=gone, active=False)
    client.force_login(org_admin)
    assert "Retired account" not in _text(client.get("/brand-accounts/"))
    assert "Retired account" in _text(client.get("/brand-accounts/?status=inactive"))
    everything = _text(client.get("/brand-accounts/?status=all"))
    assert "Still here" in everything
    assert "Retired account" in everything
    # A bad filter value falls back to the default instead of failing.
    assert client.get("/brand-accounts/?status=bogus&platform=myspace").status_code == 200


def test_detail_shows_history_only_to_people_who_manage(
    client: Client, sme: User, org_admin: User, sales_account: BrandAccount
) -> None:
    client.force_login(sme)
    sme_view = _text(client.get(f"/brand-accounts/{sales_account.pk}/"))
    # Who else holds rights is for managers of the account, comms reviewers and org admins.
    assert "Who has access" not in sme_view
    assert "Comms reviewers" not in sme_view
    assert "History" not in sme_view
    assert "Manage access" not in sme_view
    client.force_login(org_admin)
    admin_view = _text(client.get(f"/brand-accounts/{sales_account.pk}/"))
    assert "Who has access" in admin_view
    assert "History" in admin_view
    assert "Granted Review, Publish to organisation role Comms reviewers." in admin_view
    assert "Not connected" in admin_view


def test_create_page_refuses_bad_input(client: Client, org_admin: User, sales: Department) -> None:
    client.force_login(org_admin)
    response = client.post(
        "/brand-accounts/new/",
        {"platform": "x", "handle": "not a handle!", "display_name": "A", "department": "sales"},
    )
    assert response.status_code == 400
    assert "This is not a X handle; write it like @acme." in _text(response)
    response = client.post(
        "/brand-accounts/new/",
        {"platform": "tiktok", "handle": "@a", "display_name": "A", "department": "nowhere"},
    )
    assert response.status_code == 400
    html = _text(response)
    assert "Select a valid choice. tiktok is not one of the available choices." in html
    assert "Select a valid choice. That choice is not one of the available choices." in html
    assert not BrandAccount.objects.exists()


def test_create_page_registers_and_sends_to_the_account(
    client: Client, org_admin: User, sales: Department
) -> None:
    client.force_login(org_admin)
    response = client.post(
        "/brand-accounts/new/",
        {
            "platform": "internal",
            "handle": "Sales-News",
            "display_name": "Sales news",
            "department": "sales",
        },
        follow=True,
    )
    account = BrandAccount.objects.get()
    assert response.redirect_chain == [(f"/brand-accounts/{account.pk}/", 302)]
    assert account.handle == "sales-news"
    html = _text(response)
    assert "Sales news is registered." in html
    assert "publishes inside SocialHub; nothing to connect" in html
    # The box was left unticked: no standard grants.
    assert "Nobody holds a permission on this account yet." in html


def test_edit_page_lets_a_manager_rename_but_not_move(
    client: Client, manager: User, rnd: Department, sales_account: BrandAccount
) -> None:
    grant_user(sales_account, manager, BrandAccountPerm.MANAGE)
    client.force_login(manager)
    page = _text(client.get(f"/brand-accounts/{sales_account.pk}/edit/"))
    assert '<select name="department" disabled aria-describedby="id_department_helptext"' in page
    response = client.post(
        f"/brand-accounts/{sales_account.pk}/edit/",
        {"display_name": "Renamed", "handle": "@sales@mastodon.example", "department": "rnd"},
    )
    assert response.status_code == 302
    sales_account.refresh_from_db()
    # The disabled field keeps its initial value whatever is posted.
    assert (sales_account.display_name, sales_account.department.slug) == ("Renamed", "sales")


def test_access_page_adds_updates_and_removes(
    client: Client, org_admin: User, outsider: User, rnd: Department, sales_account: BrandAccount
) -> None:
    client.force_login(org_admin)
    base = f"/brand-accounts/{sales_account.pk}/access/"
    response = client.post(
        f"{base}grants/",
        {"user": "outsider@example.test", "permissions": ["review_on"]},
        follow=True,
    )
    assert "Olly Outsider now holds: Review." in _text(response)
    grant_id = f"user:{outsider.pk}"
    response = client.post(
        f"{base}grants/{grant_id}/", {"permissions": ["draft_on", "review_on"]}, follow=True
    )
    assert "Olly Outsider now holds: Draft, Review." in _text(response)
    # The effective-access table names who holds what, and through what.
    html = _text(response)
    assert (
        '<td>Olly Outsider<br><span class="muted">outsider@example.test</span></td> <td>'
        '<ul class="perm-badges" aria-label="Permissions"><li class="badge perm-draft_on">Draft'
        '</li><li class="badge perm-review_on">Review</li></ul> </td> <td>directly</td>'
    ) in html
    assert "<td>org admin</td>" in html
    response = client.post(f"{base}grants/{grant_id}/remove/", follow=True)
    assert "Olly Outsider no longer has access." in _text(response)
    assert client.post(f"{base}grants/{grant_id}/remove/").status_code == 404


def test_access_page_refuses_bad_grants(
    client: Client, org_admin: User, rnd: Department, sales_account: BrandAccount
) -> None:
    client.force_login(org_admin)
    url = f"/brand-accounts/{sales_account.pk}/access/grants/"
    events = AuditEvent.objects.count()
    cases = [
        (
            {"permissions": ["draft_on"]},
            "Choose exactly one: a department, a person or an organisation role.",
        ),
        (
            {"department": "rnd", "user": "x@example.test", "permissions": ["draft_on"]},
            "Choose exactly one",
        ),
        (
            {"user": "nobody@example.test", "permissions": ["draft_on"]},
            "No active person with the e-mail",
        ),
        ({"department": "rnd"}, "This field is required."),
        (
            {"department": "rnd", "permissions": ["fly"]},
            "Select a valid choice. fly is not one of the available choices.",
        ),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in _text(response), data
    assert AuditEvent.objects.count() == events


def test_a_manager_sees_manage_locked_and_keeps_it_when_saving(
    client: Client, manager: User, sales_account: BrandAccount
) -> None:
    grant_user(sales_account, manager, BrandAccountPerm.MANAGE)
    client.force_login(manager)
    base = f"/brand-accounts/{sales_account.pk}/access/"
    html = _text(client.get(base))
    assert '<input type="hidden" name="permissions" value="manage">' in html
    assert '<label><input type="checkbox" disabled checked> Manage</label>' in html
    # Saving their own row with the hidden Manage value keeps Manage and adds Draft.
    response = client.post(
        f"{base}grants/user:{manager.pk}/", {"permissions": ["manage", "draft_on"]}, follow=True
    )
    assert "Max Manager now holds: Draft, Manage." in _text(response)
    # Trying to give Manage to someone else is refused with the reason.
    response = client.post(f"{base}grants/", {"department": "sales", "permissions": ["manage"]})
    assert response.status_code == 403
    assert "Only org admins can give or take the Manage permission" in _text(response)


def test_connect_page_for_each_kind_of_platform(
    client: Client, org_admin: User, sales: Department
) -> None:
    client.force_login(org_admin)
    internal = BrandAccountFactory.create(department=sales, platform="internal", handle="news")
    html = _text(client.get(f"/brand-accounts/{internal.pk}/connect/"))
    assert "there is nothing to connect" in html
    bluesky = BrandAccountFactory.create(
        department=sales, platform="bluesky", handle="acme.bsky.social"
    )
    html = _text(client.get(f"/brand-accounts/{bluesky.pk}/connect/"))
    for label in ("PDS URL", "Handle", "App password"):
        assert f">{label}:</label>" in html
    assert 'type="password" name="app_password" autocomplete="new-password"' in html
    response = client.post(
        f"/brand-accounts/{bluesky.pk}/connect/",
        {
            "pds_url": "https://bsky.social",
            "handle": "acme.bsky.social",
            "app_password": "password1",
        },
    )
    assert response.status_code == 400
    assert "This is not a Bluesky app password" in _text(response)
