"""The inbox's usual setting: a sales account with conversations, a support department, a
triager in communications; real platform peers for ingestion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals.tests.factories import make_account
from channels_app.models import BrandAccount

# Real platform peers (the connectors' own fixtures, shared).
from channels_app.tests.peers.fixtures import (  # noqa: F401  (fixtures, found by name)
    make_httpserver,
    mastodon_peer,
    x_api,
)
from inbox.helpdesks import registry
from inbox.helpdesks.zendesk import ZendeskConnector
from inbox.models import Conversation, HelpdeskConnection
from inbox.services.helpdesk import helpdesk_connection_save
from inbox.services.triage import conversation_triage
from inbox.tests.factories import make_conversation
from inbox.tests.peers.helpdesk_standins import FakeZendesk


@pytest.fixture
def support(db: None) -> Department:
    return DepartmentFactory.create(name="Support", slug="support")


@pytest.fixture
def triager(comms_department: Department) -> User:
    user = UserFactory.create(email="triage@example.test", full_name="Tess Triage")
    add_member(user, comms_department)
    return give_org_role(user, OrgRole.TRIAGE)


@pytest.fixture
def agent(support: Department) -> User:
    user = UserFactory.create(email="agent@example.test", full_name="Alex Agent")
    add_member(user, support)
    return user


@pytest.fixture
def account(sales: Department, comms_department: Department) -> BrandAccount:
    return make_account(
        sales,
        platform="mastodon",
        handle="@acme@mastodon.example",
        display_name="Sales on Mastodon",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )


@pytest.fixture(autouse=True)
def inbox_settings(settings: Any) -> None:
    settings.SOCIALHUB_INBOX_BACKOFF_BASE = 60.0
    settings.SOCIALHUB_INBOX_BACKOFF_MAX = 3600.0


@pytest.fixture
def queued() -> Any:
    """queued() -> the tasks this test put on the (in-memory) broker, taken off it."""
    from core.tests.celery_broker import take_queued_tasks

    take_queued_tasks()
    return take_queued_tasks


# The helpdesk: the Zendesk stand-in, connected, and a customer-service conversation.


@pytest.fixture
def zendesk(httpserver: HTTPServer) -> Iterator[FakeZendesk]:
    fake = FakeZendesk(httpserver).install()
    # A short read timeout, so a lost answer is seen quickly; long enough that a busy machine
    # (the fault tests' workers running beside) still answers the ordinary requests in time.
    # test_cases.py's lost answer hangs 3 s, well past it.
    registry._instances["zendesk"] = ZendeskConnector(read_timeout=1.0)
    yield fake
    registry._instances.pop("zendesk", None)
    assert fake.problems == []


@pytest.fixture
def connected(org_admin: User, zendesk: FakeZendesk) -> HelpdeskConnection:
    return helpdesk_connection_save(actor=org_admin, kind="zendesk", data=zendesk.settings())


@pytest.fixture
def conversation(
    account: BrandAccount, triager: User, support: Department, settings: Any
) -> Conversation:
    settings.SOCIALHUB_HELPDESK_RETRY_BASE = 1.0
    conversation = make_conversation(account, "@acme my order 1234 never arrived")
    return conversation_triage(
        actor=triager, conversation=conversation, outcome="customer_service", department=support
    )
