"""The inbox pages: the list by tab and filter with a constant query count, the conversation
page, and triage and claiming from it (the same services as the API)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from channels_app.models import BrandAccount
from inbox.models import Conversation
from inbox.services import triage
from inbox.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_triagers_see_new_conversations_first(triager: User, account: BrandAccount) -> None:
    make_conversation(account, "@acme is it waterproof?")

    page = _client(triager).get("/inbox/")

    assert page.status_code == 200
    assert b"is it waterproof?" in page.content
    assert b'href="/inbox/"' in page.content  # the navigation offers it


def test_the_list_costs_the_same_queries_for_1_or_6(
    triager: User, account: BrandAccount, sales: Department
) -> None:
    client = _client(triager)

    def triaged() -> None:
        conversation = make_conversation(account)
        triage.conversation_triage(
            actor=triager, conversation=conversation, outcome="public_response", department="sales"
        )

    triaged()
    client.get("/inbox/?tab=all")
    with CaptureQueriesContext(connection) as one:
        client.get("/inbox/?tab=all")
    for _ in range(5):
        triaged()
    with CaptureQueriesContext(connection) as six:
        page = client.get("/inbox/?tab=all")

    assert page.content.count(b"data-inbox-row") == 6
    assert len(six) == len(one)


def test_htmx_filtering_answers_the_list_alone(triager: User, account: BrandAccount) -> None:
    make_conversation(account, "@acme parcel lost")
    make_conversation(account, "@acme hello")

    page = _client(triager).get("/inbox/", {"tab": "all", "q": "parcel"}, HTTP_HX_REQUEST="true")

    assert b"<html" not in page.content
    assert page.content.count(b"data-inbox-row") == 1


def test_a_bad_filter_is_a_400_page(triager: User) -> None:
    page = _client(triager).get("/inbox/", {"outcome": "maybe"})

    assert page.status_code == 400


def test_search_text_with_a_nul_character_is_a_400_page(triager: User) -> None:
    page = _client(triager).get("/inbox/", {"tab": "all", "q": "parcel\x00lost"})

    assert page.status_code == 400
    assert b"may not contain a NUL character" in page.content
    assert b"data-inbox-row" not in page.content


def test_people_outside_any_department_may_not_open_the_inbox(hr_user: User) -> None:
    assert _client(hr_user).get("/inbox/").status_code == 403


def test_triage_from_the_page_then_claim(
    triager: User, sme: User, outsider: User, account: BrandAccount
) -> None:
    conversation = make_conversation(account, "@acme do you ship to Norway?")
    assert _client(outsider).get(f"/inbox/{conversation.pk}/").status_code == 404

    bad = _client(triager).post(
        f"/inbox/{conversation.pk}/triage/", {"outcome": "public_response", "version": 0}
    )
    assert bad.status_code == 400
    assert b"Assign a public response" in bad.content
    answer = _client(triager).post(
        f"/inbox/{conversation.pk}/triage/",
        {"outcome": "public_response", "department": "sales", "version": 0},
    )
    assert answer.status_code == 302
    page = _client(sme).get(f"/inbox/{conversation.pk}/")
    assert b"do you ship to Norway?" in page.content
    assert b"Claim" in page.content
    assert _client(sme).post(f"/inbox/{conversation.pk}/claim/").status_code == 302
    conversation.refresh_from_db()
    assert (conversation.state, conversation.owner) == ("triaged", sme)
    timeline = _client(sme).get(f"/inbox/{conversation.pk}/").content
    assert b"inbox.triaged" in timeline
    assert b"inbox.claimed" in timeline


def test_a_second_claim_from_the_page_is_a_conflict(
    triager: User, sme: User, manager: User, account: BrandAccount
) -> None:
    conversation = make_conversation(account)
    triage.conversation_triage(
        actor=triager, conversation=conversation, outcome="public_response", department="sales"
    )
    _client(sme).post(f"/inbox/{conversation.pk}/claim/")

    answer = _client(manager).post(f"/inbox/{conversation.pk}/claim/")

    assert answer.status_code == 409
    assert Conversation.objects.get(pk=conversation.pk).owner == sme


def test_keyboard_shortcuts_come_from_a_file(triager: User, account: BrandAccount) -> None:
    conversation = make_conversation(account)

    page = _client(triager).get(f"/inbox/{conversation.pk}/").content.decode()

    assert "inbox/inbox.js" in page
    assert "<script>" not in page  # no inline script (Content-Security-Policy)


def test_the_owner_replies_from_the_page(
    triager: User, sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    from approvals.models import Post
    from inbox.models import SavedReply
    from inbox.services import ownership

    conversation = make_conversation(account, "@acme where is my order?")
    triage.conversation_triage(
        actor=triager, conversation=conversation, outcome="public_response", department="sales"
    )
    ownership.conversation_claim(actor=sme, conversation=conversation)
    SavedReply.objects.create(title="Thanks", text="Thank you, we are looking into it.")
    page = _client(sme).get(f"/inbox/{conversation.pk}/")
    assert b'id="reply-form"' in page.content
    assert b"Thanks" in page.content

    empty = _client(sme).post(f"/inbox/{conversation.pk}/reply/", {"body": ""})
    assert empty.status_code == 400
    answer = _client(sme).post(
        f"/inbox/{conversation.pk}/reply/", {"body": "Our team will write to you today."}
    )

    assert answer.status_code == 302
    post = Post.objects.get()
    assert (post.author, post.body, post.state) == (
        sme,
        "Our team will write to you today.",
        "draft",
    )
    assert b"Post #" in _client(sme).get(f"/inbox/{conversation.pk}/").content
    assert b'id="reply-form"' not in _client(triager).get(f"/inbox/{conversation.pk}/").content
