"""The Django admin never changes organisation roles by itself: the user page shows them read-only
with a link to the people page (org_roles_set, its audit and its last-admin rule), and the role
and department groups keep their names and cannot be deleted there."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import Department, User
from accounts.roles import GROUP_NAMES, OrgRole
from accounts.tests.factories import give_org_role

pytestmark = pytest.mark.django_db


def staff_client(user: User) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def _change_form(person: User, **extra: Any) -> dict[str, Any]:
    return {
        "email": person.email,
        "full_name": person.full_name,
        "timezone": "",
        "is_active": "on",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 1,
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
        "memberships-0-id": person.memberships.get().pk,
        "memberships-0-user": person.pk,
        **extra,
    }


def test_user_page_shows_roles_read_only_with_a_link(org_admin: User, sme: User) -> None:
    give_org_role(sme, OrgRole.TRIAGE)
    body = staff_client(org_admin).get(f"/admin/accounts/user/{sme.pk}/change/").content.decode()
    assert 'name="groups"' not in body
    assert "Triage" in body
    assert 'href="/people/?q=sme%40example.test"' in body


def test_a_posted_groups_field_changes_nothing(
    org_admin: User, sme: User, sales: Department
) -> None:
    admins = Group.objects.get(name=GROUP_NAMES[OrgRole.ORG_ADMIN])
    response = staff_client(org_admin).post(
        f"/admin/accounts/user/{sme.pk}/change/",
        _change_form(sme, full_name="Samantha Sales", groups=[admins.pk]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sme.refresh_from_db()
    assert sme.full_name == "Samantha Sales"  # the other fields are saved as before
    assert set(sme.groups.values_list("name", flat=True)) == {"department:sales"}


def test_role_and_department_groups_keep_their_names(org_admin: User, sales: Department) -> None:
    client = staff_client(org_admin)
    admins = Group.objects.get(name=GROUP_NAMES[OrgRole.ORG_ADMIN])
    for group in (admins, sales.group):
        page = client.get(f"/admin/auth/group/{group.pk}/change/").content.decode()
        assert 'name="name"' not in page
        assert (
            client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 403
        )
        assert Group.objects.filter(pk=group.pk).exists()
    other = Group.objects.create(name="Newsletter")
    assert 'name="name"' in client.get(f"/admin/auth/group/{other.pk}/change/").content.decode()


def test_the_bulk_delete_action_leaves_role_and_department_groups(
    org_admin: User, sales: Department
) -> None:
    admins = Group.objects.get(name=GROUP_NAMES[OrgRole.ORG_ADMIN])
    other = Group.objects.create(name="Newsletter")
    client = staff_client(org_admin)

    def delete_selected(*groups: Group) -> Any:
        return client.post(
            "/admin/auth/group/",
            {
                "action": "delete_selected",
                "_selected_action": [group.pk for group in groups],
                "post": "yes",
            },
        )

    assert delete_selected(admins).status_code == 403
    assert "Cannot delete group" in delete_selected(sales.group).content.decode()
    assert Group.objects.filter(pk__in=[admins.pk, sales.group.pk]).count() == 2
    assert delete_selected(other).status_code == 302
    assert not Group.objects.filter(pk=other.pk).exists()
