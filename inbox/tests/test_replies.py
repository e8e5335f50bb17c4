"""Answering a conversation: the owner's reply is a post answering one item, reviewed and
published like any post; on mastodon-mock it appears once, threaded under the item, and the
first-response clock stops."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from accounts.models import User
from activity.models import AuditEvent
from approvals import services as post_services
from approvals.models import Post
from channels_app import services as channel_services
from channels_app.models import BrandAccount
from channels_app.tests.peers.fixtures import MastodonPeer
from inbox import ingestion
from inbox import tasks as inbox_tasks
from inbox.models import Conversation
from inbox.services import ownership, triage
from inbox.tests.factories import make_conversation
from publishing import tasks as publishing_tasks

pytestmark = pytest.mark.django_db

URL = "/api/v1/inbox/conversations/"


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


def _assigned_to_sales(conversation: Conversation, triager: User) -> Conversation:
    return triage.conversation_triage(
        actor=triager, conversation=conversation, outcome="public_response", department="sales"
    )


def test_a_mention_answered_in_public_appears_once_under_it(
    peer: MastodonPeer,
    account: BrandAccount,
    triager: User,
    sme: User,
    comms_reviewer: User,
    api_as: Any,
) -> None:
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=peer.credentials()
    )
    peer.post_as("fan", f"@acme hello {uuid.uuid4().hex[:8]}")
    ingestion.account_poll(account=account)
    tag = uuid.uuid4().hex[:8]
    mention = peer.post_as("fan", f"@acme does it run on ARM? {tag}")
    ingestion.account_poll(account=account)
    conversation = Conversation.objects.get(thread_key=mention["id"])
    _assigned_to_sales(conversation, triager)
    api_as(sme).post(f"{URL}{conversation.pk}/claim/")

    answer = api_as(sme).post(
        f"{URL}{conversation.pk}/replies/",
        {"text": f"It does, on every ARM board we sell. {tag}", "submit": True},
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    assert answer.json()["state"] == "in_review"
    post = Post.objects.get(pk=answer.json()["id"])
    assert post.reply_to_item_id == mention["id"]
    post_services.post_approve(post=post, actor=comms_reviewer)
    post_services.post_publish_now(post=Post.objects.get(pk=post.pk), actor=comms_reviewer)
    publishing_tasks.publish_post(post.pk)
    context = peer.api("GET", f"/api/v1/statuses/{mention['id']}/context")
    ours = [s for s in context["descendants"] if s["account"]["username"] == "acme"]
    assert len(ours) == 1
    assert ours[0]["in_reply_to_id"] == mention["id"]

    inbox_tasks.sla_notices()

    conversation.refresh_from_db()
    assert conversation.first_response_at is not None
    listed = api_as(sme).get(f"{URL}{conversation.pk}/replies/").json()
    assert [(r["id"], r["state"]) for r in listed] == [(post.pk, "published")]
    assert api_as(sme).post(f"{URL}{conversation.pk}/close/").json()["state"] == "closed"


def test_only_the_owner_answers(
    api_as: Any, account: BrandAccount, triager: User, sme: User, manager: User, outsider: User
) -> None:
    conversation = _assigned_to_sales(make_conversation(account), triager)
    reply = {"text": "Thanks, we are on it."}

    unclaimed = api_as(sme).post(f"{URL}{conversation.pk}/replies/", reply, format="json")
    ownership.conversation_claim(actor=sme, conversation=conversation)
    second = api_as(manager).post(f"{URL}{conversation.pk}/replies/", reply, format="json")
    stranger = api_as(triager).post(f"{URL}{conversation.pk}/replies/", reply, format="json")
    hidden = api_as(outsider).post(f"{URL}{conversation.pk}/replies/", reply, format="json")

    assert (unclaimed.status_code, unclaimed.json()["code"]) == (409, "not_claimed")
    assert (second.status_code, second.json()["code"]) == (409, "already_claimed")
    assert stranger.status_code == 403
    assert hidden.status_code == 404
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "Hi", "item": 999999}, "item"),
        ({"text": "Hi", "saved_reply": 999999}, "saved_reply"),
        ({"text": "Hi", "submit": "perhaps"}, "submit"),
    ],
)
def test_bad_replies_are_400_and_write_nothing(
    api_as: Any, account: BrandAccount, triager: User, sme: User, data: dict[str, Any], field: str
) -> None:
    conversation = _assigned_to_sales(make_conversation(account), triager)
    ownership.conversation_claim(actor=sme, conversation=conversation)

    answer = api_as(sme).post(f"{URL}{conversation.pk}/replies/", data, format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert not Post.objects.exists()
    assert not AuditEvent.objects.filter(action="inbox.reply_drafted").exists()


def test_a_draft_reply_is_audited_on_the_conversation(
    api_as: Any, account: BrandAccount, triager: User, sme: User
) -> None:
    conversation = _assigned_to_sales(make_conversation(account), triager)
    ownership.conversation_claim(actor=sme, conversation=conversation)

    answer = api_as(sme).post(
        f"{URL}{conversation.pk}/replies/", {"text": "We will look into it."}, format="json"
    )

    assert answer.status_code == 201
    assert answer.json()["state"] == "draft"
    event = AuditEvent.objects.get(action="inbox.reply_drafted")
    assert event.data["post"] == answer.json()["id"]
