"""A real browser: an R&D expert learns what they lack, fails the quiz, reads the explanations,
retakes it, passes, acknowledges the policy; HR then sees them certified in the matrix."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts import authz
from accounts.models import Department
from accounts.roles import OrgRole
from accounts.tests.factories import (
    PASSWORD,
    DepartmentFactory,
    UserFactory,
    add_member,
    give_org_role,
)
from training.tests.factories import brand_account, make_course, make_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()


def answer(page: Page, *, right: bool) -> None:
    """Tick the right (or a wrong) answer of each question, by the choices' visible text, then
    send them, accepting the page's confirmation (static/training/quiz.js)."""
    if right:
        page.get_by_label("Right", exact=True).check()
        page.get_by_label("Right A").check()
        page.get_by_label("Right B").check()
    else:
        page.get_by_label("Wrong", exact=True).check()
        page.get_by_label("Wrong C").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit answers").click()


def test_rnd_expert_gets_certified_and_hr_sees_it(page: Page, live_server: Any) -> None:
    base = live_server.url
    rnd: Department = DepartmentFactory.create(name="R&D", slug="rnd")
    rita = UserFactory.create(email="sme.rnd@example.test", full_name="Rita Research")
    add_member(rita, rnd)
    hr = give_org_role(
        UserFactory.create(email="hr@example.test", full_name="Harriet HR"), OrgRole.HR
    )
    course = make_course("Social media basics", cooldown_minutes=0, everywhere=True)
    make_policy()
    account = brand_account("mastodon", rnd)
    authz.grant_to_group("draft_on", rnd.group, account)

    log_in(page, base, rita.email)
    page.goto(f"{base}/training/")
    needs = page.get_by_role("row", name=str(account))
    expect(needs).to_contain_text("Not yet")
    expect(needs).to_contain_text("Pass the course 'Social media basics'.")
    expect(needs).to_contain_text("Read and acknowledge the social media policy (version 1).")

    needs.get_by_role("link", name="Pass the course 'Social media basics'.").click()
    expect(page.get_by_text("Lesson 1 of 1, then the quiz")).to_be_visible()
    page.get_by_role("button", name="Start the quiz").click()

    # The quiz page has no right answers or explanations in it.
    expect(page.get_by_role("heading", name="Quiz: Social media basics")).to_be_visible()
    assert "Because of reason" not in page.content()
    # Sent empty: the page names the unanswered questions and sends nothing (no dialog). The
    # check is a deferred script: wait until the page has loaded it, or the form goes unchecked.
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#quiz-check")).to_contain_text(
        "Answer every question before submitting: questions 1, 2 have no answer yet."
    )
    expect(page.get_by_role("heading", name="Quiz: Social media basics")).to_be_visible()
    answer(page, right=False)

    expect(page.get_by_role("heading", name="Not passed")).to_be_visible()
    expect(page.get_by_text("0 of 2 correct")).to_be_visible()
    expect(page.get_by_text("Because of reason 1.")).to_be_visible()
    expect(page.get_by_text("Because of reason 2.")).to_be_visible()

    page.get_by_role("button", name="Retake the quiz").click()
    answer(page, right=True)
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    expect(page.get_by_text("Your certificate is valid until")).to_be_visible()

    page.goto(f"{base}/training/policy/")
    page.get_by_role("button", name="I have read and accept version 1").click()
    expect(page.get_by_text("Thank you: you acknowledged version 1.")).to_be_visible()

    page.goto(f"{base}/training/")
    expect(page.get_by_role("row", name=str(account))).to_contain_text("Yes")

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, hr.email)
    page.goto(f"{base}/training/certifications/?department=rnd")
    row = page.get_by_role("row", name="Rita Research")
    expect(row.locator(f'td[data-course="{course.pk}"]')).to_have_attribute("data-status", "valid")
    expect(row).to_contain_text("Acknowledged")
    expect(page.get_by_role("img", name="Certification coverage by department")).to_be_visible()
