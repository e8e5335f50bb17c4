"""Department pages: who sees what, who may change membership, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Department, Invitation, Membership, User
from accounts.tests.factories import UserFactory, add_member
from activity.models import AuditEvent

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(sales: Department) -> None:
    response = Client().get("/departments/sales/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_shows_only_own_departments_to_members(
    sme: User, outsider: User, sales: Department, rnd: Department
) -> None:
    body = logged_in(sme).get("/departments/").content.decode()
    assert "Sales" in body
    assert "R&amp;D" not in body


@pytest.mark.parametrize("viewer", ["org_admin", "hr_user"])
def test_org_admin_and_hr_see_every_department(
    viewer: str, request: pytest.FixtureRequest, sales: Department, rnd: Department
) -> None:
    user = request.getfixturevalue(viewer)
    body = logged_in(user).get("/departments/").content.decode()
    assert "Sales" in body
    assert "R&amp;D" in body


def test_member_reads_department_without_manage_controls(sme: User, sales: Department) -> None:
    response = logged_in(sme).get("/departments/sales/")
    assert response.status_code == 200
    assert sme.email in response.content.decode()
    assert "Send invitation" not in response.content.decode()


def test_manager_sees_manage_controls(manager: User, sales: Department) -> None:
    response = logged_in(manager).get("/departments/sales/")
    assert response.status_code == 200
    assert "Send invitation" in response.content.decode()
    assert "/reports/departments/sales/" in response.content.decode()


def test_member_gets_no_link_to_activity(sme: User, sales: Department) -> None:
    body = logged_in(sme).get("/departments/sales/").content.decode()
    assert "/reports/departments/sales/" not in body


def test_outsider_gets_404_for_department_page(outsider: User, sales: Department) -> None:
    assert logged_in(outsider).get("/departments/sales/").status_code == 404
    assert logged_in(outsider).get("/departments/no-such-dept/").status_code == 404


def test_manager_invites_a_person(
    manager: User, sales: Department, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(manager).post(
            "/departments/sales/invite/", {"email": "New.Person@Example.test", "role": "member"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@example.test"
    assert invitation.department == sales
    assert len(mail.outbox) == 1
    assert "/invitations/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="invitation.created").count() == 1


def test_member_may_not_invite(sme: User, sales: Department) -> None:
    response = logged_in(sme).post(
        "/departments/sales/invite/", {"email": "x@example.test", "role": "member"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_outsider_may_not_invite_and_learns_nothing(outsider: User, sales: Department) -> None:
    response = logged_in(outsider).post(
        "/departments/sales/invite/", {"email": "x@example.test", "role": "member"}
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "Enter a valid email address."),
        ("sme@example.test", "is already a member of Sales"),
    ],
)
def test_bad_invitations_are_refused_with_a_message(
    manager: User, sme: User, sales: Department, email: str, message: str
) -> None:
    response = logged_in(manager).post(
        "/departments/sales/invite/", {"email": email, "role": "member"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_bad_role_is_refused(manager: User, sales: Department) -> None:
    response = logged_in(manager).post(
        "/departments/sales/invite/", {"email": "new@example.test", "role": "emperor"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()


def test_manager_changes_role_and_removes_member(
    manager: User, sme: User, sales: Department
) -> None:
    client = logged_in(manager)
    membership = Membership.objects.get(user=sme, department=sales)
    response = client.post(f"/departments/sales/members/{membership.pk}/role/", {"role": "manager"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "manager"

    response = client.post(f"/departments/sales/members/{membership.pk}/remove/")
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not sme.groups.filter(pk=sales.group.pk).exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "membership.role_changed" in actions
    assert "membership.removed" in actions


def test_member_may_not_change_roles(sme: User, manager: User, sales: Department) -> None:
    membership = Membership.objects.get(user=manager, department=sales)
    response = logged_in(sme).post(
        f"/departments/sales/members/{membership.pk}/role/", {"role": "member"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == "manager"


def test_outsider_may_not_remove_members(outsider: User, sme: User, sales: Department) -> None:
    membership = Membership.objects.get(user=sme, department=sales)
    response = logged_in(outsider).post(f"/departments/sales/members/{membership.pk}/remove/")
    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_membership_of_another_department_is_404(
    manager: User, outsider: User, sales: Department, rnd: Department
) -> None:
    """A manager of sales cannot reach an R&D membership through the sales URL."""
    foreign = Membership.objects.get(user=outsider, department=rnd)
    response = logged_in(manager).post(f"/departments/sales/members/{foreign.pk}/remove/")
    assert response.status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_last_manager_cannot_be_demoted(manager: User, sales: Department) -> None:
    membership = Membership.objects.get(user=manager, department=sales)
    response = logged_in(manager).post(
        f"/departments/sales/members/{membership.pk}/role/", {"role": "member"}, follow=True
    )
    assert "last manager" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "manager"


def test_department_page_query_count_is_constant(
    manager: User, sales: Department, django_assert_num_queries: Any
) -> None:
    client = logged_in(manager)
    client.get("/departments/sales/")  # warm up: the session row is written on first use
    # 1 session, 2 user, 3 my org roles (groups), 4 the department (scoped by a subquery),
    # 5 my memberships (may I manage?), 6 the number of members (pages), 7 the page of members
    # with their users, 8 open invitations.
    # ... plus the layout's two: the crisis pauses in force and my unread notifications.
    with django_assert_num_queries(10):
        assert client.get("/departments/sales/").status_code == 200
    for _ in range(9):
        add_member(UserFactory.create(), sales)
    for email in ("a@example.test", "b@example.test"):
        client.post("/departments/sales/invite/", {"email": email, "role": "member"})
    with django_assert_num_queries(10):
        response = client.get("/departments/sales/")
    assert response.content.decode().count("Change role") == 10
