"""Managers revoking one invitation at once: the row lock lets exactly one of them revoke it,
with one audit event; the others are told it was already revoked. PostgreSQL only: SQLite
serialises whole transactions, so the race cannot happen there."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts import services
from accounts.models import Department, Invitation, User
from accounts.tests.factories import UserFactory, add_member
from activity.models import AuditEvent
from core.tests.races import run_at_once

THREADS = 4

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks to race"
    ),
]


def test_one_invitation_revoked_by_several_managers_at_once_is_revoked_once(
    manager: User, sales: Department
) -> None:
    invitation, _link = services.invitation_create(
        actor=manager,
        department=sales,
        email="new@example.test",
        role="member",
        base_url="https://socialhub.example",
    )
    managers = [manager]
    for number in range(THREADS - 1):
        other = UserFactory.create(email=f"manager{number}@example.test")
        add_member(other, sales, "manager")
        managers.append(other)
    # Every manager opened the page while the invitation was still open (the rows they hold).
    seen = [Invitation.objects.select_related("department").get(pk=invitation.pk) for _ in managers]

    def revoke(index: int) -> str:
        services.invitation_revoke(actor=managers[index], invitation=seen[index])
        return "revoked"

    outcomes = run_at_once(THREADS, revoke)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["revoked"], outcomes
    assert Invitation.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(action="invitation.revoked").count() == 1
