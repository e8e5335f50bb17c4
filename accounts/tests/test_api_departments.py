"""departments/, departments/{slug}/members/ and departments/{slug}/invitations/ over the API."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Department, Invitation, Membership, User
from accounts.tests.factories import UserFactory, add_member
from activity.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_list_is_scoped_to_what_the_caller_may_see(
    api_as: Any, sme: User, org_admin: User, sales: Department, rnd: Department
) -> None:
    mine = api_as(sme).get("/api/v1/departments/").json()["results"]
    assert [d["slug"] for d in mine] == ["sales"]
    assert mine[0]["member_count"] == 1
    everything = api_as(org_admin).get("/api/v1/departments/").json()["results"]
    assert {d["slug"] for d in everything} == {"sales", "rnd"}


def test_anonymous_is_refused(api_as: Any, sales: Department) -> None:
    assert api_as(None).get("/api/v1/departments/").status_code in (401, 403)


def test_detail_is_404_for_outsiders(api_as: Any, outsider: User, sales: Department) -> None:
    assert api_as(outsider).get("/api/v1/departments/sales/").status_code == 404
    assert api_as(outsider).get("/api/v1/departments/sales/members/").status_code == 404


def test_org_admin_creates_a_department(api_as: Any, org_admin: User) -> None:
    response = api_as(org_admin).post(
        "/api/v1/departments/", {"name": "Legal Affairs", "description": "Counsel"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["slug"] == "legal-affairs"
    department = Department.objects.get(slug="legal-affairs")
    assert department.group.name == "department:legal-affairs"
    assert AuditEvent.objects.filter(action="department.created").exists()


def test_only_org_admins_create_departments(api_as: Any, manager: User) -> None:
    response = api_as(manager).post("/api/v1/departments/", {"name": "Shadow IT"}, format="json")
    assert response.status_code == 403
    assert not Department.objects.filter(name="Shadow IT").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "name"), ({"name": "Sales"}, "name"), ({"name": "Other", "slug": "sales"}, "slug")],
)
def test_bad_department_input(
    api_as: Any, org_admin: User, sales: Department, payload: dict, field: str
) -> None:
    before = Department.objects.count()
    response = api_as(org_admin).post("/api/v1/departments/", payload, format="json")
    assert response.status_code == 400
    assert response.json()[field]
    assert Department.objects.count() == before


def test_members_listed_for_members(api_as: Any, sme: User, manager: User) -> None:
    body = api_as(sme).get("/api/v1/departments/sales/members/").json()
    assert {(m["user"]["email"], m["role"]) for m in body["results"]} == {
        (sme.email, "member"),
        (manager.email, "manager"),
    }


def test_manager_invites_through_members_endpoint(
    api_as: Any, manager: User, sales: Department
) -> None:
    response = api_as(manager).post(
        "/api/v1/departments/sales/members/",
        {"email": "new@example.test", "role": "member"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["email"] == "new@example.test"
    assert response.json()["department"] == "sales"
    invitations = api_as(manager).get("/api/v1/departments/sales/invitations/").json()
    assert [i["email"] for i in invitations["results"]] == ["new@example.test"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "nope", "role": "member"}, "email"),
        ({"email": "x@example.test", "role": "tsar"}, "role"),
        ({"email": "sme@example.test", "role": "member"}, "email"),
        ({"role": "member"}, "email"),
    ],
)
def test_bad_invitation_input(
    api_as: Any, manager: User, sme: User, payload: dict, field: str
) -> None:
    response = api_as(manager).post("/api/v1/departments/sales/members/", payload, format="json")
    assert response.status_code == 400
    assert response.json()[field]
    assert not Invitation.objects.exists()


def test_member_may_not_invite_or_see_invitations(api_as: Any, sme: User) -> None:
    client = api_as(sme)
    response = client.post(
        "/api/v1/departments/sales/members/", {"email": "x@example.test"}, format="json"
    )
    assert response.status_code == 403
    assert client.get("/api/v1/departments/sales/invitations/").status_code == 403
    assert not Invitation.objects.exists()


def test_outsider_may_not_invite(api_as: Any, outsider: User, sales: Department) -> None:
    response = api_as(outsider).post(
        "/api/v1/departments/sales/members/", {"email": "x@example.test"}, format="json"
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_manager_changes_role_and_removes(
    api_as: Any, manager: User, sme: User, sales: Department
) -> None:
    membership = Membership.objects.get(user=sme)
    url = f"/api/v1/departments/sales/members/{membership.pk}/"
    response = api_as(manager).patch(url, {"role": "manager"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "manager"
    bad = api_as(manager).patch(url, {"role": "overlord"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["role"]
    assert api_as(manager).delete(url).status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_member_may_not_change_or_remove(api_as: Any, sme: User, manager: User) -> None:
    membership = Membership.objects.get(user=manager)
    url = f"/api/v1/departments/sales/members/{membership.pk}/"
    assert api_as(sme).patch(url, {"role": "member"}, format="json").status_code == 403
    assert api_as(sme).delete(url).status_code == 403
    membership.refresh_from_db()
    assert membership.role == "manager"


def test_revoke_invitation(api_as: Any, manager: User, sales: Department) -> None:
    created = api_as(manager).post(
        "/api/v1/departments/sales/members/", {"email": "n@example.test"}, format="json"
    )
    url = f"/api/v1/departments/sales/invitations/{created.json()['id']}/"
    assert api_as(manager).delete(url).status_code == 204
    assert Invitation.objects.get().revoked_at is not None
    assert api_as(manager).delete(url).status_code == 404  # no longer open


def test_department_list_query_count_is_constant(
    api_as: Any, org_admin: User, django_assert_num_queries: Any
) -> None:
    from accounts.tests.factories import DepartmentFactory

    client = api_as(org_admin)
    DepartmentFactory.create()
    # 1 session, 2 user, 3 my org roles (groups), 4 count for pagination,
    # 5 departments with member counts.
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/departments/").json()["results"]) == 1
    for _ in range(9):
        DepartmentFactory.create()
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/departments/").json()["results"]) == 10


def test_member_list_query_count_is_constant(
    api_as: Any, manager: User, sales: Department, django_assert_num_queries: Any
) -> None:
    client = api_as(manager)
    # 1 session, 2 user, 3 my org roles, 4 the department (scoped by my memberships),
    # 5 count for pagination, 6 members with their users.
    with django_assert_num_queries(6):
        assert len(client.get("/api/v1/departments/sales/members/").json()["results"]) == 1
    for _ in range(9):
        add_member(UserFactory.create(), sales)
    with django_assert_num_queries(6):
        assert len(client.get("/api/v1/departments/sales/members/").json()["results"]) == 10
