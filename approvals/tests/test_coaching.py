"""Coaching from review outcomes: reasons on decisions, the streak that assigns the reason's
course once, the taxonomy pages and who sees the feedback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from activity.models import AuditEvent, Notification
from approvals import services
from approvals.models import CoachingAssignment, Decision, ReviewReason
from approvals.tests.factories import submitted_post
from channels_app.models import BrandAccount
from core.errors import InvalidInput, NotAllowed
from training import services as training_services
from training.models import Assignment
from training.tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def tone(settings: Any) -> ReviewReason:
    settings.SOCIALHUB_COACHING_THRESHOLD = 3
    reason = ReviewReason.objects.get(slug="tone")
    reason.course = make_course("Writing in the brand's voice")
    reason.save()
    return reason


def _changes(author: User, account: BrandAccount, reviewer: User, reason: str) -> Decision:
    post = submitted_post(author, account)
    return services.post_request_changes(
        post=post, actor=reviewer, note="Softer, please.", reason=reason
    )


def test_three_tone_reasons_assign_the_course_once_and_tell_person_and_manager(
    sme: User, manager: User, account: BrandAccount, comms_reviewer: User, tone: ReviewReason
) -> None:
    _changes(sme, account, comms_reviewer, "tone")
    _changes(sme, account, comms_reviewer, "accuracy")  # another kind: not counted
    _changes(sme, account, comms_reviewer, "tone")
    assert not CoachingAssignment.objects.exists()

    _changes(sme, account, comms_reviewer, "tone")

    coaching = CoachingAssignment.objects.get()
    assert (coaching.person, coaching.reason, coaching.count) == (sme, tone, 3)
    assignment = Assignment.objects.get(user=sme)
    assert assignment.course == tone.course
    assert "Coaching" in assignment.note
    assert Notification.objects.filter(recipient=sme, kind="coaching").count() == 1
    assert Notification.objects.filter(recipient=manager, kind="coaching").count() == 1
    assert AuditEvent.objects.filter(action="coaching.assigned").count() == 1

    # The streak is spent: a fourth tone decision starts a new one, nothing is assigned again.
    _changes(sme, account, comms_reviewer, "tone")
    assert CoachingAssignment.objects.count() == 1
    assert Assignment.objects.filter(user=sme).count() == 1


def test_a_reason_without_a_course_or_a_threshold_of_zero_assigns_nothing(
    sme: User, account: BrandAccount, comms_reviewer: User, settings: Any
) -> None:
    settings.SOCIALHUB_COACHING_THRESHOLD = 1
    _changes(sme, account, comms_reviewer, "brand")  # no course linked
    assert not CoachingAssignment.objects.exists()
    tone = ReviewReason.objects.get(slug="tone")
    tone.course = make_course("Writing in the brand's voice")
    tone.save()
    settings.SOCIALHUB_COACHING_THRESHOLD = 0  # coaching switched off
    _changes(sme, account, comms_reviewer, "tone")
    assert not CoachingAssignment.objects.exists()
    assert not Assignment.objects.exists()


def test_a_course_the_department_already_has_is_not_assigned_again(
    sme: User,
    manager: User,
    sales: Any,
    account: BrandAccount,
    comms_reviewer: User,
    hr_user: User,
    tone: ReviewReason,
) -> None:
    assert tone.course is not None
    training_services.assignment_create(
        actor=hr_user,
        course=tone.course,
        due_on=timezone.localdate() + timedelta(days=30),
        department=sales,
    )
    for _ in range(3):
        _changes(sme, account, comms_reviewer, "tone")

    coaching = CoachingAssignment.objects.get()
    assert coaching.assignment is None  # the department's assignment covers it
    assert not Assignment.objects.filter(user=sme).exists()
    told = Notification.objects.get(recipient=sme, kind="coaching")
    assert "already have" in told.message


def test_decisions_carry_their_reason_and_other_when_none(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    decision = services.post_reject(post=post, actor=comms_reviewer, note="Not for us.")
    assert decision.reason is not None
    assert decision.reason.slug == "other"
    with pytest.raises(InvalidInput) as refused:
        services.post_request_changes(
            post=submitted_post(sme, account), actor=comms_reviewer, note="x", reason="nonsense"
        )
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput):
        services.post_approve(
            post=submitted_post(sme, account), actor=comms_reviewer, reason="tone"
        )
    assert Decision.objects.count() == 1


def test_the_review_page_needs_a_reason_for_changes(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    client = Client()
    client.force_login(comms_reviewer)
    page = client.get(f"/posts/{post.pk}/review/").content.decode()
    assert 'name="reason"' in page
    assert "Confidentiality" in page
    refused = client.post(
        f"/posts/{post.pk}/decide/", {"verdict": "changes", "note": "Fix it.", "revision": 1}
    )
    assert refused.status_code == 400
    assert not Decision.objects.exists()


def test_api_decision_with_a_reason_and_a_bad_one(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    api = APIClient()
    api.force_authenticate(comms_reviewer)
    bad = api.post(
        f"/api/v1/posts/{post.pk}/request-changes/", {"note": "x", "reason": "nope"}, format="json"
    )
    assert bad.status_code == 400
    assert "reason" in bad.content.decode()
    good = api.post(
        f"/api/v1/posts/{post.pk}/request-changes/",
        {"note": "Check the date.", "reason": "accuracy"},
        format="json",
    )
    assert good.status_code == 200
    assert Decision.objects.get().reason.slug == "accuracy"  # type: ignore[union-attr]


def test_taxonomy_pages_are_org_admins_and_feedback_is_scoped(
    sme: User,
    manager: User,
    org_admin: User,
    outsider: User,
    account: BrandAccount,
    comms_reviewer: User,
) -> None:
    _changes(sme, account, comms_reviewer, "tone")
    admin = Client()
    admin.force_login(org_admin)
    assert admin.get("/review-reasons/").status_code == 200
    added = admin.post("/review-reasons/", {"name": "Timing", "description": "Wrong moment."})
    assert added.status_code == 302
    assert AuditEvent.objects.filter(action="review_reason.created").exists()
    duplicate = admin.post("/review-reasons/", {"name": "timing"})
    assert duplicate.status_code == 400
    assert ReviewReason.objects.filter(name__iexact="timing").count() == 1

    author = Client()
    author.force_login(sme)
    assert author.get("/review-reasons/").status_code == 404
    feedback = author.get("/my-feedback/").content.decode()
    assert "Tone" in feedback
    assert "Softer, please." in feedback

    reason = ReviewReason.objects.get(slug="timing")
    blank = admin.post(f"/review-reasons/{reason.pk}/", {"name": "  ", "is_active": "on"})
    assert blank.status_code == 400
    reason.refresh_from_db()
    assert reason.name == "Timing"
    assert author.get(f"/review-reasons/{reason.pk}/").status_code == 404

    boss = Client()
    boss.force_login(manager)
    assert "Tone" in boss.get("/review-reasons/summary/").content.decode()
    # A department the manager does not lead answers as if it did not exist.
    assert boss.get("/review-reasons/summary/?department=rnd").status_code == 404
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.get("/review-reasons/summary/").status_code == 404
    assert "Softer" not in stranger.get("/my-feedback/").content.decode()


def test_only_org_admins_edit_reasons_and_other_stays(org_admin: User, sme: User) -> None:
    with pytest.raises(NotAllowed):
        services.review_reason_create(actor=sme, name="Mine")
    other = ReviewReason.objects.get(slug="other")
    with pytest.raises(InvalidInput):
        services.review_reason_update(actor=org_admin, reason=other, name="Other", is_active=False)
