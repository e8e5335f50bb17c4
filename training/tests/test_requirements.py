"""missing_requirements: the gate the workflow asks on submit."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import Department, User
from training import services
from training.models import CertificationRequirement
from training.requirements import MissingRequirement, missing_requirements
from training.tests.factories import brand_account, certify, make_course, make_policy

pytestmark = pytest.mark.django_db

ISSUED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def test_nothing_required_means_nothing_missing(sme: User, sales: Department) -> None:
    assert missing_requirements(sme, brand_account("x", sales)) == []


def test_a_platform_requirement_applies_only_to_that_platform(sme: User, sales: Department) -> None:
    course = make_course("Posting on X", platforms=("x",))
    x_account = brand_account("x", sales)
    linkedin = brand_account("linkedin", sales)

    missing = missing_requirements(sme, x_account)

    assert missing == [
        MissingRequirement(
            kind="certification",
            message="Pass the course 'Posting on X'.",
            course_id=course.pk,
            reason="missing",
            url=f"/training/courses/{course.pk}/",
        )
    ]
    assert missing_requirements(sme, linkedin) == []


def test_an_everywhere_requirement_and_an_account_requirement(sme: User, sales: Department) -> None:
    basics = make_course("Basics", everywhere=True)
    special = make_course("Special account")
    account = brand_account("mastodon", sales)
    other = brand_account("mastodon", sales)
    CertificationRequirement.objects.create(course=special, brand_account=account)

    assert [m.course_id for m in missing_requirements(sme, account)] == [basics.pk, special.pk]
    assert [m.course_id for m in missing_requirements(sme, other)] == [basics.pk]


def test_expiry_is_exact_to_the_second(sme: User, sales: Department) -> None:
    course = make_course(platforms=("x",))
    account = brand_account("x", sales)
    expires = ISSUED + timedelta(days=365)
    certify(sme, course, issued_at=ISSUED, expires_at=expires)

    assert missing_requirements(sme, account, now=expires - timedelta(seconds=1)) == []
    at_expiry = missing_requirements(sme, account, now=expires)
    assert [(m.kind, m.reason) for m in at_expiry] == [("certification", "expired")]
    assert "expired" in at_expiry[0].message


def test_expiry_does_not_move_with_the_time_zone(sme: User, sales: Department) -> None:
    """The same instant written in another zone (across a DST change) gives the same answer."""
    course = make_course(platforms=("x",))
    account = brand_account("x", sales)
    # 2026-10-25 01:30 UTC: Europe/Paris has just left summer time (03:00 CEST -> 02:00 CET).
    expires = datetime(2026, 10, 25, 1, 30, 0, tzinfo=UTC)
    certify(sme, course, issued_at=expires - timedelta(days=30), expires_at=expires)
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")

    with timezone.override(auckland):  # a person whose pages are in another zone
        just_before = (expires - timedelta(seconds=1)).astimezone(paris)
        assert missing_requirements(sme, account, now=just_before) == []
        same_instant = expires.astimezone(auckland)
        assert [m.reason for m in missing_requirements(sme, account, now=same_instant)] == [
            "expired"
        ]


def test_revoked_certificate_does_not_count(sme: User, sales: Department) -> None:
    course = make_course(platforms=("x",))
    certify(sme, course, revoked=True)

    missing = missing_requirements(sme, brand_account("x", sales))

    assert [m.reason for m in missing] == ["revoked"]
    assert "revoked" in missing[0].message


def test_unpublished_course_is_not_enforced(sme: User, sales: Department) -> None:
    make_course(platforms=("x",), published=False)
    assert missing_requirements(sme, brand_account("x", sales)) == []


def test_unacknowledged_current_policy_is_missing(sme: User, sales: Department) -> None:
    policy = make_policy()
    account = brand_account("x", sales)

    assert missing_requirements(sme, account) == [
        MissingRequirement(
            kind="policy",
            message="Read and acknowledge the social media policy (version 1).",
            policy_id=policy.pk,
            url="/training/policy/",
        )
    ]
    services.policy_acknowledge(actor=sme, policy=policy)
    assert missing_requirements(sme, account) == []


def test_a_new_policy_version_must_be_acknowledged_again(sme: User, sales: Department) -> None:
    account = brand_account("x", sales)
    v1 = make_policy(effective_at=timezone.now() - timedelta(days=10))
    services.policy_acknowledge(actor=sme, policy=v1)
    assert missing_requirements(sme, account) == []

    v2 = make_policy(effective_at=timezone.now() - timedelta(seconds=1))

    assert [(m.kind, m.policy_id) for m in missing_requirements(sme, account)] == [
        ("policy", v2.pk)
    ]


def test_an_upcoming_version_is_not_required_before_it_takes_effect(
    sme: User, sales: Department
) -> None:
    account = brand_account("x", sales)
    v1 = make_policy(effective_at=timezone.now() - timedelta(days=10))
    services.policy_acknowledge(actor=sme, policy=v1)
    effective = timezone.now() + timedelta(days=3)
    make_policy(effective_at=effective)

    assert missing_requirements(sme, account) == []
    assert [m.kind for m in missing_requirements(sme, account, now=effective)] == ["policy"]


def test_the_query_count_does_not_grow_with_courses(
    sme: User, sales: Department, django_assert_num_queries: object
) -> None:
    make_policy()
    account = brand_account("x", sales)
    make_course(platforms=("x",))

    # 1: requirements with the certificate state; 2: the current policy with the acknowledgement.
    with django_assert_num_queries(2):  # type: ignore[operator]
        assert len(missing_requirements(sme, account)) == 2

    for _ in range(6):
        course = make_course(platforms=("x",))
        certify(sme, course)
    make_course(everywhere=True)
    with django_assert_num_queries(2):  # type: ignore[operator]
        assert len(missing_requirements(sme, account)) == 3
