"""The approval-rule pages (org admins): list, add, change, retire; 404 for everyone else; a bad
form is a 400 with the field's message and writes nothing; the review screen shows each stage,
its state and why."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Department, User
from approvals import services
from approvals.models import ApprovalRule, ApprovalRuleSet
from approvals.services import approval_rules
from approvals.tests.factories import make_post
from channels_app.models import BrandAccount


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(hr_user: User, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Recruiting posts need HR",
        "content_rules": ["recruiting"],
        "stage_name": "HR",
        "reviewers": [hr_user.pk],
        "approval": "any",
        "order": "sequence",
        **extra,
    }


def test_an_org_admin_adds_changes_and_retires_a_rule(
    org_admin: User, hr_user: User, sales: Department
) -> None:
    client = _client(org_admin)
    page = client.get("/approval-rules/")
    assert page.status_code == 200
    assert b"No rules yet" in page.content

    added = client.post("/approval-rules/", _form(hr_user, departments=[sales.pk]))
    assert added.status_code == 302
    rule = ApprovalRule.objects.get()
    assert (rule.stage_name, list(rule.departments.all())) == ("HR", [sales])
    listed = client.get("/approval-rules/")
    assert b"Recruiting posts need HR" in listed.content

    edit = client.get(f"/approval-rules/{rule.pk}/")
    assert edit.status_code == 200
    assert b"version 2" in edit.content
    saved = client.post(f"/approval-rules/{rule.pk}/", _form(hr_user, approval="all"))
    assert saved.status_code == 302
    rule.refresh_from_db()
    assert (rule.approval, rule.version) == ("all", 2)

    assert client.post(f"/approval-rules/{rule.pk}/retire/").status_code == 302
    rule.refresh_from_db()
    assert rule.is_retired
    assert b"Retired rules" in client.get("/approval-rules/").content
    assert ApprovalRuleSet.objects.count() == 3


def test_a_bad_form_is_400_with_the_fields_message(org_admin: User, hr_user: User) -> None:
    answer = _client(org_admin).post("/approval-rules/", _form(hr_user, stage_name="Legal"))
    assert answer.status_code == 400
    assert "name the new stage differently" in answer.content.decode()
    no_reviewers = _client(org_admin).post("/approval-rules/", _form(hr_user, reviewers=[]))
    assert no_reviewers.status_code == 400
    assert not ApprovalRule.objects.exists()


@pytest.mark.parametrize("who", ["sme", "comms_reviewer", "hr_user", "manager"])
def test_the_pages_are_404_to_everyone_else(
    org_admin: User, hr_user: User, who: str, request: pytest.FixtureRequest
) -> None:
    rule = approval_rules.approval_rule_create(
        actor=org_admin, name="R", stage_name="HR", reviewers=[hr_user]
    )
    client = _client(request.getfixturevalue(who))
    assert client.get("/approval-rules/").status_code == 404
    assert client.post("/approval-rules/", _form(hr_user)).status_code == 404
    assert client.get(f"/approval-rules/{rule.pk}/").status_code == 404
    assert client.post(f"/approval-rules/{rule.pk}/retire/").status_code == 404
    rule.refresh_from_db()
    assert not rule.is_retired
    assert ApprovalRule.objects.count() == 1


def test_the_nav_offers_the_page_to_org_admins_only(org_admin: User, sme: User) -> None:
    assert b'href="/approval-rules/"' in _client(org_admin).get("/").content
    assert b'href="/approval-rules/"' not in _client(sme).get("/").content


def test_the_review_screen_shows_each_stage_and_why(
    org_admin: User,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    hr_user: User,
) -> None:
    approval_rules.approval_rule_create(
        actor=org_admin,
        name="Recruiting posts need HR",
        stage_name="HR",
        content_rules=["recruiting"],
        reviewers=[hr_user],
    )
    post = make_post(sme, account, "We're hiring a designer.")
    services.post_submit(post=post, actor=sme)
    page = _client(comms_reviewer).get(f"/posts/{post.pk}/review/").content.decode()
    assert "after the stages before it" in page
    assert "Rule “Recruiting posts need HR” (version 1)" in page
    services.post_approve(post=post, actor=comms_reviewer)

    hr = _client(hr_user)
    queue = hr.get("/review/")
    assert queue.status_code == 200
    assert f"/posts/{post.pk}/review/" in queue.content.decode()
    assert b'href="/review/"' in queue.content  # the nav offers the queue
    review = hr.get(f"/posts/{post.pk}/review/").content.decode()
    assert "approved by Colin Comms" in review
    decided = hr.post(
        f"/posts/{post.pk}/decide/", {"verdict": "approve", "revision": 1, "note": ""}
    )
    assert decided.status_code == 302
    post.refresh_from_db()
    assert post.state == "approved"
