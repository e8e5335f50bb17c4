"""Accepting an invitation: a new person sets a password and lands in their department."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import Department, Invitation, Membership, User
from accounts.tests.factories import PASSWORD, UserFactory
from core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def invite(manager: User, department: Department, email: str, role: str = "member") -> str:
    _invitation, link = services.invitation_create(
        actor=manager, department=department, email=email, role=role, base_url="http://testserver"
    )
    return link.removeprefix("http://testserver")


def test_new_person_accepts_and_lands_in_department(manager: User, sales: Department) -> None:
    path = invite(manager, sales, "newbie@example.test", "manager")
    client = Client()
    assert "Join Sales" in client.get(path).content.decode()
    response = client.post(
        path, {"full_name": "Nina Newbie", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/departments/sales/"
    user = User.objects.get(email="newbie@example.test")
    assert Membership.objects.get(user=user, department=sales).role == "manager"
    assert user.groups.filter(pk=sales.group.pk).exists()
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(user=user).verified  # the link proved the address
    # Logged in, and the link cannot be used twice.
    assert client.get("/").status_code == 200
    assert Client().get(path).status_code == 404


def test_weak_password_is_refused_and_nothing_is_created(manager: User, sales: Department) -> None:
    path = invite(manager, sales, "newbie@example.test")
    response = Client().post(path, {"full_name": "Nina", "password1": "123", "password2": "123"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="newbie@example.test").exists()
    assert Invitation.objects.get().accepted_at is None


def test_mismatched_passwords_are_refused(manager: User, sales: Department) -> None:
    path = invite(manager, sales, "newbie@example.test")
    response = Client().post(
        path, {"full_name": "Nina", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert response.status_code == 400
    assert "The two passwords differ" in response.content.decode()
    assert not User.objects.filter(email="newbie@example.test").exists()


def test_existing_person_joins_after_logging_in(
    manager: User, outsider: User, sales: Department
) -> None:
    path = invite(manager, sales, outsider.email)
    client = Client()
    client.force_login(outsider)
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.filter(user=outsider, department=sales).exists()


def test_signed_in_person_with_another_address_cannot_take_the_invitation(
    manager: User, outsider: User, sales: Department
) -> None:
    path = invite(manager, sales, "someone.else@example.test")
    client = Client()
    client.force_login(outsider)
    response = client.post(path, follow=True)
    assert "This invitation is for someone.else@example.test" in response.content.decode()
    assert not Membership.objects.filter(user=outsider, department=sales).exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_unusable_links_answer_404(manager: User, sales: Department, state: str) -> None:
    path = invite(manager, sales, "newbie@example.test")
    invitation = Invitation.objects.get()
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif state == "revoked":
        services.invitation_revoke(actor=manager, invitation=invitation)
    else:
        path = "/invitations/not-a-real-token/"
    response = Client().get(path)
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_an_open_invitation_is_not_sent_twice(manager: User, sales: Department) -> None:
    invite(manager, sales, "newbie@example.test")
    with pytest.raises(InvalidInput, match="open invitation"):
        invite(manager, sales, "NEWBIE@example.test")
    assert Invitation.objects.count() == 1


def test_an_expired_invitation_can_be_renewed(manager: User, sales: Department) -> None:
    invite(manager, sales, "newbie@example.test")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    invite(manager, sales, "newbie@example.test")
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1
    assert Invitation.objects.count() == 2


def test_manager_cannot_invite_into_a_department_they_do_not_manage(
    manager: User, rnd: Department
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        invite(manager, rnd, "newbie@example.test")
    assert not Invitation.objects.exists()


def test_org_admin_may_invite_anywhere(org_admin: User, rnd: Department, **_: Any) -> None:
    invite(org_admin, rnd, "newbie@example.test")
    assert Invitation.objects.get().department == rnd


def test_invited_existing_account_must_log_in_first(manager: User, sales: Department) -> None:
    existing = UserFactory.create(email="exists@example.test")
    path = invite(manager, sales, existing.email)
    response = Client().post(
        path, {"full_name": "Imposter", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 400
    assert "log in, then open the link" in response.content.decode()
    assert not Membership.objects.filter(user=existing, department=sales).exists()
