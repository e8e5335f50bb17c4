"""brand-accounts/{id}/grants/: list, add, set, remove — and what a grant really changes."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Department, User
from accounts.tests.factories import UserFactory
from activity.models import AuditEvent
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.tests.factories import grant_user


def _url(account: BrandAccount, grant_id: str = "") -> str:
    base = f"/api/v1/brand-accounts/{account.pk}/grants/"
    return f"{base}{grant_id}/" if grant_id else base


def _mine(api_as: Any, user: User, account: BrandAccount) -> Any:
    response = api_as(user).get(f"/api/v1/brand-accounts/{account.pk}/")
    return response.json()["my_permissions"] if response.status_code == 200 else 404


def test_list_names_every_holder(
    api_as: Any, comms_reviewer: User, sales_account: BrandAccount, outsider: User
) -> None:
    grant_user(sales_account, outsider, BrandAccountPerm.REVIEW_ON)
    response = api_as(comms_reviewer).get(_url(sales_account))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": "department:sales",
            "holder_type": "department",
            "name": "Sales",
            "department": "sales",
            "user": None,
            "role": None,
            "permissions": ["draft_on"],
        },
        {
            "id": "role:comms-reviewers",
            "holder_type": "role",
            "name": "Comms reviewers",
            "department": None,
            "user": None,
            "role": "comms-reviewers",
            "permissions": ["review_on", "publish_on"],
        },
        {
            "id": "role:legal-reviewers",
            "holder_type": "role",
            "name": "Legal reviewers",
            "department": None,
            "user": None,
            "role": "legal-reviewers",
            "permissions": ["review_on"],
        },
        {
            "id": f"user:{outsider.pk}",
            "holder_type": "user",
            "name": "Olly Outsider",
            "department": None,
            "user": "outsider@example.test",
            "role": None,
            "permissions": ["review_on"],
        },
    ]


def test_who_may_see_the_grants(
    api_as: Any,
    sme: User,
    manager: User,
    outsider: User,
    comms_reviewer: User,
    legal_reviewer: User,
    org_admin: User,
    sales_account: BrandAccount,
) -> None:
    """Who else holds rights on an account is for those who manage it, comms reviewers and org
    admins. Someone who only drafts, reviews or publishes sees the account, not its holders
    (403); someone who holds nothing on it does not even learn it exists (404)."""
    account_manager = UserFactory.create(email="owner@example.test")
    grant_user(sales_account, account_manager, BrandAccountPerm.MANAGE)
    statuses = {
        name: api_as(person).get(_url(sales_account)).status_code
        for name, person in {
            "sme (draft_on)": sme,
            "department manager (draft_on)": manager,
            "legal reviewer (review_on)": legal_reviewer,
            "outsider": outsider,
            "account manager": account_manager,
            "comms reviewer": comms_reviewer,
            "org admin": org_admin,
        }.items()
    }
    assert statuses == {
        "sme (draft_on)": 403,
        "department manager (draft_on)": 403,
        "legal reviewer (review_on)": 403,
        "outsider": 404,
        "account manager": 200,
        "comms reviewer": 200,
        "org admin": 200,
    }
    refused = api_as(sme).get(_url(sales_account)).json()
    assert "comms reviewers and org admins" in refused["detail"]
    assert "Sales" not in str(refused)


def test_grant_to_a_department_reaches_its_members_at_once(
    api_as: Any, org_admin: User, outsider: User, rnd: Department, sales_account: BrandAccount
) -> None:
    assert _mine(api_as, outsider, sales_account) == 404
    response = api_as(org_admin).post(
        _url(sales_account), {"department": "rnd", "permissions": ["draft_on"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["id"] == "department:rnd"
    assert _mine(api_as, outsider, sales_account) == ["draft_on"]
    event = AuditEvent.objects.filter(action="brand_account.granted", actor=org_admin).get()
    assert event.data == {
        "holder": "department:rnd",
        "holder_label": "R&D",
        "permissions": ["draft_on"],
    }
    assert event.note == "Granted Draft to department R&D."


def test_grant_to_a_person_by_email_and_adding_keeps_what_was_held(
    api_as: Any, org_admin: User, outsider: User, sales_account: BrandAccount
) -> None:
    api = api_as(org_admin)
    first = api.post(
        _url(sales_account),
        {"user": "OUTSIDER@example.test", "permissions": ["review_on"]},
        format="json",
    )
    assert first.status_code == 201
    second = api.post(
        _url(sales_account),
        {"user": "outsider@example.test", "permissions": ["draft_on", "review_on"]},
        format="json",
    )
    assert second.json()["permissions"] == ["draft_on", "review_on"]
    assert _mine(api_as, outsider, sales_account) == ["draft_on", "review_on"]
    # Only what was new is recorded.
    assert [e.data["permissions"] for e in AuditEvent.objects.filter(actor=org_admin)] == [
        ["draft_on"],
        ["review_on"],
    ]


def test_a_role_grant_covers_people_who_take_the_role_later(
    api_as: Any, org_admin: User, sales_account: BrandAccount, comms_department: Department
) -> None:
    from accounts.roles import OrgRole
    from accounts.tests.factories import give_org_role

    newcomer = UserFactory.create()
    assert _mine(api_as, newcomer, sales_account) == 404
    give_org_role(newcomer, OrgRole.COMMS_REVIEWER)
    assert _mine(api_as, newcomer, sales_account) == ["review_on", "publish_on"]


def test_patch_sets_exactly_and_empty_removes(
    api_as: Any, org_admin: User, sme: User, sales_account: BrandAccount
) -> None:
    api = api_as(org_admin)
    response = api.patch(
        _url(sales_account, "department:sales"),
        {"permissions": ["review_on", "publish_on"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["permissions"] == ["review_on", "publish_on"]
    assert _mine(api_as, sme, sales_account) == ["review_on", "publish_on"]
    emptied = api.patch(_url(sales_account, "department:sales"), {"permissions": []}, format="json")
    assert emptied.json()["permissions"] == []
    assert _mine(api_as, sme, sales_account) == 404
    assert (
        api.patch(
            _url(sales_account, "department:sales"), {"permissions": []}, format="json"
        ).status_code
        == 404
    )


def test_delete_removes_every_permission_of_the_holder(
    api_as: Any, org_admin: User, comms_reviewer: User, sales_account: BrandAccount
) -> None:
    response = api_as(org_admin).delete(_url(sales_account, "role:comms-reviewers"))
    assert response.status_code == 204
    assert _mine(api_as, comms_reviewer, sales_account) == 404
    event = AuditEvent.objects.filter(action="brand_account.revoked").get()
    assert event.note == "Revoked Review, Publish from organisation role Comms reviewers."
    assert api_as(org_admin).delete(_url(sales_account, "role:comms-reviewers")).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"department": "nowhere", "permissions": ["draft_on"]}, "department", "No department"),
        ({"user": "nobody@example.test", "permissions": ["draft_on"]}, "user", "No active person"),
        ({"user": "not-an-email", "permissions": ["draft_on"]}, "user", "Enter a valid email"),
        ({"role": "astronauts", "permissions": ["draft_on"]}, "role", "Unknown role"),
        ({"role": "org-admins", "permissions": ["draft_on"]}, "role", "hold every permission"),
        ({"department": "rnd", "permissions": ["fly"]}, "permissions", "Unknown permission 'fly'"),
        ({"department": "rnd", "permissions": []}, "permissions", "This list may not be empty."),
        ({"department": "rnd"}, "permissions", "This field is required."),
        ({"permissions": ["draft_on"]}, "non_field_errors", "Name exactly one holder"),
        (
            {"department": "rnd", "user": "outsider@example.test", "permissions": ["draft_on"]},
            "non_field_errors",
            "Name exactly one holder",
        ),
    ],
)
def test_bad_grants_are_400_with_a_field_message_and_nothing_written(
    api_as: Any,
    org_admin: User,
    outsider: User,
    sales_account: BrandAccount,
    payload: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = api_as(org_admin).get(_url(sales_account)).json()
    events = AuditEvent.objects.count()
    response = api_as(org_admin).post(_url(sales_account), payload, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert api_as(org_admin).get(_url(sales_account)).json() == before
    assert AuditEvent.objects.count() == events


def test_an_inactive_person_cannot_be_granted(
    api_as: Any, org_admin: User, sales_account: BrandAccount
) -> None:
    gone = UserFactory.create(email="gone@example.test", is_active=False)
    response = api_as(org_admin).post(
        _url(sales_account), {"user": gone.email, "permissions": ["draft_on"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["user"] == ["No active person with the e-mail 'gone@example.test'."]


def test_people_who_manage_grant_but_only_org_admins_give_or_take_manage(
    api_as: Any, manager: User, org_admin: User, outsider: User, sales_account: BrandAccount
) -> None:
    grant_user(sales_account, manager, BrandAccountPerm.MANAGE)
    api = api_as(manager)
    ok = api.post(
        _url(sales_account), {"department": "rnd", "permissions": ["draft_on"]}, format="json"
    )
    assert ok.status_code == 201
    escalate = api.post(
        _url(sales_account),
        {"user": "outsider@example.test", "permissions": ["manage"]},
        format="json",
    )
    assert escalate.status_code == 403
    assert "Only org admins can give or take the Manage permission" in escalate.json()["detail"]
    own = f"user:{manager.pk}"
    assert api.delete(_url(sales_account, own)).status_code == 403
    assert (
        api.patch(_url(sales_account, own), {"permissions": []}, format="json").status_code == 403
    )
    # Changing other permissions of a holder that has Manage leaves Manage alone: allowed.
    kept = api.patch(
        _url(sales_account, own), {"permissions": ["manage", "draft_on"]}, format="json"
    )
    assert kept.status_code == 200
    assert _mine(api_as, outsider, sales_account) == ["draft_on"]
    assert api_as(org_admin).delete(_url(sales_account, own)).status_code == 204


def test_grant_ids_that_are_not_holders_are_404(
    api_as: Any, org_admin: User, sales_account: BrandAccount
) -> None:
    api = api_as(org_admin)
    for grant_id in ("department:rnd", "user:999", "nonsense", "role:hr"):
        assert api.delete(_url(sales_account, grant_id)).status_code == 404, grant_id
