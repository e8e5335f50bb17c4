"""Ingestion against mastodon-mock: a second account ("fan") mentions the brand ("acme"),
replies to its post and writes it a direct message; the inbox stores each item once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from approvals.models import Post
from approvals.tests.factories import make_post
from channels_app import services as channel_services
from channels_app.connectors import PostPayload, connector_for
from channels_app.models import BrandAccount
from channels_app.tests.peers.fixtures import MastodonPeer
from inbox import ingestion, tasks
from inbox.models import Conversation, InboxItem, Outcome, PollState, RoutingRule


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


@pytest.fixture
def connected(peer: MastodonPeer, account: BrandAccount) -> BrandAccount:
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=peer.credentials()
    )
    # Everything already on the shared instance: the first poll takes the newest page only
    # (one item at least, so that the cursor marks a place).
    peer.post_as("fan", f"@acme hello {uuid.uuid4().hex[:8]}")
    ingestion.account_poll(account=account)
    return account


def _thread(peer: MastodonPeer, sme: User, account: BrandAccount) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    ours = connector_for("mastodon").publish(
        peer.credentials(), PostPayload(text=f"Our spring release {tag}", idempotency_key=tag)
    )
    post = make_post(sme, account, f"Our spring release {tag}")
    Post.objects.filter(pk=post.pk).update(external_id=ours.external_id)
    return {
        "tag": tag,
        "post": post,
        "mention": peer.post_as("fan", f"@acme does it run on ARM? {tag}"),
        "reply": peer.post_as("fan", f"@acme love it {tag}", in_reply_to_id=ours.external_id),
        "direct": peer.post_as("fan", f"@acme my order is late {tag}", visibility="direct"),
    }


def test_a_poll_stores_mentions_replies_and_direct_messages_in_conversations(
    peer: MastodonPeer, connected: BrandAccount, sme: User
) -> None:
    sent = _thread(peer, sme, connected)
    before = InboxItem.objects.count()

    report = ingestion.account_poll(account=connected)

    assert (report.stored, report.skipped, report.error) == (3, 0, "")
    assert InboxItem.objects.count() == before + 3
    mention = Conversation.objects.get(thread_key=sent["mention"]["id"])
    assert mention.subject == f"@acme does it run on ARM? {sent['tag']}"
    assert mention.author_handle == "@fan@mastodon.example"
    assert (mention.state, mention.item_count, mention.post_id) == ("new", 1, None)
    reply = InboxItem.objects.get(platform_item_id=sent["reply"]["id"])
    assert reply.conversation.post_id == sent["post"].pk  # it answers one of our posts
    direct = InboxItem.objects.get(platform_item_id=sent["direct"]["id"])
    assert direct.is_private
    assert direct.conversation.is_private
    state = PollState.objects.get(brand_account=connected)
    assert state.cursor
    assert state.failures == 0
    assert state.next_poll_at is not None
    assert state.next_poll_at > timezone.now()


def test_a_second_poll_stores_nothing_new(
    peer: MastodonPeer, connected: BrandAccount, sme: User
) -> None:
    _thread(peer, sme, connected)
    ingestion.account_poll(account=connected)
    count = InboxItem.objects.count()

    again = ingestion.account_poll(account=connected)

    assert again.stored == 0
    assert InboxItem.objects.count() == count


def test_items_stored_again_from_an_old_cursor_are_not_duplicated(
    peer: MastodonPeer, connected: BrandAccount, sme: User
) -> None:
    """A worker killed after storing but before its cursor was kept (or a restored cursor)
    reads the same items again: the unique constraint leaves them as they are."""
    state = PollState.objects.get(brand_account=connected)
    old_cursor = state.cursor
    _thread(peer, sme, connected)
    ingestion.account_poll(account=connected)
    count = InboxItem.objects.count()
    PollState.objects.filter(pk=state.pk).update(cursor=old_cursor)

    again = ingestion.account_poll(account=connected)

    assert again.stored == 0
    assert InboxItem.objects.count() == count


def test_a_rate_limit_waits_what_the_platform_asked_and_keeps_the_cursor(
    peer: MastodonPeer, connected: BrandAccount
) -> None:
    cursor = PollState.objects.get(brand_account=connected).cursor
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/notifications"},
            "effect": {"type": "ratelimit", "headers": {"Retry-After": "420"}},
            "count": 1,
        }
    )
    start = timezone.now()

    report = ingestion.account_poll(account=connected)

    state = PollState.objects.get(brand_account=connected)
    assert report.stored == 0
    assert report.error
    assert state.cursor == cursor
    assert state.failures == 0  # a rate limit is not an error in a row
    assert state.next_poll_at is not None
    assert start + timedelta(seconds=415) < state.next_poll_at < start + timedelta(seconds=440)


def test_other_errors_back_off_and_are_recorded(
    peer: MastodonPeer, connected: BrandAccount
) -> None:
    peer.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/notifications"},
            "effect": {"type": "status", "status": 503},
            "count": 2,
        }
    )
    start = timezone.now()

    ingestion.account_poll(account=connected)
    first = PollState.objects.get(brand_account=connected)
    ingestion.account_poll(account=connected)
    second = PollState.objects.get(brand_account=connected)

    assert (first.failures, second.failures) == (1, 2)
    assert first.last_error
    assert second.last_error_at is not None
    assert second.next_poll_at is not None
    assert second.next_poll_at >= start + timedelta(seconds=119)  # 60 s, then 120 s


def test_routing_rules_prefill_the_suggestion(
    peer: MastodonPeer, connected: BrandAccount, sales: Department
) -> None:
    RoutingRule.objects.create(
        name="Orders to support",
        priority=1,
        keywords="order, refund",
        outcome=Outcome.CUSTOMER_SERVICE,
    )
    RoutingRule.objects.create(
        name="Everything on this account to sales",
        priority=2,
        brand_account=connected,
        outcome=Outcome.PUBLIC_RESPONSE,
        department=sales,
    )
    tag = uuid.uuid4().hex[:8]
    order = peer.post_as("fan", f"@acme where is my ORDER {tag}")
    other = peer.post_as("fan", f"@acme nice shoes {tag}")

    ingestion.account_poll(account=connected)

    routed = Conversation.objects.get(thread_key=order["id"])
    assert routed.suggested_outcome == Outcome.CUSTOMER_SERVICE
    assert routed.state == "new"  # the triager confirms
    fallback = Conversation.objects.get(thread_key=other["id"])
    assert (fallback.suggested_outcome, fallback.suggested_department) == (
        Outcome.PUBLIC_RESPONSE,
        sales,
    )


def test_the_beat_task_queues_each_due_account_once(
    connected: BrandAccount, queued: Any, sales: Department
) -> None:
    PollState.objects.filter(brand_account=connected).update(next_poll_at=None)
    unconnected = BrandAccount.objects.create(
        platform="mastodon", handle="@other@mastodon.example", display_name="x", department=sales
    )

    assert tasks.poll_accounts() == 1
    assert tasks.poll_accounts() == 0  # claimed for its interval

    sent = [task for task in queued() if task.name == "inbox.poll_account"]
    assert [tuple(task.args) for task in sent] == [(connected.pk,)]
    assert unconnected.pk not in [task.args[0] for task in sent]
