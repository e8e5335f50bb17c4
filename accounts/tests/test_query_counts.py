"""List pages and endpoints read a constant number of queries, however many rows there are."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Department, User
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db


def test_department_list_page(hr_user: User, django_assert_num_queries: Any) -> None:
    client = Client()
    client.force_login(hr_user)
    DepartmentFactory.create()
    client.get("/departments/")
    # 1 session, 2 user, 3 my org roles, 4 departments with member counts.
    # ... plus the layout's two: the crisis pauses in force and my unread notifications.
    with django_assert_num_queries(6):
        assert client.get("/departments/").content.decode().count("<tr>") == 2
    for _ in range(9):
        add_member(UserFactory.create(), DepartmentFactory.create())
    with django_assert_num_queries(6):
        assert client.get("/departments/").content.decode().count("<tr>") == 11


def test_home_page(manager: User, sales: Department, django_assert_num_queries: Any) -> None:
    client = Client()
    client.force_login(manager)
    client.get("/")
    # 1 session, 2 user, 3 my org roles, 4 my memberships with their departments, 5 my posts
    # by state, 6 comments waiting for me, 7 my posts with a notice, the training panel: 8 the
    # accounts I may draft on, 9 the current policy, 10 my certificates, 11 my assignments
    # (the requirements are read only when there are accounts); 12 my unread notifications,
    # 13 the crisis pauses in force.
    with django_assert_num_queries(13):
        assert client.get("/").status_code == 200
    for _ in range(9):
        add_member(manager, DepartmentFactory.create())
    with django_assert_num_queries(13):
        assert client.get("/").content.decode().count('class="badge"') == 10


def test_me_endpoint(api_as: Any, sme: User, django_assert_num_queries: Any) -> None:
    client = api_as(sme)
    # 1 session, 2 user, 3 my certificates with courses, 4 the current policy with my
    # acknowledgement, 5 MFA authenticators, 6 my memberships with departments, 7 my org roles.
    with django_assert_num_queries(7):
        assert len(client.get("/api/v1/me/").json()["departments"]) == 1
    for _ in range(9):
        add_member(sme, DepartmentFactory.create())
    with django_assert_num_queries(7):
        assert len(client.get("/api/v1/me/").json()["departments"]) == 10
