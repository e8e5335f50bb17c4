"""Two org admins taking the role from each other at the same instant: the org-admin group's row
lock runs the changes one at a time, so exactly one succeeds and the organisation keeps an org
admin. PostgreSQL only: SQLite serialises whole transactions, so the race cannot happen there."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts import authz, services
from accounts.models import User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, give_org_role
from activity.models import AuditEvent
from core.errors import NotAllowed
from core.tests.races import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks to race"
    ),
]


@pytest.fixture(autouse=True)
def _slow_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each check takes a moment after it has read the database, so both requests are surely
    between their check and their write at the same time: without the lock both would pass."""
    for name in ("_is_active_org_admin", "_is_last_active_org_admin"):
        check = getattr(services, name)

        def slow(*args: Any, _check: Any = check) -> Any:
            answer = _check(*args)
            time.sleep(0.3)
            return answer

        monkeypatch.setattr(services, name, slow)


def _admins() -> set[int]:
    return set(authz.users_with_org_role(OrgRole.ORG_ADMIN).values_list("pk", flat=True))


@pytest.mark.parametrize("attempt", range(3))
def test_two_admins_removing_each_other_at_once_leave_one_admin(attempt: int) -> None:
    first = give_org_role(UserFactory.create(email="first@example.test"), OrgRole.ORG_ADMIN)
    second = give_org_role(UserFactory.create(email="second@example.test"), OrgRole.ORG_ADMIN)
    pairs = [(first, second), (second, first)]
    for actor, _target in pairs:
        assert authz.is_org_admin(actor)  # both requests passed the first check before racing
    since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def remove(index: int) -> str:
        actor, target = pairs[index]
        try:
            services.org_roles_set(actor=actor, user=target, roles=[])
        except (NotAllowed, PermissionDenied):
            return "refused"  # the role was taken from the actor first
        return "removed"

    outcomes = run_at_once(2, remove)
    # The loser finds, once it holds the lock, that it is no org admin any more (403) — or,
    # had it checked the target first, that the target is the last one (409): never both win.
    assert sorted(outcomes) in (["refused", "removed"], ["conflict", "removed"]), outcomes
    assert len(_admins()) == 1
    assert _admins() <= {first.pk, second.pk}
    assert AuditEvent.objects.filter(id__gt=since, action="org_role.revoked").count() == 1


def test_two_admins_removing_themselves_at_once_leave_one_admin() -> None:
    admins = [
        give_org_role(UserFactory.create(email=f"admin{n}@example.test"), OrgRole.ORG_ADMIN)
        for n in range(2)
    ]

    def step_down(index: int) -> str:
        services.org_roles_set(actor=admins[index], user=admins[index], roles=[OrgRole.HR])
        return "stepped down"

    outcomes = run_at_once(2, step_down)
    assert sorted(outcomes) == ["conflict", "stepped down"], outcomes
    assert len(_admins()) == 1
    remaining = User.objects.get(pk=next(iter(_admins())))
    assert not remaining.groups.filter(name="HR").exists()  # the refused change wrote nothing
