"""The people page (/people/): org admins see everybody's organisation roles and save them row
by row, with htmx or a plain form; everybody else is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from activity.models import AuditEvent

pytestmark = pytest.mark.django_db

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _last_event() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _held(user: User) -> set[str]:
    return set(user.groups.exclude(name__startswith="department:").values_list("name", flat=True))


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["sme", "manager", "hr_user", "comms_reviewer", "outsider"])
def test_everybody_else_is_refused(who: str, sme: User, request: pytest.FixtureRequest) -> None:
    client = logged_in(request.getfixturevalue(who))
    assert client.get("/people/").status_code == 403
    # One person's roles: 404, as for a person who does not exist (the 404 matrix checks both).
    response = client.post(f"/people/{sme.pk}/roles/", {"org_roles": ["org-admins"]})
    assert response.status_code == 404
    assert _held(sme) == set()


def test_navigation_offers_the_page_to_org_admins_only(org_admin: User, hr_user: User) -> None:
    assert 'href="/people/"' in logged_in(org_admin).get("/").content.decode()
    assert 'href="/people/"' not in logged_in(hr_user).get("/").content.decode()


def test_org_admin_sees_people_departments_and_roles(
    org_admin: User, sme: User, manager: User, comms_reviewer: User
) -> None:
    body = logged_in(org_admin).get("/people/").content.decode()
    row = re.search(rf'<tr id="person-{comms_reviewer.pk}".*?</tr>', body, re.S)
    assert row is not None
    html = row.group(0)
    assert "Colin Comms" in html
    assert "Communications" in html
    assert re.search(r'value="comms-reviewers" checked', html)
    assert not re.search(r'value="triage" checked', html)
    # Each row names its person for assistive technology: the fieldset's legend and the button.
    assert '<legend class="visually-hidden">Organisation roles of Colin Comms</legend>' in html
    assert 'aria-label="Save the roles of Colin Comms"' in html
    assert f'hx-post="/people/{comms_reviewer.pk}/roles/"' in html
    assert "Max Manager" in body
    assert "(manager)" in body
    # No inline script or style: the page's behaviour is in a file (CSP).
    assert "<script>" not in body
    assert "style=" not in body
    assert "/static/accounts/people.js" in body


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=sam", ["Sam Sales"], ["Max Manager", "Colin Comms"]),
        ("q=MANAGER%40example", ["Max Manager"], ["Sam Sales"]),
        ("department=sales", ["Sam Sales", "Max Manager"], ["Colin Comms"]),
        ("role=comms-reviewers", ["Colin Comms"], ["Sam Sales"]),
        ("active=false", ["Gone Person"], ["Sam Sales"]),
        ("active=true&department=sales&q=max", ["Max Manager"], ["Sam Sales", "Gone Person"]),
    ],
)
def test_filters(
    org_admin: User,
    sme: User,
    manager: User,
    comms_reviewer: User,
    query: str,
    shown: list[str],
    hidden: list[str],
) -> None:
    UserFactory.create(full_name="Gone Person", is_active=False)
    response = logged_in(org_admin).get(f"/people/?{query}")
    assert response.status_code == 200
    body = response.content.decode()
    for name in shown:
        assert name in body
    for name in hidden:
        assert name not in body


@pytest.mark.parametrize("query", ["role=wizard", "active=perhaps", "department=nowhere"])
def test_bad_filters_are_400_with_a_message(org_admin: User, sme: User, query: str) -> None:
    response = logged_in(org_admin).get(f"/people/?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert 'aria-invalid="true"' in body
    assert "Sam Sales" not in body


def test_pages_of_fifty_keep_the_filters(org_admin: User, sales: Department) -> None:
    for number in range(55):
        add_member(UserFactory.create(full_name=f"Seller {number:02d}"), sales)
    client = logged_in(org_admin)
    body = client.get("/people/?department=sales&active=true").content.decode()
    assert body.count("data-people-row") == 50
    assert "Page 1 of 2" in body
    assert 'href="?department=sales&amp;active=true&amp;page=2"' in body
    second = client.get("/people/?department=sales&active=true&page=2").content.decode()
    assert second.count("data-people-row") == 5
    assert 'href="?department=sales&amp;active=true&amp;page=1"' in second
    # Each row returns to the page it was saved from.
    assert 'name="next" value="/people/?department=sales&amp;active=true&amp;page=2"' in second


def test_htmx_save_swaps_the_row(org_admin: User, sme: User) -> None:
    since = _last_event()
    response = logged_in(org_admin).post(
        f"/people/{sme.pk}/roles/", {"org_roles": ["triage", "hr"], "next": "/people/"}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith(f'<tr id="person-{sme.pk}"')
    assert "<html" not in body
    assert re.search(r'value="triage" checked', body)
    assert re.search(r'value="hr" checked', body)
    assert "Saved." in body
    assert _held(sme) == {"Triage", "HR"}
    assert sorted(
        AuditEvent.objects.filter(id__gt=since).values_list("action", "to_state", "actor_id")
    ) == [("org_role.granted", "hr", org_admin.pk), ("org_role.granted", "triage", org_admin.pk)]


def test_htmx_refusals_are_shown_in_the_row(org_admin: User, sme: User) -> None:
    client = logged_in(org_admin)
    since = _last_event()
    last = client.post(f"/people/{org_admin.pk}/roles/", {"org_roles": ["hr"]}, **HTMX)
    assert last.status_code == 409
    html = last.content.decode()
    assert html.startswith(f'<tr id="person-{org_admin.pk}"')
    assert re.search(r'<p class="errorlist" role="alert">.*last active org admin', html)
    assert re.search(r'value="org-admins" checked', html)  # what is stored, unchanged
    bad = client.post(f"/people/{sme.pk}/roles/", {"org_roles": ["wizard"]}, **HTMX)
    assert bad.status_code == 400
    assert 'role="alert"' in bad.content.decode()
    gone = UserFactory.create(is_active=False)
    inactive = client.post(f"/people/{gone.pk}/roles/", {"org_roles": ["triage"]}, **HTMX)
    assert inactive.status_code == 409
    assert "deactivated" in inactive.content.decode()
    assert not AuditEvent.objects.filter(id__gt=since).exists()
    assert _held(sme) == set()
    assert _held(gone) == set()


def test_plain_post_saves_and_goes_back_to_the_page(org_admin: User, sme: User) -> None:
    client = logged_in(org_admin)
    response = client.post(
        f"/people/{sme.pk}/roles/",
        {"org_roles": ["legal-reviewers"], "next": "/people/?department=sales&page=1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/people/?department=sales&page=1"
    assert _held(sme) == {"Legal reviewers"}
    page = client.get(response["Location"]).content.decode()
    assert "The roles of Sam Sales were saved." in page
    # Every box unticked: every role taken away.
    client.post(f"/people/{sme.pk}/roles/", {"next": "/people/"})
    assert _held(sme) == set()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/people/", "/admin/"])
def test_plain_post_never_returns_elsewhere(org_admin: User, sme: User, target: str) -> None:
    response = logged_in(org_admin).post(f"/people/{sme.pk}/roles/", {"next": target})
    assert response["Location"] == "/people/"


def test_a_missing_person_is_404_for_an_org_admin(org_admin: User) -> None:
    since = _last_event()
    response = logged_in(org_admin).post("/people/2147483000/roles/", {"org_roles": ["hr"]})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(id__gt=since).exists()


def test_plain_post_refusal_is_a_message(org_admin: User) -> None:
    client = logged_in(org_admin)
    response = client.post(f"/people/{org_admin.pk}/roles/", {"next": "/people/"}, follow=True)
    assert "last active org admin" in response.content.decode()
    assert _held(org_admin) == {"Org admins"}


def test_query_count_is_the_same_for_1_and_6_rows(
    org_admin: User, sales: Department, django_assert_num_queries: Any
) -> None:
    client = logged_in(org_admin)
    # session, user, roles (authz), count, the page of people, their role groups, their
    # memberships with departments, departments (filter); the layout's crisis pauses in force
    # and unread notifications.
    with django_assert_num_queries(10):
        assert client.get("/people/").status_code == 200
    for _ in range(5):
        add_member(give_org_role(UserFactory.create(), OrgRole.TRIAGE), sales)
    with django_assert_num_queries(10):
        assert client.get("/people/").content.decode().count("data-people-row") == 6
