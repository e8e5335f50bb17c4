"""The approval-rules API (`approval-rules/`) and the stages a post's API shows: org admins only
(404 for everyone else), strict types (400 naming the field, nothing written), and constant
query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from accounts.tests.factories import UserFactory
from activity.models import AuditEvent
from approvals import services
from approvals.models import ApprovalRule, ApprovalRuleSet
from approvals.services import approval_rules
from approvals.tests.factories import make_post
from channels_app.models import BrandAccount

ApiAs = Callable[[User | None], Any]
URL = "/api/v1/approval-rules/"


def _body(reviewer: User, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Recruiting posts need HR",
        "content_rules": ["recruiting"],
        "stage_name": "HR",
        "reviewers": [reviewer.pk],
        **extra,
    }


def test_an_org_admin_adds_reads_changes_and_retires_a_rule(
    api_as: ApiAs, org_admin: User, hr_user: User, sales: Department
) -> None:
    client = api_as(org_admin)
    created = client.post(URL, _body(hr_user, departments=[sales.pk]), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["name"], body["stage_name"], body["version"], body["retired"]) == (
        "Recruiting posts need HR",
        "HR",
        1,
        False,
    )
    assert [r["id"] for r in body["reviewers"]] == [hr_user.pk]
    assert [d["slug"] for d in body["departments"]] == ["sales"]
    assert body["stage_key"] == f"rule-{body['id']}"
    url = f"{URL}{body['id']}/"

    assert client.get(url).json()["id"] == body["id"]
    changed = client.patch(url, {"approval": "all", "order": "parallel"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["approval"], changed.json()["version"]) == ("all", 2)
    assert changed.json()["stage_name"] == "HR"  # the fields not sent stay
    replaced = client.put(url, _body(hr_user, name="HR reviews recruiting"), format="json")
    assert replaced.status_code == 200, replaced.json()
    assert (replaced.json()["name"], replaced.json()["departments"]) == (
        "HR reviews recruiting",
        [],
    )

    assert client.delete(url).status_code == 204
    listed = client.get(URL).json()
    assert [(r["id"], r["retired"]) for r in listed["results"]] == [(body["id"], True)]
    assert ApprovalRuleSet.objects.count() == 4
    assert AuditEvent.objects.filter(action__startswith="approval_rule.").count() == 4


@pytest.mark.parametrize("who", ["sme", "comms_reviewer", "hr_user", "manager"])
def test_everyone_else_hears_404(
    api_as: ApiAs, org_admin: User, hr_user: User, who: str, request: pytest.FixtureRequest
) -> None:
    rule = approval_rules.approval_rule_create(
        actor=org_admin, name="R", stage_name="HR", reviewers=[hr_user]
    )
    client = api_as(request.getfixturevalue(who))
    url = f"{URL}{rule.pk}/"
    assert client.get(URL).status_code == 404
    assert client.post(URL, _body(hr_user), format="json").status_code == 404
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "X"}, format="json").status_code == 404
    assert client.put(url, _body(hr_user), format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert api_as(None).get(URL).status_code in (401, 403)
    rule.refresh_from_db()
    assert (rule.name, rule.is_retired) == ("R", False)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"name": 7}, "name"),
        ({"name": ["x"]}, "name"),
        ({"name": ""}, "name"),
        ({"stage_name": {"a": 1}}, "stage_name"),
        ({"stage_name": "Comms"}, "stage_name"),
        ({"reviewers": ["1"]}, "reviewers"),
        ({"reviewers": [True]}, "reviewers"),
        ({"reviewers": 1}, "reviewers"),
        ({"reviewers": [2_147_483_000]}, "reviewers"),
        ({"reviewers": []}, "reviewers"),
        ({"brand_accounts": [0]}, "brand_accounts"),
        ({"departments": ["sales"]}, "departments"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"platforms": [1]}, "platforms"),
        ({"content_rules": ["length"]}, "content_rules"),
        ({"post_kind": 1}, "post_kind"),
        ({"with_image": "true"}, "with_image"),
        ({"with_image": 1}, "with_image"),
        ({"department_managers": "yes"}, "department_managers"),
        ({"approval": "most"}, "approval"),
        ({"order": ["sequence"]}, "order"),
    ],
)
def test_bad_input_is_400_on_the_field_and_writes_nothing(
    api_as: ApiAs, org_admin: User, hr_user: User, extra: dict[str, Any], field: str
) -> None:
    answer = api_as(org_admin).post(URL, _body(hr_user, **extra), format="json")
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()
    assert not ApprovalRule.objects.exists()


def test_the_list_costs_the_same_queries_for_many_rules(
    api_as: ApiAs, org_admin: User, hr_user: User, sales: Department
) -> None:
    client = api_as(org_admin)

    def add(n: int) -> None:
        for i in range(n):
            approval_rules.approval_rule_create(
                actor=org_admin,
                name=f"R{i}",
                stage_name="HR",
                reviewers=[hr_user],
                departments=[sales],
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries.captured_queries)

    add(1)
    one = count()
    add(5)
    # session, user, roles, count, rules, then one prefetch each for accounts, departments
    # and reviewers: the same for six rules as for one.
    assert count() == one


def test_the_post_api_shows_the_stages_and_why(
    api_as: ApiAs,
    org_admin: User,
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    hr_user: User,
) -> None:
    rule = approval_rules.approval_rule_create(
        actor=org_admin,
        name="Recruiting posts need HR",
        stage_name="HR",
        content_rules=["recruiting"],
        reviewers=[hr_user],
    )
    post = make_post(sme, account, "We're hiring two engineers.")
    services.post_submit(post=post, actor=sme)
    services.post_approve(post=post, actor=comms_reviewer)

    body = api_as(hr_user).get(f"/api/v1/posts/{post.pk}/").json()
    comms, hr = body["stages"]
    assert (comms["stage"], comms["state"], comms["approved_by"]["id"]) == (
        "comms",
        "approved",
        comms_reviewer.pk,
    )
    assert (hr["stage"], hr["name"], hr["state"], hr["rule"], hr["step"]) == (
        rule.stage_key,
        "HR",
        "pending",
        rule.pk,
        1,
    )
    assert "Recruiting posts need HR" in hr["reason"]
    assert [r["id"] for r in hr["reviewers"]] == [hr_user.pk]
    assert "approve" in body["actions"]
    queue = api_as(hr_user).get("/api/v1/review-queue/")
    assert queue.status_code == 200
    assert [p["id"] for p in queue.json()["results"]] == [post.pk]

    approved = api_as(hr_user).post(
        f"/api/v1/posts/{post.pk}/approve/", {"stage": rule.stage_key}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    assert api_as(hr_user).get(f"/api/v1/posts/{post.pk}/").json()["state"] == "approved"


def test_a_stage_given_as_a_number_is_400(
    api_as: ApiAs, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = make_post(sme, account)
    services.post_submit(post=post, actor=sme)
    answer = api_as(comms_reviewer).post(
        f"/api/v1/posts/{post.pk}/approve/", {"stage": 5}, format="json"
    )
    assert answer.status_code == 400
    assert "stage" in answer.json()


def test_someone_else_is_not_a_reviewer_of_the_stage(
    api_as: ApiAs, org_admin: User, sme: User, account: BrandAccount, hr_user: User
) -> None:
    other = UserFactory.create(email="x@example.test")
    approval_rules.approval_rule_create(
        actor=org_admin, name="R", stage_name="HR", reviewers=[hr_user]
    )
    post = make_post(sme, account)
    services.post_submit(post=post, actor=sme)
    assert api_as(other).get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert api_as(other).get("/api/v1/review-queue/").status_code == 403
