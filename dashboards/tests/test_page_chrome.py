"""What every page carries (issue 17): the navigation with its More menu, the favicon, one
date format, and a sign-in page that does not send people to a closed sign-up."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.dates import date_text, datetime_text


def test_the_navigation_puts_the_less_used_entries_under_more(org_admin: User) -> None:
    client = Client()
    client.force_login(org_admin)
    page = client.get(reverse("home"))
    primary = [item["label"] for item in page.context["nav_items"]]
    more = [item["label"] for item in page.context["nav_more"]]
    assert "Home" in primary
    assert {"Departments", "Brand accounts", "Helpdesk"} <= set(more)
    assert not set(primary) & set(more)
    html = page.content.decode()
    assert 'aria-controls="nav-more-list"' in html
    assert 'aria-controls="site-menu"' in html
    assert "socialhub/nav.js" in html
    assert "socialhub/favicon.svg" in html


def test_the_sign_in_page_does_not_offer_a_closed_sign_up(db: None, settings: Any) -> None:
    settings.SOCIALHUB_OPEN_SIGNUP = False
    html = Client().get(reverse("account_login")).content.decode()
    assert "sign up" not in html
    assert "invitation" in html
    settings.SOCIALHUB_OPEN_SIGNUP = True
    html = Client().get(reverse("account_login")).content.decode()
    assert reverse("account_signup") in html


def test_dates_in_messages_read_as_on_the_pages() -> None:
    assert date_text(dt.date(2026, 12, 20)) == "20 Dec 2026"
    moment = dt.datetime(2026, 12, 20, 13, 30, tzinfo=dt.UTC)
    assert datetime_text(moment, zone=dt.UTC) == "20 Dec 2026, 13:30 UTC"
    with timezone.override(ZoneInfo("Europe/Paris")):
        assert datetime_text(moment) == "20 Dec 2026, 14:30 CET"


def test_favicon_is_served_from_static(db: None) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("socialhub/favicon.svg")
