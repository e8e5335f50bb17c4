"""The Salesforce connector against a local stand-in speaking the Salesforce REST API."""

from __future__ import annotations

import pytest

from inbox.helpdesks.base import CaseState, OutcomeUnknownError, PermanentError, RetryableError
from inbox.helpdesks.salesforce import SalesforceConnector
from inbox.helpdesks.tests.cases import case_request
from inbox.tests.peers.helpdesk_standins import SF_API, FakeSalesforce


def test_verify_names_the_user_and_the_reference_field(salesforce_api: FakeSalesforce) -> None:
    identity = SalesforceConnector().verify(salesforce_api.settings())

    assert (identity.account_id, identity.name) == ("0055g00000DxYzAAAB", "SocialHub Integration")
    assert identity.detail.endswith("reference field SocialHub_External_Id__c")


def test_a_wrong_token_is_refused(salesforce_api: FakeSalesforce) -> None:
    with pytest.raises(PermanentError, match="INVALID_SESSION_ID") as refused:
        SalesforceConnector().verify(salesforce_api.settings(access_token="00Dwrong!token"))

    assert "connect again" in str(refused.value)


def test_a_missing_or_not_unique_reference_field_is_refused(
    salesforce_api: FakeSalesforce,
) -> None:
    with pytest.raises(PermanentError, match="Case has no field Other_Id__c"):
        SalesforceConnector().verify(salesforce_api.settings(external_id_field="Other_Id__c"))
    salesforce_api.external_id_unique = False
    with pytest.raises(PermanentError, match="must be marked External ID and Unique"):
        SalesforceConnector().verify(salesforce_api.settings())


def test_create_find_status_and_note(salesforce_api: FakeSalesforce) -> None:
    connector = SalesforceConnector()
    request = case_request()

    ref = connector.create_case(salesforce_api.settings(), request)

    [case] = salesforce_api.with_external_id(request.external_id)
    assert (ref.case_id, ref.number) == (case["Id"], case["CaseNumber"])
    assert ref.url == f"{salesforce_api.url}/lightning/r/Case/{case['Id']}/view"
    assert case["Subject"] == request.subject
    assert (case["SuppliedName"], case["Origin"]) == ("A Fan", "Social")
    assert "SuppliedEmail" not in case
    assert "my order #1234 has not arrived" in case["Description"]
    assert connector.find_case(salesforce_api.settings(), request.external_id) == ref
    assert connector.find_case(salesforce_api.settings(), "socialhub-conversation-x") is None

    status = connector.case_status(salesforce_api.settings(), ref.case_id)
    assert (status.state, status.helpdesk_status) == (CaseState.OPEN, "New")

    connector.add_note(salesforce_api.settings(), ref.case_id, "The customer wrote again.")
    assert salesforce_api.comments[-1]["ParentId"] == ref.case_id
    assert salesforce_api.comments[-1]["CommentBody"] == "The customer wrote again."
    assert salesforce_api.comments[-1]["IsPublished"] is False


@pytest.mark.parametrize(
    ("status", "closed", "state"),
    [
        ("Working", False, CaseState.OPEN),
        ("Escalated", False, CaseState.OPEN),
        ("On Hold", False, CaseState.PENDING),
        ("Waiting on Customer", False, CaseState.PENDING),
        ("Closed", True, CaseState.SOLVED),
    ],
)
def test_status_follows_the_helpdesk(
    salesforce_api: FakeSalesforce, status: str, closed: bool, state: str
) -> None:
    connector = SalesforceConnector()
    ref = connector.create_case(salesforce_api.settings(), case_request())
    salesforce_api.set_status(ref.case_id, status, closed=closed)

    found = connector.case_status(salesforce_api.settings(), ref.case_id)

    assert (found.state, found.helpdesk_status) == (state, status)


def test_a_5xx_then_success_makes_one_case(salesforce_api: FakeSalesforce) -> None:
    connector = SalesforceConnector()
    request = case_request()
    salesforce_api.fail_next(
        "POST",
        f"{SF_API}/sobjects/Case/",
        503,
        [{"message": "Server unavailable", "errorCode": "SERVER_UNAVAILABLE"}],
    )

    with pytest.raises(RetryableError, match="SERVER_UNAVAILABLE"):
        connector.create_case(salesforce_api.settings(), request)
    ref = connector.create_case(salesforce_api.settings(), request)

    assert [c["Id"] for c in salesforce_api.with_external_id(request.external_id)] == [ref.case_id]


def test_a_timeout_after_the_helpdesk_accepted_is_found_not_resent(
    salesforce_api: FakeSalesforce,
) -> None:
    connector = SalesforceConnector(read_timeout=0.3)
    request = case_request()
    salesforce_api.hang_after_recording("POST", f"{SF_API}/sobjects/Case/", 1.0)

    with pytest.raises(OutcomeUnknownError):
        connector.create_case(salesforce_api.settings(), request)
    found = connector.find_case(salesforce_api.settings(), request.external_id)

    assert found is not None
    assert [c["Id"] for c in salesforce_api.with_external_id(request.external_id)] == [
        found.case_id
    ]


def test_a_resend_meets_the_unique_field_and_gets_the_first_case(
    salesforce_api: FakeSalesforce,
) -> None:
    """Even a resend that skipped the look-up creates nothing: the field is unique."""
    connector = SalesforceConnector()
    request = case_request()

    first = connector.create_case(salesforce_api.settings(), request)
    second = connector.create_case(salesforce_api.settings(), request)

    assert first == second
    assert len(salesforce_api.cases) == 1


def test_a_refusal_is_permanent_with_the_helpdesks_message(
    salesforce_api: FakeSalesforce,
) -> None:
    salesforce_api.origins.discard("Social")

    with pytest.raises(PermanentError) as refused:
        SalesforceConnector().create_case(salesforce_api.settings(), case_request())

    assert refused.value.status == 400
    assert str(refused.value) == (
        "Salesforce: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value for restricted "
        "picklist field: Social"
    )
    assert salesforce_api.cases == {}


def test_a_secret_the_helpdesk_echoes_is_redacted(salesforce_api: FakeSalesforce) -> None:
    token = salesforce_api.access_token
    salesforce_api.fail_next(
        "GET",
        f"{SF_API}/sobjects/Case/5005g00000AbCdEAAV",
        403,
        [{"message": f"Token {token} lacks access", "errorCode": "INSUFFICIENT_ACCESS"}],
    )

    with pytest.raises(PermanentError) as refused:
        SalesforceConnector().case_status(salesforce_api.settings(), "5005g00000AbCdEAAV")

    assert str(refused.value) == "Salesforce: INSUFFICIENT_ACCESS: Token [redacted] lacks access"


def test_what_is_not_a_record_id_or_field_is_refused_before_sending(
    salesforce_api: FakeSalesforce,
) -> None:
    with pytest.raises(PermanentError, match="No Salesforce case"):
        SalesforceConnector().add_note(salesforce_api.settings(), "../CaseComment", "x")
    with pytest.raises(PermanentError, match="not the API name of a custom field"):
        SalesforceConnector().find_case(
            salesforce_api.settings(external_id_field="Id/../x"), "socialhub-1"
        )
