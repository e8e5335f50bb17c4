"""Credentials never leave the encrypted column through the engine: not in task messages, not
in log lines (DEBUG included), not in attempt messages, errors, audit notes or notifications,
even when the platform echoes the token back."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from accounts.models import Department, User
from activity.models import AuditEvent, Notification
from approvals import services
from approvals.models import Post
from approvals.tests.factories import approved_post, make_account
from channels_app import services as channel_services
from channels_app.models import BrandAccount
from channels_app.tests.peers.fixtures import MastodonPeer
from core.tests.celery_broker import QueuedTask
from publishing import tasks
from publishing.models import PublishAttempt


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


@pytest.fixture
def mastodon_account(
    peer: MastodonPeer, sales: Department, comms_department: Department
) -> BrandAccount:
    account = make_account(
        sales,
        platform="mastodon",
        handle=peer.handle(),  # saving the credentials checks they are this account's
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=peer.credentials()
    )
    return account


def _everything_written(post: Post) -> str:
    post.refresh_from_db()
    parts = [post.last_error, post.notice, post.external_url]
    parts += [
        f"{a.message} {a.worker} {a.external_url}" for a in PublishAttempt.objects.filter(post=post)
    ]
    parts += [f"{e.note} {e.data}" for e in AuditEvent.objects.all()]
    parts += list(Notification.objects.values_list("message", flat=True))
    return "\n".join(parts)


@pytest.mark.parametrize("status", [401, 500])
def test_the_token_never_appears_even_when_the_platform_echoes_it(
    peer: MastodonPeer,
    mastodon_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
    caplog: pytest.LogCaptureFixture,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
    status: int,
) -> None:
    token = peer.access_token
    caplog.set_level(logging.DEBUG)
    post = approved_post(sme, mastodon_account, comms_reviewer, f"Hello {uuid.uuid4().hex[:6]}")
    queued()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_publish_now(post=post, actor=comms_reviewer)
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {
                "type": "status",
                "status": status,
                "body": {"error": f"The access token {token} was refused"},
            },
            "count": 1,
        }
    )

    [message] = queued()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = tasks.publish_post(*message.args)

    assert outcome == ("failed" if status == 401 else "retry")
    retried = queued()
    # The task messages carry an id and nothing else: the post's to publish it, and after a
    # 401 the account's, to have its connection checked.
    ids = {"approvals.publish_post": post.pk, "channels_app.check_connection": mastodon_account.pk}
    assert [(t.args, t.kwargs) for t in [message, *retried]] == [
        ((ids[t.name],), {}) for t in [message, *retried]
    ]
    assert [t.name for t in retried] == (
        ["channels_app.check_connection"] if status == 401 else ["approvals.publish_post"]
    )
    assert all(token not in t.raw.decode() for t in [message, *retried])
    written = _everything_written(post)
    assert "was refused" in written  # the platform's message is kept...
    assert "[redacted]" in written  # ...with the token blotted out
    assert token not in written
    assert token not in caplog.text


def test_the_token_is_not_in_the_logs_of_a_successful_publish(
    peer: MastodonPeer,
    mastodon_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    post = approved_post(sme, mastodon_account, comms_reviewer, f"Hi {uuid.uuid4().hex[:6]}")
    services.post_publish_now(post=post, actor=comms_reviewer)

    assert tasks.publish_post(post.pk) == "published"

    assert "api/v1/statuses" in caplog.text  # the connector logged the request...
    assert peer.access_token not in caplog.text  # ...and not the token
    assert peer.access_token not in _everything_written(post)
