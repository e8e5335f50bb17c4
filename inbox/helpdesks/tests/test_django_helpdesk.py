"""The django-helpdesk connector against a real django-helpdesk (from PyPI) on 127.0.0.1."""

from __future__ import annotations

import pytest

from inbox.helpdesks.base import (
    CaseState,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
)
from inbox.helpdesks.django_helpdesk import DjangoHelpdeskConnector
from inbox.helpdesks.tests.cases import case_request
from inbox.tests.peers.django_helpdesk import DjangoHelpdeskPeer


@pytest.fixture
def peer(django_helpdesk_peer: DjangoHelpdeskPeer) -> DjangoHelpdeskPeer:
    django_helpdesk_peer.clear_faults()
    return django_helpdesk_peer


def test_verify_names_the_user_queue_and_reference_field(peer: DjangoHelpdeskPeer) -> None:
    identity = DjangoHelpdeskConnector().verify(peer.settings())

    assert identity.account_id == "socialhub"
    assert identity.url == f"{peer.url}/"
    assert "custom field socialhub_external_id" in identity.detail


def test_verify_leaves_no_ticket_behind(peer: DjangoHelpdeskPeer) -> None:
    before = len(peer.tickets())

    DjangoHelpdeskConnector().verify(peer.settings())

    assert len(peer.tickets()) == before


def test_wrong_password_is_refused(peer: DjangoHelpdeskPeer) -> None:
    wrong = "not-the-password-at-all"

    with pytest.raises(PermanentError) as refused:
        DjangoHelpdeskConnector().verify(peer.settings(password=wrong))

    assert refused.value.status == 401
    assert "Invalid username/password" in str(refused.value)
    assert wrong not in str(refused.value)


def test_a_user_without_staff_rights_is_refused(peer: DjangoHelpdeskPeer) -> None:
    with pytest.raises(PermanentError) as refused:
        DjangoHelpdeskConnector().verify(peer.settings(username="customer"))

    assert refused.value.status == 403


def test_an_unknown_queue_is_refused(peer: DjangoHelpdeskPeer) -> None:
    with pytest.raises(PermanentError, match="no queue 999"):
        DjangoHelpdeskConnector().verify(peer.settings(queue_id="999"))


def test_create_find_status_and_note(peer: DjangoHelpdeskPeer) -> None:
    connector = DjangoHelpdeskConnector()
    request = case_request()

    ref = connector.create_case(peer.settings(), request)

    ticket = peer.api("GET", f"/api/tickets/{ref.case_id}/")
    assert ticket["title"] == request.subject
    assert ticket["queue"] == peer.queue_id
    assert ticket["submitter_email"] == ""
    assert ticket["custom_socialhub_external_id"] == request.external_id
    assert "my order #1234 has not arrived, three weeks now" in ticket["description"]
    assert "A Fan (@fan@mastodon.example) wrote on Mastodon:" in ticket["description"]
    assert ticket["description"].endswith(f"SocialHub reference: {request.external_id}")
    assert ref.url == f"{peer.url}/tickets/{ref.case_id}/"
    assert ref.number == ref.case_id

    assert connector.find_case(peer.settings(), request.external_id) == ref
    assert connector.find_case(peer.settings(), "socialhub-conversation-none") is None

    status = connector.case_status(peer.settings(), ref.case_id)
    assert (status.state, status.helpdesk_status) == (CaseState.OPEN, "Open")

    connector.add_note(peer.settings(), ref.case_id, "The customer wrote again: thanks!")
    followups = peer.api("GET", f"/api/tickets/{ref.case_id}/")["followup_set"]
    note = followups[-1]
    assert (note["comment"], note["public"]) == ("The customer wrote again: thanks!", False)


def test_status_follows_the_helpdesk(peer: DjangoHelpdeskPeer) -> None:
    connector = DjangoHelpdeskConnector()
    ref = connector.create_case(peer.settings(), case_request())

    peer.api("PATCH", f"/api/tickets/{ref.case_id}/", json={"on_hold": True})
    held = connector.case_status(peer.settings(), ref.case_id)
    peer.api("PATCH", f"/api/tickets/{ref.case_id}/", json={"on_hold": False, "status": 3})
    resolved = connector.case_status(peer.settings(), ref.case_id)

    assert (held.state, held.helpdesk_status) == (CaseState.PENDING, "Open - On Hold")
    assert (resolved.state, resolved.helpdesk_status) == (CaseState.SOLVED, "Resolved")


def test_a_reference_in_the_description_is_found_without_the_custom_field(
    peer: DjangoHelpdeskPeer,
) -> None:
    """Helpdesks without the custom field: the description's last line is enough."""
    request = case_request()
    peer.api(
        "POST",
        "/api/tickets/",
        json={
            "queue": peer.queue_id,
            "title": "Typed in by hand",
            "priority": 3,
            "description": f"Earlier text\nSocialHub reference: {request.external_id}",
        },
    )

    found = DjangoHelpdeskConnector().find_case(peer.settings(), request.external_id)

    assert found is not None
    assert peer.api("GET", f"/api/tickets/{found.case_id}/")["title"] == "Typed in by hand"


def test_a_5xx_then_success_makes_one_case(peer: DjangoHelpdeskPeer) -> None:
    connector = DjangoHelpdeskConnector()
    request = case_request()
    peer.add_fault({"method": "POST", "path": "/api/tickets/", "status": 503})

    with pytest.raises(RetryableError) as failed:
        connector.create_case(peer.settings(), request)
    ref = connector.create_case(peer.settings(), request)

    assert failed.value.status == 503
    assert [t["id"] for t in peer.tickets_with_reference(request.external_id)] == [int(ref.case_id)]


def test_a_timeout_after_the_helpdesk_accepted_is_found_not_resent(
    peer: DjangoHelpdeskPeer,
) -> None:
    connector = DjangoHelpdeskConnector(read_timeout=0.5)
    request = case_request()
    peer.add_fault({"method": "POST", "path": "/api/tickets/", "delay": 2})

    with pytest.raises(OutcomeUnknownError):
        connector.create_case(peer.settings(), request)
    found = connector.find_case(peer.settings(), request.external_id)

    assert found is not None
    assert [t["id"] for t in peer.tickets_with_reference(request.external_id)] == [
        int(found.case_id)
    ]


def test_a_refusal_is_permanent_with_the_helpdesks_message(peer: DjangoHelpdeskPeer) -> None:
    password = peer.password
    with pytest.raises(PermanentError) as refused:
        DjangoHelpdeskConnector().create_case(peer.settings(queue_id="999"), case_request())

    assert refused.value.status == 400
    assert 'queue: Invalid pk "999" - object does not exist.' in str(refused.value)
    assert password not in str(refused.value)


def test_a_secret_the_helpdesk_echoes_is_redacted(peer: DjangoHelpdeskPeer) -> None:
    peer.add_fault(
        {
            "method": "GET",
            "path": "/api/tickets/7/",
            "status": 403,
            "detail": f"Password {peer.password} is not allowed here.",
        }
    )

    with pytest.raises(PermanentError) as refused:
        DjangoHelpdeskConnector().case_status(peer.settings(), "7")

    assert peer.password not in str(refused.value)
    assert "Password [redacted] is not allowed here." in str(refused.value)


def test_a_helpdesk_under_a_path(peer: DjangoHelpdeskPeer) -> None:
    connector = DjangoHelpdeskConnector()
    settings = peer.settings(path="/helpdesk")

    connector.verify(settings)
    ref = connector.create_case(settings, case_request())

    assert ref.url == f"{peer.url}/helpdesk/tickets/{ref.case_id}/"
    assert connector.find_case(settings, ref.external_id) == ref


@pytest.mark.parametrize("path", ["/helpdesk/..", "/../admin", "/a/./b"])
def test_dot_segments_in_the_path_are_refused(peer: DjangoHelpdeskPeer, path: str) -> None:
    with pytest.raises(PermanentError, match=r"no \. or \.\. segments"):
        DjangoHelpdeskConnector().verify(peer.settings(path=path))


def test_a_path_with_a_query_is_refused_before_sending(peer: DjangoHelpdeskPeer) -> None:
    with pytest.raises(PermanentError, match="path of the helpdesk is refused"):
        DjangoHelpdeskConnector().verify(peer.settings(path="/helpdesk?x=1"))
