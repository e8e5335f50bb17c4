"""Replies through the engine, against the real peers: a reply post answers an item the
connector read, and the platform threads it under that item exactly once, also after a retry
or an unknown outcome; a private reply goes privately, or fails with the platform's refusal."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from approvals import replies, services
from approvals.models import Post, PostState
from approvals.tests.factories import make_account
from channels_app import services as channel_services
from channels_app.connectors import IncomingItem, PostPayload
from channels_app.connectors.bluesky import BlueskyConnector, record_key
from channels_app.connectors.mastodon import MastodonConnector, html_to_text
from channels_app.models import BrandAccount
from channels_app.tests.peers.fixtures import BlueskyPeer, MastodonPeer
from publishing import tasks
from publishing.models import PublishAttempt


@pytest.fixture(autouse=True)
def engine_settings(settings: Any) -> None:
    settings.SOCIALHUB_PUBLISH_RETRY_BASE = 10.0
    settings.SOCIALHUB_PUBLISH_MAX_ATTEMPTS = 3
    settings.SOCIALHUB_PUBLISH_CHECK_DELAY = 60.0


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


def _account(
    platform: str, handle: str, sales: Department, comms: Department, credentials: dict[str, str]
) -> BrandAccount:
    account = make_account(
        sales, platform=platform, handle=handle, drafters=[sales], reviewers=[comms],
        publishers=[comms],
    )  # fmt: skip
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=credentials
    )
    return account


@pytest.fixture
def mastodon_account(
    peer: MastodonPeer, sales: Department, comms_department: Department
) -> BrandAccount:
    return _account("mastodon", peer.handle(), sales, comms_department, peer.credentials())


def _mention(peer: MastodonPeer, text: str) -> IncomingItem:
    """The fan writes to the brand; the connector reads it as the inbox will."""
    connector = MastodonConnector()
    page = connector.fetch_incoming(peer.credentials(), cursor=None)
    cursor = page.cursor
    while page.more:
        page = connector.fetch_incoming(peer.credentials(), cursor=cursor)
        cursor = page.cursor
    status = peer.post_as("fan", text)
    items = connector.fetch_incoming(peer.credentials(), cursor=cursor).items
    (item,) = [i for i in items if i.platform_item_id == status["id"]]
    return item


def _approved_reply(
    sme: User, comms: User, account: BrandAccount, item: IncomingItem, text: str, **extra: Any
) -> Post:
    post = replies.reply_post_create(
        actor=sme,
        brand_account=account,
        text=text,
        reply_to_item_id=item.platform_item_id,
        raw_ref=dict(item.raw_ref),
        submit=True,
        **extra,
    )
    services.post_approve(post=post, actor=comms)
    return services.post_publish_now(post=Post.objects.get(pk=post.pk), actor=comms)


def _run(post: Post) -> str:
    result = tasks.publish_post(post.pk)
    post.refresh_from_db()
    return result


def _ours_under(peer: MastodonPeer, item_id: str) -> list[dict[str, Any]]:
    context = peer.api("GET", f"/api/v1/statuses/{item_id}/context")
    return [s for s in context["descendants"] if s["account"]["username"] == "acme"]


def _outcomes(post: Post) -> list[tuple[str, str]]:
    return list(
        PublishAttempt.objects.filter(post=post).order_by("number").values_list("kind", "outcome")
    )


def test_a_reply_is_published_once_threaded_under_the_item_after_a_retry(
    peer: MastodonPeer, mastodon_account: BrandAccount, sme: User, comms_reviewer: User
) -> None:
    tag = uuid.uuid4().hex[:8]
    item = _mention(peer, f"@acme does it run on ARM? {tag}")
    post = _approved_reply(sme, comms_reviewer, mastodon_account, item, f"It does. {tag}")
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 500},
            "count": 1,
        }
    )

    assert _run(post) == "retry"
    Post.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert _run(post) == "published"
    assert _run(post) == "skipped"  # a duplicate task sends nothing

    [ours] = _ours_under(peer, item.platform_item_id)
    assert ours["in_reply_to_id"] == item.platform_item_id
    assert ours["visibility"] == "public"
    assert html_to_text(ours["content"]) == f"@fan It does. {tag}"
    assert post.state == PostState.PUBLISHED
    assert post.external_id == ours["id"]
    assert _outcomes(post) == [("send", "retry"), ("send", "published")]


def test_a_reply_whose_answer_was_lost_is_found_under_the_item_not_sent_again(
    peer: MastodonPeer, mastodon_account: BrandAccount, sme: User, comms_reviewer: User
) -> None:
    tag = uuid.uuid4().hex[:8]
    item = _mention(peer, f"@acme is the store open on Sunday? {tag}")
    post = _approved_reply(sme, comms_reviewer, mastodon_account, item, f"From 10 to 4. {tag}")
    # The reply reached the platform, but its answer never came back.
    sent = MastodonConnector().publish(
        peer.credentials(),
        PostPayload(
            text=post.body,
            idempotency_key=f"lost-{tag}",
            reply_to=item.reply_target(),
        ),
    )
    services.post_mark_unconfirmed(post_id=post.pk, note="The answer timed out.")

    assert _run(post) == "found"

    assert [s["id"] for s in _ours_under(peer, item.platform_item_id)] == [sent.external_id]
    assert post.state == PostState.PUBLISHED
    assert post.external_id == sent.external_id
    assert _outcomes(post) == [("check", "found")]


def test_a_reply_checked_after_an_unknown_outcome_is_sent_once(
    peer: MastodonPeer, mastodon_account: BrandAccount, sme: User, comms_reviewer: User
) -> None:
    tag = uuid.uuid4().hex[:8]
    item = _mention(peer, f"@acme where is my parcel? {tag}")
    post = _approved_reply(sme, comms_reviewer, mastodon_account, item, f"On its way. {tag}")
    services.post_mark_unconfirmed(post_id=post.pk, note="The answer timed out.")

    assert _run(post) == "not_found"
    assert _run(post) == "published"

    [ours] = _ours_under(peer, item.platform_item_id)
    assert ours["id"] == post.external_id
    assert ours["in_reply_to_id"] == item.platform_item_id


def test_a_private_mastodon_reply_is_a_direct_status_to_the_author(
    peer: MastodonPeer, mastodon_account: BrandAccount, sme: User, comms_reviewer: User
) -> None:
    tag = uuid.uuid4().hex[:8]
    item = _mention(peer, f"@acme my invoice is wrong {tag}")
    post = _approved_reply(
        sme, comms_reviewer, mastodon_account, item, f"Send us its number. {tag}", private=True
    )

    assert _run(post) == "published"

    status = peer.api("GET", f"/api/v1/statuses/{post.external_id}", as_user="fan")
    assert status["visibility"] == "direct"
    assert status["in_reply_to_id"] == item.platform_item_id
    assert [m["username"] for m in status["mentions"]] == ["fan"]
    assert post.reply_private is True


# --- Bluesky: reply refs on the PDS ---------------------------------------------------------


def test_a_bluesky_reply_carries_root_and_parent_refs(
    bluesky_peer: BlueskyPeer, sales: Department, comms_department: Department, sme: User,
    comms_reviewer: User,
) -> None:  # fmt: skip
    account = _account(
        "bluesky", f"@{bluesky_peer.handle}", sales, comms_department, bluesky_peer.credentials()
    )
    tag = uuid.uuid4().hex[:8]
    connector = BlueskyConnector()
    root = connector.publish(
        bluesky_peer.credentials(),
        PostPayload(
            text=f"Our roadmap {tag}",
            idempotency_key=f"root-{tag}",
            created_at=datetime.now(UTC).replace(microsecond=0),
        ),
    )
    [root_record] = [r for r in bluesky_peer.list_posts() if r["uri"] == root.external_id]
    ref = {"uri": str(root_record["uri"]), "cid": str(root_record["cid"])}
    item = IncomingItem(
        platform_item_id=ref["uri"],
        kind="reply",
        thread_key=ref["uri"],
        text="",
        created_at=datetime.now(UTC),
        raw_ref=ref,
    )
    post = _approved_reply(sme, comms_reviewer, account, item, f"Part two is out. {tag}")

    assert _run(post) == "published"
    assert _run(post) == "skipped"

    key = record_key(
        PostPayload(text="", idempotency_key=post.idempotency_key, created_at=post.first_due_at)
    )
    mine = [r for r in bluesky_peer.list_posts() if str(r["uri"]).endswith(f"/{key}")]
    assert [r["uri"] for r in mine] == [post.external_id]
    value: dict[str, Any] = mine[0]["value"]  # type: ignore[assignment]
    assert value["reply"] == {"root": ref, "parent": ref}


def test_a_private_reply_where_the_platform_has_none_fails_with_its_message(
    bluesky_peer: BlueskyPeer, sales: Department, comms_department: Department, sme: User,
    comms_reviewer: User,
) -> None:  # fmt: skip
    account = _account(
        "bluesky", f"@{bluesky_peer.handle}", sales, comms_department, bluesky_peer.credentials()
    )
    before = len(bluesky_peer.list_posts())
    post = _approved_reply(
        sme,
        comms_reviewer,
        account,
        IncomingItem(
            platform_item_id="at://did:plc:someone/app.bsky.feed.post/3abc",
            kind="mention",
            thread_key="x",
            text="",
            created_at=datetime.now(UTC),
            raw_ref={"uri": "at://did:plc:someone/app.bsky.feed.post/3abc", "cid": "bafy"},
        ),
        "Hello in private",
    )
    # Drafted when it was allowed (or by an older SocialHub): the engine refuses it anyway.
    Post.objects.filter(pk=post.pk).update(reply_private=True)

    assert _run(post) == "failed"

    assert post.state == PostState.FAILED
    assert "Bluesky has no private replies" in post.last_error
    assert len(bluesky_peer.list_posts()) == before  # nothing was sent
