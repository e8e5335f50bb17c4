"""seed_demo creates the brand accounts of docs/design.md §7 with their grants, and is
idempotent."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from accounts.demo import demo_email
from accounts.models import User
from activity.models import AuditEvent
from channels_app import permissions
from channels_app.models import BrandAccount, BrandAccountConnection

EXTERNAL = {"mastodon", "bluesky", "linkedin", "x", "facebook"}
DEPARTMENTS = {"communications", "hr", "sales", "rnd", "support", "product"}


def _what(email: str) -> dict[tuple[str, str], list[str]]:
    """{(platform, owning department): permissions} for everything the person may see."""
    user = User.objects.get(email=demo_email(email))
    accounts = list(BrandAccount.objects.visible_to(user).select_related("department"))
    perms = permissions.perms_by_account(user, accounts)
    return {
        (a.platform, a.department.slug): permissions.sorted_perms(perms[a.pk]) for a in accounts
    }


def test_seed_demo_creates_the_accounts_and_grants(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())
    events = AuditEvent.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert AuditEvent.objects.count() == events  # the second run changed nothing

    accounts = BrandAccount.objects.select_related("department")
    assert {a.department.slug for a in accounts if a.platform == "internal"} == DEPARTMENTS
    assert {a.platform for a in accounts if a.platform != "internal"} == EXTERNAL
    assert {a.department.slug for a in accounts if a.platform != "internal"} == {"communications"}
    assert accounts.count() == len(DEPARTMENTS) + len(EXTERNAL)
    assert not BrandAccountConnection.objects.exists()  # not connected until credentials come

    sales_sme = _what("sme.sales")
    assert sales_sme == {
        ("internal", "sales"): ["draft_on"],
        # Communications' internal account is the organisation-wide feed; sales writes there.
        ("internal", "communications"): ["draft_on"],
        **{(platform, "communications"): ["draft_on"] for platform in EXTERNAL},
    }
    org_wide = accounts.filter(org_wide_feed=True)
    assert [(a.platform, a.department.slug) for a in org_wide] == [("internal", "communications")]
    assert _what("manager.sales") == sales_sme
    assert _what("sme.rnd") == {("internal", "rnd"): ["draft_on"]}
    comms = _what("comms")
    assert len(comms) == 11
    # Comms drafts on its own internal account (as a member) and reviews and publishes on all.
    assert comms.pop(("internal", "communications")) == ["draft_on", "review_on", "publish_on"]
    assert set(map(tuple, comms.values())) == {("review_on", "publish_on")}
    legal = _what("legal")
    assert legal.pop(("internal", "communications")) == ["draft_on", "review_on"]
    assert set(map(tuple, legal.values())) == {("review_on",)}
    assert _what("hr") == {("internal", "hr"): ["draft_on"]}
    admin = _what("admin")
    assert len(admin) == 11
    assert set(map(tuple, admin.values())) == {("draft_on", "review_on", "publish_on", "manage")}
