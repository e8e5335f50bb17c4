"""The home page's training panel (training.selectors.home_training): per account the person
may draft on, what they still need; certificates expiring soon or revoked; assignments due. A
fixed number of queries however much there is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Department, User
from approvals.tests.factories import make_account
from training.models import Assignment
from training.tests.factories import certify, make_course, make_policy


def _home(user: User) -> tuple[str, int]:
    client = Client()
    client.force_login(user)
    client.get("/")  # warm-up
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def _scene(sme: User, sales: Department, n: int, first: int = 0) -> None:
    for number in range(first, first + n):
        make_account(sales, display_name=f"Sales desk {number}", drafters=[sales])
        make_course(f"Needed {number}", everywhere=True)
        expiring = make_course(f"Expiring {number}")
        certify(sme, expiring, expires_at=timezone.now() + timedelta(days=5))
        revoked = make_course(f"Revoked {number}")
        certify(sme, revoked, revoked=True)
        assigned = make_course(f"Assigned {number}")
        Assignment.objects.create(
            course=assigned, user=sme, due_on=timezone.localdate() + timedelta(days=3 + number)
        )


def test_the_home_page_says_what_training_is_still_needed(sme: User, sales: Department) -> None:
    make_policy()
    _scene(sme, sales, 1)
    html, _ = _home(sme)
    assert "My training" in html
    assert "Sales desk 0" in html
    assert "Pass the course &#x27;Needed 0&#x27;." in html
    assert "Read and acknowledge the social media policy" in html
    assert 'data-home-training="expiring"' in html
    assert "Expiring 0" in html
    assert 'data-home-training="revoked"' in html
    assert "Revoked 0" in html
    assert 'data-home-training="assignments"' in html
    assert "Assigned 0" in html


def test_passed_again_a_revoked_course_and_a_done_assignment_drop_off(
    sme: User, sales: Department
) -> None:
    course = make_course("Basics")
    certify(sme, course, revoked=True)
    Assignment.objects.create(course=course, user=sme, due_on=timezone.localdate())
    certify(sme, course)
    html, _ = _home(sme)
    assert 'data-home-training="revoked"' not in html
    assert 'data-home-training="assignments"' not in html


def test_the_panel_costs_the_same_queries_for_one_or_many(
    sme: User, sales: Department, django_assert_num_queries: Any
) -> None:
    make_policy()
    _scene(sme, sales, 1)
    _, one = _home(sme)
    _scene(sme, sales, 4, first=1)  # more accounts, requirements, certificates and assignments
    html, many = _home(sme)
    assert "Sales desk 4" in html
    assert many == one


def test_someone_with_nothing_to_draft_on_and_no_training_sees_no_panel(hr_user: User) -> None:
    html, _ = _home(hr_user)
    assert 'id="home-training"' not in html
