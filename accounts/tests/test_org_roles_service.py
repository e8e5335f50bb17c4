"""accounts.services.org_roles_set: the one place where organisation roles change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from accounts import authz, services
from accounts.models import User
from accounts.roles import GROUP_NAMES, OrgRole
from accounts.tests.factories import UserFactory, give_org_role
from activity.models import AuditEvent
from core.errors import Conflict, InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db


def _roles(user: User) -> set[str]:
    by_name = {name: role for role, name in GROUP_NAMES.items()}
    return {by_name[name] for name in user.groups.values_list("name", flat=True) if name in by_name}


def _mark() -> int:
    """The newest audit event's id: events are append-only, so a test counts those after it."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _events(user: User, since: int = 0) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(
            id__gt=since, target_id=str(user.pk), action__startswith="org_role."
        )
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


def test_sets_exactly_the_roles_given_with_one_event_per_change(org_admin: User, sme: User) -> None:
    give_org_role(sme, OrgRole.HR)
    since = _mark()
    held = services.org_roles_set(
        actor=org_admin, user=sme, roles=[OrgRole.TRIAGE, OrgRole.COMMS_REVIEWER]
    )
    assert held == {OrgRole.TRIAGE, OrgRole.COMMS_REVIEWER}
    assert _roles(sme) == {OrgRole.TRIAGE, OrgRole.COMMS_REVIEWER}
    assert sorted(_events(sme, since)) == [
        ("org_role.granted", "", "comms-reviewers"),
        ("org_role.granted", "", "triage"),
        ("org_role.revoked", "hr", ""),
    ]
    event = AuditEvent.objects.filter(id__gt=since, action="org_role.revoked").get()
    assert event.actor == org_admin
    assert event.target_type == "accounts.user"


def test_no_change_writes_no_event(org_admin: User, sme: User) -> None:
    give_org_role(sme, OrgRole.TRIAGE)
    since = _mark()
    services.org_roles_set(actor=org_admin, user=sme, roles=[OrgRole.TRIAGE, OrgRole.TRIAGE])
    assert _roles(sme) == {OrgRole.TRIAGE}
    assert not AuditEvent.objects.filter(id__gt=since).exists()


def test_the_role_cache_of_the_person_is_dropped(org_admin: User, sme: User) -> None:
    assert not authz.has_org_role(sme, OrgRole.TRIAGE)  # cached on the object
    services.org_roles_set(actor=org_admin, user=sme, roles=[OrgRole.TRIAGE])
    assert authz.has_org_role(sme, OrgRole.TRIAGE)


@pytest.mark.parametrize("who", ["sme", "manager", "hr_user", "comms_reviewer"])
def test_only_org_admins_change_roles(who: str, sme: User, request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.org_roles_set(actor=actor, user=sme, roles=[OrgRole.ORG_ADMIN])
    assert _roles(sme) == set()
    assert not AuditEvent.objects.filter(action__startswith="org_role.", actor=actor).exists()


def test_unknown_role_is_bad_input_and_nothing_changes(org_admin: User, sme: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.org_roles_set(actor=org_admin, user=sme, roles=[OrgRole.TRIAGE, "superhero"])
    assert refused.value.field == "org_roles"
    assert "superhero" in refused.value.message
    assert _roles(sme) == set()


def test_the_last_active_org_admin_keeps_the_role(org_admin: User) -> None:
    since = _mark()
    with pytest.raises(Conflict) as refused:
        services.org_roles_set(actor=org_admin, user=org_admin, roles=[OrgRole.HR])
    assert refused.value.code == "last_org_admin"
    assert _roles(org_admin) == {OrgRole.ORG_ADMIN}  # the HR role was not given either
    assert not AuditEvent.objects.filter(id__gt=since).exists()


def test_a_deactivated_admin_does_not_count_as_the_other_admin(org_admin: User) -> None:
    dormant = give_org_role(UserFactory.create(), OrgRole.ORG_ADMIN)
    User.objects.filter(pk=dormant.pk).update(is_active=False)
    with pytest.raises(Conflict):
        services.org_roles_set(actor=org_admin, user=org_admin, roles=[])
    other = give_org_role(UserFactory.create(), OrgRole.ORG_ADMIN)
    services.org_roles_set(actor=org_admin, user=org_admin, roles=[])
    assert _roles(org_admin) == set()
    # A superuser is an org admin without the group: the role may go from the last member.
    User.objects.filter(pk=other.pk).update(is_superuser=True)
    services.org_roles_set(actor=None, user=other, roles=[])
    assert _roles(other) == set()


def test_roles_are_not_given_to_a_deactivated_person(org_admin: User, sme: User) -> None:
    give_org_role(sme, OrgRole.HR)
    User.objects.filter(pk=sme.pk).update(is_active=False)
    sme.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        services.org_roles_set(actor=org_admin, user=sme, roles=[OrgRole.HR, OrgRole.TRIAGE])
    assert refused.value.code == "inactive_user"
    assert _roles(sme) == {OrgRole.HR}
    # Taking roles away from a deactivated person is fine.
    services.org_roles_set(actor=org_admin, user=sme, roles=[])
    assert _roles(sme) == set()


def test_an_admin_who_lost_the_role_meanwhile_changes_nothing(org_admin: User, sme: User) -> None:
    give_org_role(UserFactory.create(), OrgRole.ORG_ADMIN)
    assert authz.is_org_admin(org_admin)  # cached, as on a request that started earlier
    org_admin.groups.remove(Group.objects.get(name=GROUP_NAMES[OrgRole.ORG_ADMIN]))
    with pytest.raises(NotAllowed):  # 403, found once the change holds the lock
        services.org_roles_set(actor=org_admin, user=sme, roles=[OrgRole.HR])
    assert _roles(sme) == set()


def test_the_single_role_service_goes_the_same_way(org_admin: User, sme: User) -> None:
    since = _mark()
    services.org_role_set(actor=org_admin, user=sme, role=OrgRole.TRIAGE, held=True)
    services.org_role_set(actor=org_admin, user=sme, role=OrgRole.TRIAGE, held=True)
    assert len(_events(sme, since)) == 1
    with pytest.raises(Conflict):
        services.org_role_set(actor=org_admin, user=org_admin, role=OrgRole.ORG_ADMIN, held=False)
