"""Browser journeys (Playwright driving Chromium): MFA sign-in, and a manager's invitation."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import Page, expect

from accounts.models import Department, Membership, User
from accounts.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_set_up_totp_then_sign_in_with_a_code(page: Page, live_server: Any, sme: User) -> None:
    base = live_server.url
    log_in(page, base, sme.email)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    page.get_by_role("link", name="Security").click()
    page.get_by_role("link", name=re.compile("Activate|Set up", re.I)).first.click()
    if page.get_by_role("heading", name="Confirm Access").is_visible():
        # allauth asks for the password again before a security change.
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()
    expect(
        page.get_by_text(re.compile("Recovery codes|Two-Factor Authentication", re.I)).first
    ).to_be_visible()
    assert Authenticator.objects.filter(user=sme, type=Authenticator.Type.TOTP).exists()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Password")).to_be_visible()

    cache.clear()  # allow the current code again: the server remembers codes used once
    log_in(page, base, sme.email)
    code_field = page.get_by_label("Code")
    expect(code_field).to_be_visible()
    code_field.fill("000000")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text(re.compile("Incorrect code", re.I))).to_be_visible()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def test_manager_invites_a_member_who_joins(
    page: Page, browser: Any, live_server: Any, manager: User, sales: Department
) -> None:
    base = live_server.url
    log_in(page, base, manager.email)
    # Less used entries sit under the navigation's "More" menu.
    page.get_by_role("navigation", name="Main").get_by_role("button", name="More").click()
    page.get_by_role("link", name="Departments").click()
    page.get_by_role("link", name="Sales").click()
    page.get_by_label("E-mail address").fill("nina@example.test")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to nina@example.test")).to_be_visible()

    link = re.search(r"https?://\S+/invitations/\S+/", str(mail.outbox[-1].body))
    assert link is not None
    newcomer = browser.new_context().new_page()
    newcomer.goto(link.group(0))
    newcomer.get_by_label("Your name").fill("Nina Newbie")
    newcomer.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    newcomer.get_by_label("Password again").fill(PASSWORD)
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_text("Welcome to Sales")).to_be_visible()
    expect(newcomer.get_by_role("cell", name="nina@example.test")).to_be_visible()
    assert Membership.objects.get(user__email="nina@example.test").department == sales
