"""Fixtures for the usual cast: an SME, a manager, comms and legal reviewers, HR, an org admin,
and an outsider from another department."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role


@pytest.fixture(autouse=True, scope="session")
def _celery_on_an_in_memory_broker() -> Iterator[None]:
    """Tasks queued by a test go to this process's in-memory broker, never to the developer's
    filesystem queue or CI's Redis (where a worker could pick them up later). The publishing
    fault tests point the app at a real broker themselves (core/tests/celery_broker.py)."""
    from core.tests.celery_broker import MEMORY, celery_broker

    with celery_broker(MEMORY):
        yield


@pytest.fixture(autouse=True)
def _data_migration_rows(request: pytest.FixtureRequest) -> None:
    """Every test with a database starts with the rows the data migrations made (role groups,
    guidance word lists), even after a transactional test in the same process emptied the
    tables: which tests share a process depends on how the suite is spread over workers."""
    if "django_db_setup" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")  # database access, as the test will have it
    from approvals.tests.data_rows import restore_data_migration_rows

    restore_data_migration_rows()


@pytest.fixture(autouse=True)
def _local_platform_peers_allowed(settings: Any) -> None:
    """The connector, credentials and publishing tests talk to real peers on 127.0.0.1 over
    plain http, which production refuses (channels_app/tests/test_outbound_requests.py turns
    this off again to show the refusals)."""
    settings.SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS = True


@pytest.fixture(autouse=True)
def _fresh_login_rate_limits(request: pytest.FixtureRequest) -> None:
    """Browser tests log in through the real form, all from 127.0.0.1: allauth's per-address
    login limit (30 a minute) counts them across tests, so a suite run would hit it. Each
    browser test starts with an empty count (the limits themselves are tested in accounts)."""
    if request.node.get_closest_marker("browser") is not None:
        from django.core.cache import cache

        cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing costs ~0.3 s a password; tests check behaviour, not key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def comms_department(db: None) -> Department:
    return DepartmentFactory.create(name="Communications", slug="communications")


@pytest.fixture
def sales(db: None) -> Department:
    return DepartmentFactory.create(name="Sales", slug="sales")


@pytest.fixture
def rnd(db: None) -> Department:
    return DepartmentFactory.create(name="R&D", slug="rnd")


@pytest.fixture
def sme(sales: Department) -> User:
    user = UserFactory.create(email="sme@example.test", full_name="Sam Sales")
    add_member(user, sales)
    return user


@pytest.fixture
def manager(sales: Department) -> User:
    user = UserFactory.create(email="manager@example.test", full_name="Max Manager")
    add_member(user, sales, "manager")
    return user


@pytest.fixture
def outsider(rnd: Department) -> User:
    user = UserFactory.create(email="outsider@example.test", full_name="Olly Outsider")
    add_member(user, rnd)
    return user


@pytest.fixture
def comms_reviewer(comms_department: Department) -> User:
    user = UserFactory.create(email="comms@example.test", full_name="Colin Comms")
    add_member(user, comms_department)
    return give_org_role(user, OrgRole.COMMS_REVIEWER)


@pytest.fixture
def legal_reviewer(comms_department: Department) -> User:
    user = UserFactory.create(email="legal@example.test", full_name="Lena Legal")
    add_member(user, comms_department)
    return give_org_role(user, OrgRole.LEGAL_REVIEWER)


@pytest.fixture
def hr_user(db: None) -> User:
    user = UserFactory.create(email="hr@example.test", full_name="Harriet HR")
    return give_org_role(user, OrgRole.HR)


@pytest.fixture
def org_admin(db: None) -> User:
    user = UserFactory.create(email="admin@example.test", full_name="Ada Admin")
    return give_org_role(user, OrgRole.ORG_ADMIN)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api: APIClient) -> Any:
    """api_as(user) -> an API client authenticated as that person (or anonymous for None)."""

    def _as(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            # A real session: each request loads the person afresh, as in production.
            client.force_login(user)
        return client

    return _as


# --- Browser tests: Playwright driving Debian's Chromium, never a downloaded browser. ----------

CHROMIUM = os.environ.get("SOCIALHUB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Browser tests need Chromium: apt-get install chromium (CI installs it).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }
