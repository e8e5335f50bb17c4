"""people/ and people/{id}/ over the API: org admins read everybody's organisation roles and set
them (through accounts.services.org_roles_set, like the page); the list answers 403 to anybody
else, one person 404."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from activity.models import AuditEvent

pytestmark = pytest.mark.django_db


def _roles(api: Any, person: User) -> list[str]:
    return api.get(f"/api/v1/people/{person.pk}/").json()["org_roles"]


def _last_event() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_org_admin_lists_people_with_departments_and_roles(
    api_as: Any, org_admin: User, sme: User, manager: User, comms_reviewer: User
) -> None:
    body = api_as(org_admin).get("/api/v1/people/").json()
    assert body["count"] == 4
    rows = {row["email"]: row for row in body["results"]}
    assert rows["comms@example.test"]["org_roles"] == ["comms-reviewers"]
    assert rows["admin@example.test"]["org_roles"] == ["org-admins"]
    assert rows["manager@example.test"]["departments"] == [
        {"slug": "sales", "name": "Sales", "role": "manager"}
    ]
    assert rows["sme@example.test"] == {
        "id": sme.pk,
        "email": "sme@example.test",
        "full_name": "Sam Sales",
        "is_active": True,
        "departments": [{"slug": "sales", "name": "Sales", "role": "member"}],
        "org_roles": [],
    }


@pytest.mark.parametrize(
    ("query", "emails"),
    [
        ("q=sam", {"sme@example.test"}),
        ("q=nobody&active=true", set()),
        ("q=EXAMPLE.test&department=sales", {"sme@example.test", "manager@example.test"}),
        ("role=comms-reviewers", {"comms@example.test"}),
        ("active=false", {"gone@example.test"}),
        ("active=true&department=rnd", {"outsider@example.test"}),
    ],
)
def test_filters(
    api_as: Any,
    org_admin: User,
    sme: User,
    manager: User,
    outsider: User,
    comms_reviewer: User,
    query: str,
    emails: set[str],
) -> None:
    # A fixed name: a random one could contain "sam" and match the search.
    UserFactory.create(email="gone@example.test", full_name="Gone Person", is_active=False)
    body = api_as(org_admin).get(f"/api/v1/people/?{query}").json()
    assert {row["email"] for row in body["results"]} == emails


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("role=wizard", "role"),
        ("active=maybe", "active"),
        ("active=1", "active"),
        ("department=nowhere", "department"),
        ("department=a%00b", "department"),
        ("q=a%00b", "q"),
    ],
)
def test_bad_filters(api_as: Any, org_admin: User, query: str, field: str) -> None:
    response = api_as(org_admin).get(f"/api/v1/people/?{query}")
    assert response.status_code == 400
    assert response.json()[field]


def test_list_pages_like_every_list(api_as: Any, org_admin: User) -> None:
    for number in range(3):
        UserFactory.create(email=f"p{number}@example.test")
    body = api_as(org_admin).get("/api/v1/people/?limit=2&offset=1").json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert body["next"]
    assert body["previous"]


@pytest.mark.parametrize("who", ["sme", "manager", "hr_user", "comms_reviewer", "outsider"])
def test_list_is_for_org_admins_only(api_as: Any, who: str, request: pytest.FixtureRequest) -> None:
    response = api_as(request.getfixturevalue(who)).get("/api/v1/people/")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_anonymous_is_refused(api_as: Any) -> None:
    assert api_as(None).get("/api/v1/people/").status_code == 401


@pytest.mark.parametrize("who", ["sme", "manager", "hr_user", "comms_reviewer", "outsider"])
def test_one_person_is_404_for_everybody_else(
    api_as: Any, who: str, sme: User, request: pytest.FixtureRequest
) -> None:
    client = api_as(request.getfixturevalue(who))
    since = _last_event()
    assert client.get(f"/api/v1/people/{sme.pk}/").status_code == 404
    patched = client.patch(f"/api/v1/people/{sme.pk}/", {"org_roles": ["hr"]}, format="json")
    assert patched.status_code == 404
    assert patched.json() == {"detail": "Not found."}
    assert not sme.groups.filter(name="HR").exists()
    assert not AuditEvent.objects.filter(id__gt=since).exists()


def test_org_admin_sets_roles(api_as: Any, org_admin: User, sme: User) -> None:
    give_org_role(sme, OrgRole.HR)
    since = _last_event()
    client = api_as(org_admin)
    response = client.patch(
        f"/api/v1/people/{sme.pk}/",
        {"org_roles": ["triage", "comms-reviewers", "triage"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["org_roles"] == ["comms-reviewers", "triage"]
    assert _roles(client, sme) == ["comms-reviewers", "triage"]
    events = AuditEvent.objects.filter(id__gt=since).order_by("action", "to_state")
    assert [(e.action, e.from_state, e.to_state, e.actor_id) for e in events] == [
        ("org_role.granted", "", "comms-reviewers", org_admin.pk),
        ("org_role.granted", "", "triage", org_admin.pk),
        ("org_role.revoked", "hr", "", org_admin.pk),
    ]
    # The same roles again, or a body without org_roles: nothing changes, nothing is recorded.
    since = _last_event()
    assert client.patch(
        f"/api/v1/people/{sme.pk}/", {"org_roles": ["comms-reviewers", "triage"]}, format="json"
    ).json()["org_roles"] == ["comms-reviewers", "triage"]
    assert client.patch(f"/api/v1/people/{sme.pk}/", {}, format="json").status_code == 200
    assert not AuditEvent.objects.filter(id__gt=since).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"org_roles": ["wizard"]},
        {"org_roles": ["hr", "wizard"]},
        {"org_roles": "hr"},
        {"org_roles": None},
        {"org_roles": {"hr": True}},
        {"org_roles": [1]},
        {"org_roles": [["hr"]]},
        {"org_roles": ["hr"] * 11},
    ],
)
def test_bad_input_is_400_on_org_roles_and_nothing_changes(
    api_as: Any, org_admin: User, sme: User, payload: dict[str, Any]
) -> None:
    since = _last_event()
    response = api_as(org_admin).patch(f"/api/v1/people/{sme.pk}/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["org_roles"]
    assert not sme.groups.exclude(name__startswith="department:").exists()
    assert not AuditEvent.objects.filter(id__gt=since).exists()


def test_the_last_org_admin_keeps_the_role(api_as: Any, org_admin: User) -> None:
    response = api_as(org_admin).patch(
        f"/api/v1/people/{org_admin.pk}/", {"org_roles": ["hr"]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "last_org_admin"
    assert _roles(api_as(org_admin), org_admin) == ["org-admins"]


def test_a_deactivated_person_gets_no_role(api_as: Any, org_admin: User) -> None:
    gone = UserFactory.create(is_active=False)
    response = api_as(org_admin).patch(
        f"/api/v1/people/{gone.pk}/", {"org_roles": ["triage"]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "inactive_user"
    assert not gone.groups.exists()


def test_missing_person_is_404(api_as: Any, org_admin: User) -> None:
    client = api_as(org_admin)
    assert client.get("/api/v1/people/2147483000/").status_code == 404
    missing = client.patch("/api/v1/people/2147483000/", {"org_roles": ["hr"]}, format="json")
    assert missing.status_code == 404


def test_query_count_is_the_same_for_1_and_6_people(
    api_as: Any, org_admin: User, sales: Department, django_assert_num_queries: Any
) -> None:
    client = api_as(org_admin)
    # session, user, roles (authz), count, the page of people, their role groups, their
    # memberships with departments.
    with django_assert_num_queries(7):
        assert client.get("/api/v1/people/").status_code == 200
    for _number in range(5):
        person = give_org_role(UserFactory.create(), OrgRole.TRIAGE)
        add_member(person, sales)
    with django_assert_num_queries(7):
        assert len(client.get("/api/v1/people/").json()["results"]) == 6
    with django_assert_num_queries(7):
        # session, user, roles, the person (access_person), again with role groups and
        # memberships (three).
        assert client.get(f"/api/v1/people/{person.pk}/").status_code == 200
