"""Revoking certificates, publishing and acknowledging policy versions, assigning courses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent
from core.errors import Conflict, InvalidInput
from training import services
from training.models import Assignment, Certification, Policy, PolicyAcknowledgement, TrainingNotice
from training.tests.factories import certify, make_course, make_policy

pytestmark = pytest.mark.django_db


# --- Revocation --------------------------------------------------------------------------------


def test_hr_revokes_with_a_reason_and_the_person_is_told(
    sme: User, hr_user: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    cert = certify(sme, make_course("Posting on X"))

    with django_capture_on_commit_callbacks(execute=True):
        services.certification_revoke(actor=hr_user, certification=cert, reason="Shared a secret.")

    cert.refresh_from_db()
    assert (cert.revoked_by, cert.revoked_reason) == (hr_user, "Shared a secret.")
    assert cert.revoked_at is not None
    event = AuditEvent.objects.get(action="certification.revoked")
    assert (event.actor, event.from_state, event.to_state, event.note) == (
        hr_user,
        "valid",
        "revoked",
        "Shared a secret.",
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["sme@example.test"]
    assert "Shared a secret." in mailoutbox[0].body
    assert TrainingNotice.objects.get(user=sme).kind == "revoked"


@pytest.mark.parametrize("who", ["manager", "sme", "comms_reviewer"])
def test_only_hr_and_org_admins_revoke(who: str, request: pytest.FixtureRequest, sme: User) -> None:
    actor = request.getfixturevalue(who)
    cert = certify(sme, make_course())
    with pytest.raises(PermissionDenied):
        services.certification_revoke(actor=actor, certification=cert, reason="No reason at all")
    cert.refresh_from_db()
    assert cert.revoked_at is None


def test_revocation_needs_a_reason_and_happens_once(sme: User, hr_user: User) -> None:
    cert = certify(sme, make_course())
    with pytest.raises(InvalidInput) as exc:
        services.certification_revoke(actor=hr_user, certification=cert, reason="  ")
    assert exc.value.field == "reason"
    services.certification_revoke(actor=hr_user, certification=cert, reason="Broke the rules.")
    with pytest.raises(Conflict):
        services.certification_revoke(actor=hr_user, certification=cert, reason="Again, twice.")
    assert AuditEvent.objects.filter(action="certification.revoked").count() == 1


# --- Policy ------------------------------------------------------------------------------------


def test_versions_are_numbered_and_published_once(org_admin: User) -> None:
    first = make_policy()
    draft = services.policy_create(
        actor=org_admin, title="Policy", body="Text", effective_at=timezone.now()
    )
    assert (first.version, draft.version) == (1, 2)
    services.policy_publish(actor=org_admin, policy=draft)
    with pytest.raises(Conflict):
        services.policy_publish(actor=org_admin, policy=draft)
    with pytest.raises(Conflict):
        services.policy_update_draft(
            actor=org_admin,
            policy=draft,
            title="Changed",
            body="Changed",
            effective_at=draft.effective_at,
            summary_of_changes="",
        )


def test_only_org_admins_write_policies(hr_user: User) -> None:
    with pytest.raises(PermissionDenied):
        services.policy_create(actor=hr_user, title="P", body="B", effective_at=timezone.now())
    assert not Policy.objects.exists()


def test_a_version_cannot_take_effect_before_the_newest_published(org_admin: User) -> None:
    make_policy(effective_at=timezone.now())
    older = services.policy_create(
        actor=org_admin, title="P", body="B", effective_at=timezone.now() - timedelta(days=5)
    )
    with pytest.raises(InvalidInput) as exc:
        services.policy_publish(actor=org_admin, policy=older)
    assert exc.value.field == "effective_at"


def test_acknowledging_is_idempotent_and_audited(sme: User) -> None:
    policy = make_policy()
    ack, created = services.policy_acknowledge(actor=sme, policy=policy)
    again, created_again = services.policy_acknowledge(actor=sme, policy=policy)
    assert (created, created_again, ack.pk) == (True, False, again.pk)
    assert AuditEvent.objects.filter(action="policy.acknowledged").count() == 1


def test_a_superseded_version_cannot_be_acknowledged(sme: User) -> None:
    old = make_policy(effective_at=timezone.now() - timedelta(days=5))
    make_policy(effective_at=timezone.now() - timedelta(days=1))
    with pytest.raises(Conflict) as exc:
        services.policy_acknowledge(actor=sme, policy=old)
    assert exc.value.code == "superseded"
    assert not PolicyAcknowledgement.objects.exists()


# --- Assignments -------------------------------------------------------------------------------


def test_hr_assigns_a_department_and_everyone_is_told(
    hr_user: User,
    sme: User,
    manager: User,
    sales: Department,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    course = make_course("Basics")
    due = timezone.localdate() + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.assignment_create(
            actor=hr_user, course=course, department=sales, due_on=due
        )
    assert assignment.assigned_by == hr_user
    assert sorted(m.to[0] for m in mailoutbox) == ["manager@example.test", "sme@example.test"]
    assert TrainingNotice.objects.filter(kind="assigned").count() == 2
    assert AuditEvent.objects.filter(action="assignment.created").count() == 1


def test_a_manager_assigns_only_within_their_department(
    manager: User, sme: User, outsider: User, rnd: Department, sales: Department
) -> None:
    course = make_course()
    due = timezone.localdate() + timedelta(days=7)
    services.assignment_create(actor=manager, course=course, user=sme, due_on=due)
    with pytest.raises(InvalidInput) as exc:
        services.assignment_create(actor=manager, course=course, user=outsider, due_on=due)
    assert exc.value.field == "user"
    with pytest.raises(InvalidInput) as exc:
        services.assignment_create(actor=manager, course=course, department=rnd, due_on=due)
    assert exc.value.field == "department"
    assert Assignment.objects.count() == 1


def test_an_sme_cannot_assign(sme: User, outsider: User) -> None:
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=sme,
            course=make_course(),
            user=outsider,
            due_on=timezone.localdate() + timedelta(days=1),
        )


@pytest.mark.parametrize(
    ("days", "field"), [(-1, "due_on"), (800, "due_on")], ids=["past", "too far"]
)
def test_bad_due_dates(hr_user: User, sme: User, days: int, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.assignment_create(
            actor=hr_user,
            course=make_course(),
            user=sme,
            due_on=timezone.localdate() + timedelta(days=days),
        )
    assert exc.value.field == field
    assert not Assignment.objects.exists()


def test_the_same_course_is_not_assigned_twice_and_can_be_cancelled(
    hr_user: User, sme: User
) -> None:
    course = make_course()
    due = timezone.localdate() + timedelta(days=3)
    first = services.assignment_create(actor=hr_user, course=course, user=sme, due_on=due)
    with pytest.raises(InvalidInput) as exc:
        services.assignment_create(actor=hr_user, course=course, user=sme, due_on=due)
    assert exc.value.field == "course"
    services.assignment_cancel(actor=hr_user, assignment=first)
    services.assignment_create(actor=hr_user, course=course, user=sme, due_on=due)
    assert Assignment.objects.filter(cancelled_at=None).count() == 1


def test_unpublished_course_cannot_be_assigned(hr_user: User, sme: User) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.assignment_create(
            actor=hr_user,
            course=make_course(published=False),
            user=sme,
            due_on=timezone.localdate(),
        )
    assert exc.value.field == "course"


def test_manager_cannot_cancel_another_departments_assignment(
    hr_user: User, manager: User, outsider: User
) -> None:
    assignment = services.assignment_create(
        actor=hr_user, course=make_course(), user=outsider, due_on=timezone.localdate()
    )
    with pytest.raises(InvalidInput):
        services.assignment_cancel(actor=manager, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.cancelled_at is None


def test_certificate_history_stays_after_revocation(sme: User, hr_user: User) -> None:
    cert = certify(sme, make_course())
    services.certification_revoke(actor=hr_user, certification=cert, reason="Broke the rules.")
    assert Certification.objects.filter(pk=cert.pk).exists()
