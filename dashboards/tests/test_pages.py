"""The home page per role, the API docs page, the layout's promises (no CDN assets)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_login_page_uses_the_site_layout() -> None:
    body = Client().get("/accounts/login/").content.decode()
    assert 'href="/static/socialhub/socialhub.css"' in body
    assert 'name="login"' in body
    assert 'name="password"' in body


def test_home_requires_login() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("fixture", "shown", "hidden"),
    [
        ("sme", "My departments", "Open the admin site"),
        ("manager", "You manage", "Open the admin site"),
        ("comms_reviewer", "a comms reviewer", "You manage"),
        ("hr_user", "follow everyone", "You manage"),
        ("org_admin", "Open the admin site", "You manage"),
    ],
)
def test_home_shows_each_role_its_panels(
    request: pytest.FixtureRequest, fixture: str, shown: str, hidden: str
) -> None:
    user: User = request.getfixturevalue(fixture)
    client = Client()
    client.force_login(user)
    body = client.get("/").content.decode()
    assert shown in body
    assert hidden not in body


def test_navigation_hides_admin_from_non_staff(sme: User) -> None:
    client = Client()
    client.force_login(sme)
    body = client.get("/").content.decode()
    assert ">Departments<" in body
    assert ">Admin<" not in body


def test_profile_saves_time_zone_and_refuses_unknown_zone(sme: User) -> None:
    client = Client()
    client.force_login(sme)
    ok = client.post("/me/", {"full_name": "Sam S.", "timezone": "Europe/Paris"})
    assert ok.status_code == 302
    sme.refresh_from_db()
    assert (sme.full_name, sme.timezone) == ("Sam S.", "Europe/Paris")
    bad = client.post("/me/", {"full_name": "Sam", "timezone": "Mars/Olympus"})
    assert bad.status_code == 400
    sme.refresh_from_db()
    assert sme.timezone == "Europe/Paris"


def test_api_docs_are_served_from_our_own_static_files(sme: User) -> None:
    client = Client()
    client.force_login(sme)
    body = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in body
    external = list(re.findall(r'(?:src|href)="(https?://[^"]+)"', body))
    assert external == []


def test_every_page_serves_no_cdn_asset(sme: User) -> None:
    client = Client()
    client.force_login(sme)
    for path in ("/", "/departments/", "/me/", "/accounts/2fa/"):
        body = client.get(path).content.decode()
        assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', body), path
