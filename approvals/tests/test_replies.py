"""Reply posts: drafted through the same checks as any post, shown read-only by the API, and
kept out of SocialHub's shared places when they are private."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from activity.models import AuditEvent
from activity.selectors import audit_events_for
from approvals import replies, selectors, services
from approvals.models import Post, PostState
from approvals.tests.factories import make_account
from channels_app.models import BrandAccount
from channels_app.tests.factories import store_connection
from core.errors import InvalidInput, NotAllowed


@pytest.fixture
def mastodon_account(sales: Department, comms_department: Department) -> BrandAccount:
    account = make_account(
        sales,
        platform="mastodon",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    store_connection(account)  # scheduling needs a connected account (channels_app.readiness)
    return account


def _reply(actor: User, account: BrandAccount, **extra: Any) -> Post:
    fields: dict[str, Any] = {
        "text": "Thanks, we are on it.",
        "reply_to_item_id": "109876",
        "raw_ref": {"acct": "fan@example.social"},
    }
    fields.update(extra)
    return replies.reply_post_create(actor=actor, brand_account=account, **fields)


def test_a_reply_is_a_draft_answering_the_item_with_its_audit_event(
    sme: User, mastodon_account: BrandAccount
) -> None:
    post = _reply(sme, mastodon_account, private=True, recipient="fan@example.social")

    post.refresh_from_db()
    assert post.state == PostState.DRAFT
    assert post.body == "Thanks, we are on it."
    assert (post.reply_to_item_id, post.reply_to_raw_ref) == (
        "109876",
        {"acct": "fan@example.social"},
    )
    assert (post.reply_private, post.reply_recipient, post.is_reply) == (
        True,
        "fan@example.social",
        True,
    )
    actions = list(audit_events_for(target=post).values_list("action", flat=True))
    assert actions == ["post.created", "post.reply_to_set"]
    target = replies.post_reply_target(post)
    assert target is not None
    assert (target.platform_item_id, target.private, target.recipient) == (
        "109876",
        True,
        "fan@example.social",
    )


def test_an_ordinary_post_has_no_reply_target(sme: User, mastodon_account: BrandAccount) -> None:
    post = services.post_create(actor=sme, brand_account=mastodon_account, body="News")
    assert replies.post_reply_target(post) is None
    assert not post.is_reply


def test_submit_runs_the_submit_checks_in_the_same_transaction(
    sme: User, mastodon_account: BrandAccount
) -> None:
    post = _reply(sme, mastodon_account, submit=True)
    assert post.state == PostState.IN_REVIEW


def test_someone_who_may_not_draft_on_the_account_writes_nothing(
    outsider: User, mastodon_account: BrandAccount
) -> None:
    with pytest.raises(NotAllowed, match="may not draft"):
        _reply(outsider, mastodon_account)
    assert Post.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="post.").exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"reply_to_item_id": ""}, "reply_to_item_id"),
        ({"reply_to_item_id": "x" * 256}, "reply_to_item_id"),
        ({"raw_ref": {"uri": 7}}, "raw_ref"),
        ({"raw_ref": ["uri"]}, "raw_ref"),
        ({"recipient": 12}, "recipient"),
        ({"private": "yes"}, "private"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_written(
    sme: User, mastodon_account: BrandAccount, extra: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _reply(sme, mastodon_account, **extra)
    assert caught.value.field == field
    assert Post.objects.count() == 0


def test_a_private_reply_where_the_platform_has_none_is_refused(
    sme: User, sales: Department, comms_department: Department
) -> None:
    account = make_account(sales, platform="bluesky", drafters=[sales])
    with pytest.raises(InvalidInput, match="Bluesky has no private replies") as caught:
        _reply(sme, account, private=True)
    assert caught.value.field == "private"
    assert Post.objects.count() == 0


def test_the_api_shows_the_reply_fields_read_only(
    api_as: Any, sme: User, mastodon_account: BrandAccount
) -> None:
    post = _reply(sme, mastodon_account)
    client = api_as(sme)

    shown = client.get(f"/api/v1/posts/{post.pk}/").json()

    assert shown["reply_to_item_id"] == "109876"
    assert shown["reply_to_raw_ref"] == {"acct": "fan@example.social"}
    assert (shown["reply_private"], shown["reply_recipient"]) == (False, "")
    changed = client.patch(
        f"/api/v1/posts/{post.pk}/", {"body": "Edited", "reply_to_item_id": "1"}, format="json"
    )
    assert changed.status_code == 200
    post.refresh_from_db()
    assert post.reply_to_item_id == "109876"


def test_a_private_reply_is_hidden_from_the_department_but_not_its_managers(
    sme: User, manager: User, sales: Department, mastodon_account: BrandAccount
) -> None:
    colleague = UserFactory.create(email="colleague@example.test")
    add_member(colleague, sales)
    public = _reply(sme, mastodon_account)
    private = _reply(sme, mastodon_account, private=True)

    def seen(user: User) -> set[int]:
        return set(selectors.post_list(user=user).values_list("pk", flat=True))

    assert seen(colleague) == {public.pk}
    assert seen(sme) == seen(manager) == {public.pk, private.pk}


def test_a_private_reply_never_shows_on_the_calendar(
    sme: User, comms_reviewer: User, mastodon_account: BrandAccount
) -> None:
    when = timezone.now() + timedelta(days=2)
    posts = []
    for private in (False, True):
        post = _reply(sme, mastodon_account, private=private, submit=True)
        services.post_approve(post=post, actor=comms_reviewer)
        posts.append(
            services.post_schedule(
                post=Post.objects.get(pk=post.pk), actor=comms_reviewer, scheduled_at=when
            )
        )

    shown = selectors.calendar_posts(
        user=comms_reviewer, start=when - timedelta(days=1), end=when + timedelta(days=1)
    )

    assert [p.pk for p in shown] == [posts[0].pk]
