"""The interface every helpdesk connector shares: what a case request may hold and what the
helpdesk receives of it, the registry, and the checks of connection settings."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from core.errors import InvalidInput, Unavailable
from inbox.helpdesks.base import (
    CaseRequest,
    CustomerMessage,
    HelpdeskConnector,
    case_description,
    has_reference,
)
from inbox.helpdesks.registry import HELPDESKS, HelpdeskKind, connector_for, setting_fields
from inbox.helpdesks.tests.cases import case_request
from inbox.helpdesks.validation import SettingsRefused, clean_settings, verify_settings
from inbox.tests.peers.helpdesk_standins import FakeSalesforce, FakeZendesk

# --- what is sent --------------------------------------------------------------------------


def test_a_case_request_holds_only_the_customers_words_and_public_profile() -> None:
    """Private by design: there is no field for anything written inside SocialHub."""
    names = set(inspect.signature(CaseRequest).parameters)

    assert names == {
        "external_id",
        "subject",
        "platform",
        "customer_handle",
        "customer_name",
        "customer_url",
        "customer_email",
        "messages",
    }
    assert set(inspect.signature(CustomerMessage).parameters) == {"text", "sent_at", "url"}


def test_the_description_is_the_customers_messages_and_our_reference() -> None:
    request = case_request(external_id="socialhub-conversation-42")

    assert case_description(request) == (
        "A Fan (@fan@mastodon.example) wrote on Mastodon:\n"
        "\n"
        "[2026-03-02 09:15 UTC] @acme my order #1234 has not arrived, three weeks now\n"
        "https://mastodon.example/@fan/1001\n"
        "\n"
        "[2026-03-02 11:40 UTC] Anyone there?\n"
        "https://mastodon.example/@fan/1002\n"
        "\n"
        "Profile: https://mastodon.example/@fan\n"
        "SocialHub reference: socialhub-conversation-42"
    )
    assert has_reference(case_description(request), "socialhub-conversation-42")
    assert not has_reference(case_description(request), "socialhub-conversation-4")


def test_times_are_in_utc_and_a_long_text_keeps_its_reference() -> None:
    paris = timezone(timedelta(hours=1))
    sent_at = datetime(2026, 3, 2, 10, 15, tzinfo=paris)
    request = case_request(
        external_id="socialhub-conversation-7",
        messages=(CustomerMessage(text="x" * 5000, sent_at=sent_at),),
    )

    full = case_description(request)
    cut = case_description(request, limit=300)

    assert "\n\n[2026-03-02 09:15 UTC] xxx" in full
    assert len(cut) == 300
    assert cut.endswith(
        "x…\n\nProfile: https://mastodon.example/@fan\n"
        "SocialHub reference: socialhub-conversation-7"
    )


@pytest.mark.parametrize(
    "external_id", ["", "has space", "slash/in/it", "x" * 81, "-starts-with-a-dash"]
)
def test_an_external_id_that_cannot_travel_safely_is_refused(external_id: str) -> None:
    with pytest.raises(ValueError, match="external id"):
        case_request(external_id=external_id)


def test_a_case_needs_a_message_and_aware_times() -> None:
    with pytest.raises(ValueError, match="at least one message"):
        case_request(messages=())
    with pytest.raises(ValueError, match="timezone-aware"):
        CustomerMessage(text="hi", sent_at=datetime(2026, 3, 2, 9, 15))  # noqa: DTZ001
    assert CustomerMessage(text="hi", sent_at=datetime(2026, 3, 2, tzinfo=UTC)).url == ""


# --- the registry --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", HelpdeskKind.values)
def test_every_kind_has_a_connector_with_its_settings(kind: str) -> None:
    connector = connector_for(kind)

    assert isinstance(connector, HelpdeskConnector)
    assert connector.kind == kind
    assert connector_for(kind) is connector
    assert setting_fields(kind) == connector.fields
    assert connector.url_field in {f.name for f in connector.fields if f.input == "url"}
    assert connector.secret_names(), "every helpdesk has a secret, stored encrypted"


def test_an_unknown_kind_has_no_connector() -> None:
    assert set(HELPDESKS) == set(HelpdeskKind.values)
    with pytest.raises(LookupError):
        connector_for("freshdesk")
    assert setting_fields("freshdesk") == ()


# --- checking settings ---------------------------------------------------------------------


def test_clean_settings_keeps_good_values_in_their_stored_form() -> None:
    cleaned, errors = clean_settings(
        "django_helpdesk",
        {
            "url": " https://Help.Example.com/ ",
            "path": "helpdesk/",
            "username": "socialhub",
            "password": "s3cret-password",
            "queue_id": "4",
        },
    )

    assert errors == {}
    assert cleaned == {
        "url": "https://help.example.com",
        "path": "/helpdesk",
        "username": "socialhub",
        "password": "s3cret-password",
        "queue_id": "4",
    }


def test_clean_settings_says_what_is_wrong_field_by_field(settings: Any) -> None:
    settings.SOCIALHUB_ALLOW_PRIVATE_PLATFORM_HOSTS = False  # as in production

    cleaned, errors = clean_settings(
        "zendesk",
        {"url": "https://127.0.0.1/", "email": "not-an-address", "api_tokn": "x"},
    )

    assert cleaned == {}
    assert set(errors) == {"url", "email", "api_token", "api_tokn"}
    assert "not a public internet address" in errors["url"][0]
    assert errors["api_token"] == ["API token is required."]
    assert errors["api_tokn"][0].startswith("Unknown setting for Zendesk")


def test_clean_settings_refuses_an_unknown_kind_and_bad_shapes() -> None:
    assert clean_settings("freshdesk", {})[1] == {
        "kind": ["Choose one of: django_helpdesk, zendesk, salesforce."]
    }
    assert "settings" in clean_settings("zendesk", ["url"])[1]
    assert clean_settings("zendesk", {"url": 7})[1]["url"] == ["Enter text."]
    errors = clean_settings("salesforce", {"external_id_field": "Id; DROP"})[1]
    assert errors["external_id_field"] == [
        "Give the field's API name, e.g. SocialHub_External_Id__c."
    ]


def test_a_secret_left_empty_keeps_the_stored_one() -> None:
    stored = {"url": "https://acme.zendesk.com", "email": "a@acme.example", "api_token": "old-tok"}

    cleaned, errors = clean_settings(
        "zendesk", {"url": "https://acme.zendesk.com", "email": "b@acme.example"}, stored=stored
    )

    assert errors == {}
    assert cleaned == {**stored, "email": "b@acme.example"}


def test_verify_settings_asks_the_helpdesk(zendesk_api: FakeZendesk) -> None:
    identity = verify_settings("zendesk", zendesk_api.settings())

    assert identity.name == "Support Bot"


def test_verify_settings_turns_a_refusal_into_a_field_error(
    salesforce_api: FakeSalesforce,
) -> None:
    with pytest.raises(SettingsRefused) as refused:
        verify_settings("salesforce", salesforce_api.settings(access_token="00Dwrong!token"))

    assert isinstance(refused.value, InvalidInput)
    assert refused.value.field == "settings"
    assert refused.value.message.startswith("Salesforce did not accept these settings:")


def test_verify_settings_turns_silence_into_unavailable(zendesk_api: FakeZendesk) -> None:
    zendesk_api.fail_next("GET", "/api/v2/users/me.json", 503, {"error": "Maintenance"})

    with pytest.raises(Unavailable) as unavailable:
        verify_settings("zendesk", zendesk_api.settings())

    assert unavailable.value.status_code == 503
    assert "Nothing was changed" in unavailable.value.message
