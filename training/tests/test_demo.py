"""The demo organisation's training part (docs/design.md §7)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Department, User
from channels_app.platforms import Platform
from dashboards import demo
from training.models import (
    Assignment,
    Attempt,
    Certification,
    Course,
    Policy,
    PolicyAcknowledgement,
)
from training.requirements import missing_requirements
from training.tests.factories import brand_account

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Course, Certification, Attempt, Policy, PolicyAcknowledgement, Assignment)
    )


def test_seed_creates_courses_policy_and_the_two_smes_and_is_idempotent() -> None:
    demo.seed_demo()
    first = counts()
    demo.seed_demo()
    assert counts() == first

    assert Course.objects.published().count() == 5
    assert Course.objects.get(title="Social media basics").lessons.count() == 4
    assert Policy.objects.in_force_at(timezone.now()).get().version == 1

    sales_sme = User.objects.get(email=demo_email("sme.sales"))
    rnd_sme = User.objects.get(email=demo_email("sme.rnd"))
    sales = Department.objects.get(slug="sales")
    for platform in (p.value for p in Platform):
        account = brand_account(platform, sales)
        assert missing_requirements(sales_sme, account) == [], platform
        needs = {m.kind for m in missing_requirements(rnd_sme, account)}
        assert needs == {"certification", "policy"}, platform
    assert not Certification.objects.filter(user=rnd_sme).exists()
    assert Assignment.objects.get().department.slug == "rnd"  # type: ignore[union-attr]
