"""The Zendesk connector against a local stand-in speaking the Zendesk Support API."""

from __future__ import annotations

from typing import Any

import pytest

from inbox.helpdesks.base import (
    CaseState,
    OutcomeUnknownError,
    PermanentError,
    RateLimited,
    RetryableError,
)
from inbox.helpdesks.tests.cases import case_request
from inbox.helpdesks.zendesk import ZendeskConnector
from inbox.tests.peers.helpdesk_standins import FakeZendesk


def test_verify_names_the_agent(zendesk_api: FakeZendesk) -> None:
    identity = ZendeskConnector().verify(zendesk_api.settings())

    assert (identity.account_id, identity.name) == ("9001", "Support Bot")
    assert identity.detail == "support-bot@acme.example (agent)"


def test_a_wrong_token_is_refused(zendesk_api: FakeZendesk) -> None:
    wrong = "wrong-token-but-long-enough"

    with pytest.raises(PermanentError) as refused:
        ZendeskConnector().verify(zendesk_api.settings(api_token=wrong))

    assert refused.value.status == 401
    assert "Couldn't authenticate you" in str(refused.value)


def test_an_end_users_token_is_refused(zendesk_api: FakeZendesk) -> None:
    settings = zendesk_api.settings(
        email=zendesk_api.end_user_email, api_token=zendesk_api.end_user_token
    )

    with pytest.raises(PermanentError, match="is not an agent"):
        ZendeskConnector().verify(settings)


def test_create_find_status_and_note(zendesk_api: FakeZendesk) -> None:
    connector = ZendeskConnector()
    request = case_request()

    ref = connector.create_case(zendesk_api.settings(), request)

    [ticket] = zendesk_api.with_external_id(request.external_id)
    assert ref.case_id == ref.number == str(ticket["id"])
    assert ref.url == f"{zendesk_api.url}/agent/tickets/{ticket['id']}"
    assert ticket["subject"] == request.subject
    assert ticket["requester"] == {"name": "A Fan"}
    assert ticket["comments"][0]["public"] is False  # creating the case e-mails nobody
    assert ticket["tags"] == ["socialhub", "socialhub_mastodon"]
    assert "Anyone there?" in ticket["description"]
    assert connector.find_case(zendesk_api.settings(), request.external_id) == ref
    assert connector.find_case(zendesk_api.settings(), "socialhub-conversation-x") is None

    status = connector.case_status(zendesk_api.settings(), ref.case_id)
    assert (status.state, status.helpdesk_status) == (CaseState.OPEN, "New")

    connector.add_note(zendesk_api.settings(), ref.case_id, "The customer wrote again.")
    assert ticket["comments"][-1] == {"body": "The customer wrote again.", "public": False}


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("open", CaseState.OPEN),
        ("pending", CaseState.PENDING),
        ("hold", CaseState.PENDING),
        ("solved", CaseState.SOLVED),
        ("closed", CaseState.SOLVED),
    ],
)
def test_status_follows_the_helpdesk(zendesk_api: FakeZendesk, status: str, state: str) -> None:
    connector = ZendeskConnector()
    ref = connector.create_case(zendesk_api.settings(), case_request())
    zendesk_api.set_status(ref.case_id, status)

    assert connector.case_status(zendesk_api.settings(), ref.case_id).state == state


def test_a_customer_email_goes_only_when_given(zendesk_api: FakeZendesk) -> None:
    request = case_request(customer_email="fan@example.org")

    ZendeskConnector().create_case(zendesk_api.settings(), request)

    [ticket] = zendesk_api.with_external_id(request.external_id)
    assert ticket["requester"] == {"name": "A Fan", "email": "fan@example.org"}


def test_a_5xx_then_success_makes_one_case(zendesk_api: FakeZendesk) -> None:
    connector = ZendeskConnector()
    request = case_request()
    zendesk_api.fail_next("POST", "/api/v2/tickets.json", 503, {"error": "Service Unavailable"})

    with pytest.raises(RetryableError):
        connector.create_case(zendesk_api.settings(), request)
    ref = connector.create_case(zendesk_api.settings(), request)

    assert [str(t["id"]) for t in zendesk_api.with_external_id(request.external_id)] == [
        ref.case_id
    ]


def test_a_rate_limit_says_how_long_to_wait(zendesk_api: FakeZendesk) -> None:
    zendesk_api.fail_next(
        "POST",
        "/api/v2/tickets.json",
        429,
        {"error": "APIRateLimitExceeded"},
        headers={"Retry-After": "37"},
    )

    with pytest.raises(RateLimited) as limited:
        ZendeskConnector().create_case(zendesk_api.settings(), case_request())

    assert limited.value.retry_after_seconds == 37


def test_a_timeout_after_the_helpdesk_accepted_is_found_not_resent(
    zendesk_api: FakeZendesk,
) -> None:
    connector = ZendeskConnector(read_timeout=0.3)
    request = case_request()
    zendesk_api.hang_after_recording("POST", "/api/v2/tickets.json", 1.0)

    with pytest.raises(OutcomeUnknownError):
        connector.create_case(zendesk_api.settings(), request)
    found = connector.find_case(zendesk_api.settings(), request.external_id)

    assert found is not None
    assert [str(t["id"]) for t in zendesk_api.with_external_id(request.external_id)] == [
        found.case_id
    ]


def test_a_resend_with_the_same_idempotency_key_gets_the_first_ticket(
    zendesk_api: FakeZendesk,
) -> None:
    """Even a resend that skipped the look-up creates nothing: Zendesk replays the answer."""
    connector = ZendeskConnector()
    request = case_request()

    first = connector.create_case(zendesk_api.settings(), request)
    second = connector.create_case(zendesk_api.settings(), request)

    assert first == second
    assert len(zendesk_api.with_external_id(request.external_id)) == 1


def test_a_refusal_is_permanent_with_the_helpdesks_message(zendesk_api: FakeZendesk) -> None:
    request = case_request(customer_email=f"not-an-address {zendesk_api.api_token}")

    with pytest.raises(PermanentError) as refused:
        ZendeskConnector().create_case(zendesk_api.settings(), request)

    assert refused.value.status == 422
    assert str(refused.value).startswith(
        "Zendesk: RecordInvalid: Record validation errors: requester: Requester: Email: "
        "not-an-address [redacted] is not properly formatted"
    )
    assert zendesk_api.api_token not in str(refused.value)
    assert zendesk_api.tickets == {}


def test_an_unknown_ticket_is_permanent(zendesk_api: FakeZendesk) -> None:
    with pytest.raises(PermanentError, match="RecordNotFound: Not found"):
        ZendeskConnector().case_status(zendesk_api.settings(), "424242")
    with pytest.raises(PermanentError, match="No Zendesk ticket"):
        ZendeskConnector().add_note(zendesk_api.settings(), "../users/1", "hello")


def test_a_plain_http_address_is_refused_outside_local_peers(
    zendesk_api: FakeZendesk, settings: Any
) -> None:
    settings.SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS = False

    with pytest.raises(PermanentError, match="Zendesk URL is refused"):
        ZendeskConnector().verify(zendesk_api.settings())
