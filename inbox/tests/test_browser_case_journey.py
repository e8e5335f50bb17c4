"""A helpdesk case in a real browser: the triager sends a mention to support as customer
service; an agent hands it to the helpdesk from the case panel; once the worker has created
the ticket the panel shows its number and status; the helpdesk solves it, and after the status
task has run the conversation shows closed."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals.tests.factories import make_account
from approvals.tests.test_browser_journey import _log_in, _log_out
from inbox.helpdesks import registry
from inbox.helpdesks.zendesk import ZendeskConnector
from inbox.models import Case, Conversation
from inbox.services.helpdesk import helpdesk_connection_save
from inbox.tasks import case_deliver, cases_follow
from inbox.tests.factories import make_conversation
from inbox.tests.peers.helpdesk_standins import FakeZendesk

pytestmark = pytest.mark.browser


def test_a_case_is_created_shown_solved_and_the_conversation_closes(
    page: Page, live_server: Any, transactional_db: None, httpserver: HTTPServer
) -> None:
    base = live_server.url
    zendesk = FakeZendesk(httpserver).install()
    registry._instances["zendesk"] = ZendeskConnector()
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    support = DepartmentFactory.create(name="Support", slug="support")
    comms_department = DepartmentFactory.create(name="Communications", slug="communications")
    agent = UserFactory.create(email="agent@example.test", full_name="Alex Agent")
    add_member(agent, support)
    triager = give_org_role(
        UserFactory.create(email="triage@example.test", full_name="Tess Triage"), OrgRole.TRIAGE
    )
    add_member(triager, comms_department)
    admin = give_org_role(UserFactory.create(email="admin@example.test"), OrgRole.ORG_ADMIN)
    helpdesk_connection_save(actor=admin, kind="zendesk", data=zendesk.settings())
    account = make_account(sales, platform="mastodon", handle="@acme@mastodon.example")
    conversation = make_conversation(account, "@acme my order 1234 never arrived", author="kim")

    _log_in(page, base, "triage@example.test")
    page.goto(f"{base}/inbox/{conversation.pk}/")
    page.get_by_label("Customer service").check()
    page.get_by_label("Department").select_option("support")
    page.get_by_role("button", name="Triage").click()
    expect(page.get_by_text("Triaged.")).to_be_visible()
    _log_out(page)

    _log_in(page, base, "agent@example.test")
    page.goto(f"{base}/inbox/{conversation.pk}/")
    page.get_by_role("button", name="Create a helpdesk case").click()
    expect(page.get_by_text("Handing it to the helpdesk")).to_be_visible()
    case = Case.objects.get(conversation=conversation)
    assert case_deliver(case.pk) == "created"  # the worker's task
    ticket = zendesk.with_external_id(case.external_id)[0]
    # The panel refreshes itself while the case is on its way.
    number = page.locator("[data-case-number]")
    expect(number).to_have_text(str(ticket["id"]), timeout=10_000)
    expect(page.locator("[data-case-status]")).to_have_text("Open")

    zendesk.set_status(str(ticket["id"]), "solved")  # the helpdesk solves it
    assert cases_follow() == 1  # the beat task
    page.reload()
    expect(page.locator("[data-case-status]")).to_have_text("Solved")
    expect(page.locator("h1 + p .badge").first).to_have_text("Closed")
    conversation.refresh_from_db()
    assert conversation.state == "closed"
    registry._instances.pop("zendesk", None)
    assert zendesk.problems == []
    assert len(Conversation.objects.all()) == 1
