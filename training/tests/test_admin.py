"""Authoring in the Django admin goes through the same services as everything else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.utils import timezone

from accounts.models import User
from activity.models import AuditEvent
from training.models import Certification, CertificationRequirement, Course, Policy, Question
from training.tests.factories import certify, make_course

pytestmark = pytest.mark.django_db


def staff_client(user: User) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_publish_action_uses_the_service_and_its_checks(org_admin: User) -> None:
    good = make_course(published=False)
    broken = make_course(published=False)
    Question.objects.filter(course=broken).delete()
    client = staff_client(org_admin)

    response = client.post(
        "/admin/training/course/",
        {"action": "publish", ACTION_CHECKBOX_NAME: [good.pk, broken.pk]},
        follow=True,
    )

    assert "Add at least one question." in response.content.decode()
    assert list(Course.objects.filter(is_published=True)) == [good]
    assert AuditEvent.objects.filter(action="course.published", actor=org_admin).count() == 1


def test_requirements_saved_in_the_admin_are_audited(org_admin: User) -> None:
    course = make_course()
    client = staff_client(org_admin)
    form = {
        "title": course.title,
        "summary": course.summary,
        "pass_mark": 80,
        "validity_days": 365,
        "retake_cooldown_minutes": 0,
        "requirements-TOTAL_FORMS": 1,
        "requirements-INITIAL_FORMS": 0,
        "requirements-0-platform": "linkedin",
        "requirements-0-brand_account": "",
        "lessons-TOTAL_FORMS": 0,
        "lessons-INITIAL_FORMS": 0,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
    }
    response = client.post(f"/admin/training/course/{course.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CertificationRequirement.objects.get(course=course).platform == "linkedin"
    event = AuditEvent.objects.get(action="requirement.added")
    assert event.data == {"scope": "every LinkedIn account"}


def test_policy_versions_in_the_admin(org_admin: User) -> None:
    client = staff_client(org_admin)
    effective = timezone.now() + timedelta(days=1)
    response = client.post(
        "/admin/training/policy/add/",
        {
            "title": "Social media policy",
            "body": "Be kind.",
            "summary_of_changes": "",
            "effective_at_0": effective.strftime("%d/%m/%Y"),
            "effective_at_1": effective.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = Policy.objects.get()
    assert (policy.version, policy.created_by, policy.published_at) == (1, org_admin, None)

    client.post("/admin/training/policy/", {"action": "publish", ACTION_CHECKBOX_NAME: [policy.pk]})
    policy.refresh_from_db()
    assert policy.published_at is not None
    # Published: no more edits (a change is a new version).
    edit = client.post(
        f"/admin/training/policy/{policy.pk}/change/",
        {"title": "Changed", "body": "Changed", "summary_of_changes": ""},
    )
    assert edit.status_code == 403
    policy.refresh_from_db()
    assert policy.title == "Social media policy"


def test_revoke_action_asks_for_a_reason_then_uses_the_service(
    hr_user: User,
    sme: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    cert = certify(sme, make_course())
    client = staff_client(hr_user)

    ask = client.post(
        "/admin/training/certification/", {"action": "revoke", ACTION_CHECKBOX_NAME: [cert.pk]}
    )
    assert ask.status_code == 200
    assert "These certificates will be revoked" in ask.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/training/certification/",
            {"action": "revoke", ACTION_CHECKBOX_NAME: [cert.pk], "reason": "Misused the account."},
        )
    cert.refresh_from_db()
    assert (cert.revoked_by, cert.revoked_reason) == (hr_user, "Misused the account.")
    assert len(mailoutbox) == 1


def test_certificates_cannot_be_typed_in(org_admin: User, sme: User) -> None:
    cert = certify(sme, make_course())
    client = staff_client(org_admin)
    assert client.get("/admin/training/certification/add/").status_code == 403
    assert (
        client.post(f"/admin/training/certification/{cert.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Certification.objects.filter(pk=cert.pk).exists()


def test_staff_without_an_authoring_role_sees_no_training_admin(sme: User) -> None:
    client = staff_client(sme)
    assert client.get("/admin/training/course/").status_code == 403
