"""Coaching from review outcomes in a real browser: comms requests changes on three of an SME's
posts for "tone", choosing the reason on the review screen; the third assigns the course linked
to "tone". The SME finds it on the home page, in training and on their feedback page with the
reasons; their manager has the notification; HR's certification matrix shows the assignment.
axe-core finds no serious or critical violation on any page visited (when it is installed:
dashboards/tests/axe/install.sh; CI always has it)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Department
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from activity.models import Notification
from approvals.models import CoachingAssignment, Decision, ReviewReason
from approvals.tests.factories import sales_desk, submitted_post
from approvals.tests.test_browser_journey import _log_in, _log_out
from dashboards.tests.test_browser_a11y import AXE, check
from training.models import Assignment
from training.tests.factories import make_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODIES = (
    "Our prices are simply the best, full stop!!!",
    "Nobody else even comes close to our support desk!!!",
    "Buy now or regret it forever!!!",
)


@pytest.fixture
def axe() -> str | None:
    """axe-core's source, or None on a developer's machine without it (the journey still runs;
    CI installs it and fails without it)."""
    if AXE.exists():
        return AXE.read_text()
    if os.environ.get("CI"):
        pytest.fail("axe-core is not installed: bash dashboards/tests/axe/install.sh")
    return None


class Visits:
    """Checks each page the journey shows with axe, when axe is there."""

    def __init__(self, page: Page, axe: str | None) -> None:
        self.page, self.axe = page, axe
        self.problems: list[str] = []

    def check(self) -> None:
        if self.axe is not None:
            self.page.wait_for_load_state("load")
            self.problems += check(self.page, self.axe, 1280)


def test_three_tone_reasons_assign_coaching_that_person_manager_and_hr_see(
    page: Page, live_server: Any, axe: str | None, settings: Any
) -> None:
    settings.SOCIALHUB_COACHING_THRESHOLD = 3
    settings.SOCIALHUB_COACHING_WINDOW_DAYS = 90
    base = live_server.url
    sme, comms, account = sales_desk()
    manager = UserFactory.create(email="manager@example.test", full_name="Max Manager")
    add_member(manager, Department.objects.get(slug="sales"), "manager")
    hr = give_org_role(
        UserFactory.create(email="hr@example.test", full_name="Harriet HR"), OrgRole.HR
    )
    course = make_course("Writing in the brand's voice")
    ReviewReason.objects.filter(slug="tone").update(course=course)
    posts = [submitted_post(sme, account, body) for body in BODIES]
    page.set_viewport_size({"width": 1280, "height": 900})
    visits = Visits(page, axe)

    # 1. Comms asks for changes on each post from the review screen, choosing "Tone".
    _log_in(page, base, comms.email)
    for number, post in enumerate(posts, start=1):
        page.goto(f"{base}/posts/{post.pk}/review/")
        if number == 1:
            visits.check()
        page.locator("#changes-reason").select_option(label="Tone")
        page.get_by_label("What should change (required)").fill("Calmer, please: no shouting.")
        page.get_by_role("button", name="Request changes").click()
        expect(page.locator(".messages")).to_contain_text("changes requested")
        if number < 3:
            assert not CoachingAssignment.objects.exists()
    assert list(Decision.objects.values_list("reason__slug", flat=True)) == ["tone"] * 3
    _log_out(page)

    # The third decision completed the streak: the course is assigned once, with why.
    coaching = CoachingAssignment.objects.get()
    assert (coaching.person, coaching.reason.slug, coaching.count) == (sme, "tone", 3)
    assignment = Assignment.objects.get(user=sme)
    assert assignment.course == course

    # 2. The SME: the home page, training and the feedback page show it, with the reasons.
    _log_in(page, base, sme.email)
    expect(page.locator("[data-home-training=assignments]")).to_contain_text(course.title)
    visits.check()
    page.goto(f"{base}/training/")
    expect(page.locator("section[aria-labelledby=assigned-heading]")).to_contain_text(course.title)
    visits.check()
    page.goto(f"{base}/my-feedback/")
    coaching_row = page.locator(f'[data-coaching="{coaching.pk}"]')
    expect(coaching_row).to_contain_text("Tone")
    expect(coaching_row).to_contain_text("3 in 90 days")
    expect(coaching_row).to_contain_text(course.title)
    decisions = page.locator("section[aria-labelledby=recent-heading] tbody tr")
    expect(decisions).to_have_count(3)
    for row in range(3):
        expect(decisions.nth(row)).to_contain_text("Tone")
        expect(decisions.nth(row)).to_contain_text("Calmer, please")
    expect(page.locator("section[aria-labelledby=months-heading] tbody")).to_contain_text("3")
    visits.check()
    _log_out(page)

    # 3. The manager was told, and the reasons summary shows the coaching.
    assert Notification.objects.filter(recipient=manager, kind="coaching").count() == 1
    _log_in(page, base, manager.email)
    page.goto(f"{base}/notifications/")
    expect(page.locator("ul.notifications")).to_contain_text("Sam Sales")
    expect(page.locator("ul.notifications")).to_contain_text(course.title)
    visits.check()
    page.goto(f"{base}/review-reasons/summary/")
    expect(page.locator(f'[data-coaching="{coaching.pk}"]')).to_contain_text("Sam Sales")
    visits.check()
    _log_out(page)

    # 4. HR's certification matrix shows the assignment in the SME's cell for the course.
    _log_in(page, base, hr.email)
    page.goto(f"{base}/training/certifications/")
    cell = page.locator(f'td[data-course="{course.pk}"] [data-assigned="{assignment.pk}"]')
    expect(cell).to_contain_text("Coaching: 3 reviews found 'Tone'")
    visits.check()

    assert visits.problems == []
