"""seed_demo builds the demo organisation of docs/design.md §7 and is idempotent."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts import authz
from accounts.models import Department, Membership, User
from activity.models import AuditEvent

pytestmark = pytest.mark.django_db

DEMO = "demo.socialhub.test"


def snapshot() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Department.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def test_seed_demo_creates_the_organisation_and_is_idempotent() -> None:
    call_command("seed_demo", verbosity=0)
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first
    assert set(Department.objects.values_list("slug", flat=True)) >= {
        "communications",
        "hr",
        "sales",
        "rnd",
        "support",
        "product",
    }
    for local in ("admin", "comms", "legal", "hr", "manager.sales", "sme.sales", "sme.rnd"):
        assert authenticate(username=f"{local}@{DEMO}", password="socialhub-demo"), local
    admin = User.objects.get(email=f"admin@{DEMO}")
    assert authz.is_org_admin(admin)
    assert admin.is_staff
    comms = User.objects.get(email=f"comms@{DEMO}")
    assert authz.org_roles(comms) == {"comms-reviewers", "triage"}
    legal = User.objects.get(email=f"legal@{DEMO}")
    assert authz.org_roles(legal) == {"legal-reviewers"}
    assert authz.org_roles(User.objects.get(email=f"hr@{DEMO}")) == {"hr"}
    manager = User.objects.get(email=f"manager.sales@{DEMO}")
    assert Membership.objects.get(user=manager).role == "manager"
    assert Membership.objects.get(user__email=f"sme.rnd@{DEMO}").department.slug == "rnd"
