"""The publishing engine (publishing.engine) against real peers: the internal feed, the
mastodon-mock server and the local X stand-in. Each test drives the task function the worker
runs (`tasks.publish_post`) and moves time by editing the post's next_attempt_at, the way a
clock would."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent, Notification
from approvals import media, services
from approvals import tasks as approvals_tasks
from approvals.media import read_stored
from approvals.models import MediaAttachment, PlatformMediaUpload, Post, PostState
from approvals.tests.factories import approved_post, make_account, make_post
from approvals.tests.media_factories import picture
from channels_app import connectors, encryption, selectors
from channels_app import services as channel_services
from channels_app import tasks as channel_tasks
from channels_app.connectors.mastodon import html_to_text
from channels_app.connectors.x import XConnector
from channels_app.models import BrandAccount, BrandAccountConnection
from channels_app.tests.factories import store_connection
from channels_app.tests.peers.fixtures import MastodonPeer
from channels_app.tests.peers.http_platforms import FakeX
from core.tests.celery_broker import QueuedTask
from publishing import engine as publishing
from publishing import tasks
from publishing.engine import claim as claim_module
from publishing.engine.claim import _claim
from publishing.models import AttemptKind, AttemptOutcome, FeedEntry, PublishAttempt


@pytest.fixture(autouse=True)
def engine_settings(settings: Any) -> None:
    settings.SOCIALHUB_PUBLISH_RETRY_BASE = 10.0
    settings.SOCIALHUB_PUBLISH_RETRY_MAX = 600.0
    settings.SOCIALHUB_PUBLISH_MAX_ATTEMPTS = 3
    settings.SOCIALHUB_PUBLISH_CHECK_DELAY = 60.0


@pytest.fixture
def peer(mastodon_peer: MastodonPeer) -> Iterator[MastodonPeer]:
    mastodon_peer.clear_faults()
    yield mastodon_peer
    mastodon_peer.clear_faults()


# The handles of the peers' accounts: saving credentials checks they are the account's own.
PEER_HANDLES = {"mastodon": "@acme@mastodon.example", "x": "@acme"}


def _account(
    platform: str, sales: Department, comms: Department, credentials: dict[str, str] | None
) -> BrandAccount:
    account = make_account(
        sales,
        platform=platform,
        handle=PEER_HANDLES[platform],
        drafters=[sales],
        reviewers=[comms],
        publishers=[comms],
    )
    if credentials is not None:
        channel_services.brand_account_set_credentials(
            actor=None, account=account, credentials=credentials
        )
    return account


@pytest.fixture
def mastodon_account(
    peer: MastodonPeer, sales: Department, comms_department: Department
) -> BrandAccount:
    return _account("mastodon", sales, comms_department, peer.credentials())


def _unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def _on_mastodon(peer: MastodonPeer, text: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {peer.access_token}"}
    me = requests.get(
        f"{peer.url}/api/v1/accounts/verify_credentials", headers=headers, timeout=5
    ).json()
    statuses = requests.get(
        f"{peer.url}/api/v1/accounts/{me['id']}/statuses",
        headers=headers,
        params={"limit": 40},
        timeout=5,
    ).json()
    return [s for s in statuses if html_to_text(s["content"]) == text]


def _sent(sme: User, account: BrandAccount, comms: User, body: str = "") -> Post:
    post = approved_post(sme, account, comms, body or _unique("Our support desk opens at 8."))
    return services.post_publish_now(post=post, actor=comms)


def _run(post: Post) -> str:
    result = tasks.publish_post(post.pk)
    post.refresh_from_db()
    return result


def _attempts(post: Post) -> list[tuple[int, str, str]]:
    return list(
        PublishAttempt.objects.filter(post=post)
        .order_by("number")
        .values_list("number", "kind", "outcome")
    )


def _time_passes(post: Post) -> None:
    """The wait the engine set (a retry, a check) is over."""
    Post.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- Published ---------------------------------------------------------------------------------


def test_an_internal_post_is_published_to_the_feed_with_its_attempt(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = _sent(sme, account, comms_reviewer)

    assert _run(post) == "published"

    entry = FeedEntry.objects.get()
    assert (post.state, post.external_id) == (PostState.PUBLISHED, str(entry.pk))
    assert post.external_url == f"/feed/entries/{entry.pk}/"
    assert (entry.text, entry.department, entry.brand_account) == (
        post.body,
        account.department,
        account,
    )
    attempt = PublishAttempt.objects.get(post=post)
    assert (attempt.number, attempt.kind, attempt.outcome) == (1, "send", "published")
    assert (attempt.external_id, attempt.external_url) == (post.external_id, post.external_url)
    assert attempt.finished_at is not None
    event = AuditEvent.objects.for_target(post).get(action="post.mark_published")
    assert (event.from_state, event.to_state, event.actor) == ("publishing", "published", None)
    assert event.data["attempt"] == 1


# What one published post costs the database: the claim (the post released by one conditional
# UPDATE, the release's audit event, the attempt with every check folded in), the feed entry (one
# INSERT that ignores a repeat) and the outcome (compare-and-swap UPDATE, audit event, the
# attempt finished). Two transactions; the feed entry needs none of its own. A post published
# now was released by the person's action already: no release event, one statement less.
STATEMENTS_PER_POST = {"scheduled": 7, "publish now": 6}
TRANSACTIONS_PER_POST = 2


def _statements(captured: list[dict[str, str]]) -> tuple[int, int]:
    """(data statements, transactions): in a test, each transaction of the engine is a
    savepoint inside the test's own (SAVEPOINT … RELEASE SAVEPOINT)."""
    sql = [query["sql"] for query in captured]
    savepoints = sum(1 for text in sql if text.startswith("SAVEPOINT"))
    control = sum(1 for text in sql if text.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))
    return len(sql) - control, savepoints


@pytest.mark.parametrize("how", ["scheduled", "publish now"])
def test_a_published_post_costs_at_most_seven_statements_in_two_transactions(
    sme: User, account: BrandAccount, comms_reviewer: User, how: str
) -> None:
    post = approved_post(sme, account, comms_reviewer, _unique("Our desk opens at 8."))
    if how == "scheduled":
        services.post_schedule(
            post=post, actor=comms_reviewer, scheduled_at=timezone.now() + timedelta(hours=1)
        )
        Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    else:
        services.post_publish_now(post=post, actor=comms_reviewer)

    with CaptureQueriesContext(connection) as captured:
        assert tasks.publish_post(post.pk) == "published"

    assert _statements(captured.captured_queries) == (
        STATEMENTS_PER_POST[how],
        TRANSACTIONS_PER_POST,
    )
    # The audit insert locks the audit chain's head until COMMIT: in each transaction that
    # writes one, it is the last statement, so the lock is held for no other work.
    sql = [query["sql"] for query in captured.captured_queries]
    last_before_commit = [sql[i - 1] for i, text in enumerate(sql) if text.startswith("RELEASE")]
    audited = [text for text in last_before_commit if "approvals_auditevent" in text]
    assert len(audited) == (2 if how == "scheduled" else 1), last_before_commit
    assert all(text.startswith("INSERT INTO") for text in audited)
    assert sum("approvals_auditevent" in text for text in sql) == len(audited)
    post.refresh_from_db()
    entry = FeedEntry.objects.get()
    assert (post.state, post.external_id, post.idempotency_key) == (
        PostState.PUBLISHED,
        str(entry.pk),
        entry.idempotency_key,
    )
    assert (entry.department, entry.org_wide, entry.text) == (
        account.department,
        account.org_wide_feed,
        post.body,
    )
    assert _attempts(post) == [(1, "send", "published")]
    actions = list(
        AuditEvent.objects.for_target(post).order_by("id").values_list("action", flat=True)
    )
    assert actions[-2:] == [
        "post.release" if how == "scheduled" else "post.publish_now",
        "post.mark_published",
    ]
    assert AuditEvent.objects.for_target(post).filter(action="post.mark_published").count() == 1


def _check_inputs(connected: bool, departments: tuple[int, ...]) -> claim_module._CheckInputs:
    return claim_module._CheckInputs(
        post_id=41,
        account_id=42,
        department_ids=departments,
        at=timezone.now().replace(microsecond=123456),
        connected=connected,
    )


@pytest.mark.parametrize("connected", [False, True])
@pytest.mark.parametrize("departments", [(7,), (7, 9)])
def test_the_claims_checks_are_compiled_once_per_shape_and_filled_in_per_post(
    connected: bool, departments: tuple[int, ...]
) -> None:
    inputs = _check_inputs(connected, departments)
    claim_module._CHECK_TEMPLATES.clear()

    reused = claim_module._checks(inputs)

    assert claim_module._CHECK_TEMPLATES[(connection.vendor, connected, len(departments))]
    assert reused == claim_module._compiled_checks(inputs)
    other = _check_inputs(connected, tuple(d + 100 for d in departments))
    assert claim_module._checks(other) == claim_module._compiled_checks(other)


def test_a_check_that_derives_a_value_from_its_input_is_compiled_per_post(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rule whose parameter is not an input as given (here the moment shifted by a second)
    cannot be filled in from a template: the claim compiles it each time."""
    rule = services.blocking_quiet_periods

    def shifted(*, at: Any, **kwargs: Any) -> Any:
        return rule(at=at - timedelta(seconds=1), **kwargs)

    monkeypatch.setattr(services, "blocking_quiet_periods", shifted)
    claim_module._CHECK_TEMPLATES.clear()
    inputs = _check_inputs(False, (7,))

    assert claim_module._checks(inputs) == claim_module._compiled_checks(inputs)
    assert claim_module._CHECK_TEMPLATES[(connection.vendor, False, 1)] is None
    claim_module._CHECK_TEMPLATES.clear()


def test_a_published_post_is_never_sent_again(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = _sent(sme, account, comms_reviewer)
    _run(post)

    assert _run(post) == "skipped"
    # Even a post that somehow went back to publishing keeps its external id: never resent.
    Post.objects.filter(pk=post.pk).update(state=PostState.PUBLISHING)
    assert _run(post) == "skipped"
    assert FeedEntry.objects.count() == 1
    assert PublishAttempt.objects.filter(post=post).count() == 1


def test_a_scheduled_post_is_released_and_sent_by_its_own_task(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    services.post_schedule(
        post=post, actor=comms_reviewer, scheduled_at=timezone.now() + timedelta(hours=1)
    )
    assert _run(post) == "skipped"  # not due yet (a task queued for an earlier time)
    assert post.state == PostState.SCHEDULED
    due = timezone.now() - timedelta(seconds=5)
    Post.objects.filter(pk=post.pk).update(scheduled_at=due)

    assert _run(post) == "published"

    assert post.first_due_at == due  # the payload's stable created_at: the time it was due
    actions = list(
        AuditEvent.objects.for_target(post).order_by("id").values_list("action", flat=True)
    )
    assert actions[-2:] == ["post.release", "post.mark_published"]


def test_a_due_post_under_a_crisis_pause_is_held_not_sent(
    sme: User, account: BrandAccount, comms_reviewer: User, org_admin: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    services.post_schedule(
        post=post, actor=comms_reviewer, scheduled_at=timezone.now() + timedelta(hours=1)
    )
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now())
    services.crisis_pause_set(actor=org_admin, reason="Storm")

    assert _run(post) == "skipped"

    assert post.state == PostState.APPROVED
    assert "Storm" in post.notice
    assert not FeedEntry.objects.exists()


def test_a_pause_set_while_a_post_waits_to_be_sent_fails_it_unsent(
    sme: User, account: BrandAccount, comms_reviewer: User, org_admin: User
) -> None:
    post = _sent(sme, account, comms_reviewer)
    services.crisis_pause_set(actor=org_admin, reason="Storm", brand_account=account)

    assert _run(post) == "failed"

    assert post.state == PostState.FAILED
    assert "Publishing was paused (Storm)" in post.last_error
    assert _attempts(post) == [(1, "send", "failed")]
    assert not FeedEntry.objects.exists()


def test_a_running_attempt_holds_the_post(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = _sent(sme, account, comms_reviewer)
    claim = _claim(post.pk, now=timezone.now())
    assert isinstance(claim, publishing.Claim)

    assert _run(post) == "skipped"  # another worker is on it
    assert _attempts(post) == [(1, "send", "")]
    assert not FeedEntry.objects.exists()


# --- Mastodon: temporary errors, refusals ------------------------------------------------------


def test_a_500_then_a_200_publishes_one_status(
    peer: MastodonPeer,
    mastodon_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    text = _unique("Release notes are out.")
    post = _sent(sme, mastodon_account, comms_reviewer, text)
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 500},
            "count": 1,
        }
    )
    queued()
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        assert _run(post) == "retry"

    assert post.state == PostState.PUBLISHING
    assert post.next_attempt_at is not None
    # First retry: base 10 s with equal jitter, so 5 to 10 s later.
    assert before + timedelta(seconds=5) <= post.next_attempt_at
    assert post.next_attempt_at <= timezone.now() + timedelta(seconds=10)
    [task] = queued()
    assert (task.args, task.eta) == ((post.pk,), post.next_attempt_at)
    assert _run(post) == "skipped"  # a duplicate task before its time sends nothing
    assert _on_mastodon(peer, text) == []

    _time_passes(post)
    assert _run(post) == "published"

    [status] = _on_mastodon(peer, text)
    assert post.external_id == status["id"]
    assert post.external_url == status["url"]
    assert _attempts(post) == [(1, "send", "retry"), (2, "send", "published")]
    first = PublishAttempt.objects.get(post=post, number=1)
    assert "Mastodon" in first.message


def test_a_429_waits_for_retry_after(
    peer: MastodonPeer, mastodon_account: BrandAccount, sme: User, comms_reviewer: User
) -> None:
    text = _unique("Rate limits are a fact of life.")
    post = _sent(sme, mastodon_account, comms_reviewer, text)
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "ratelimit", "headers": {"Retry-After": "120"}},
            "count": 1,
        }
    )
    started = timezone.now()

    assert _run(post) == "retry"

    attempt = PublishAttempt.objects.get(post=post, number=1)
    assert attempt.retry_after == 120
    assert post.next_attempt_at is not None
    assert post.next_attempt_at >= started + timedelta(seconds=120)  # not the 5-10 s back-off
    assert _run(post) == "skipped"
    _time_passes(post)
    assert _run(post) == "published"
    assert len(_on_mastodon(peer, text)) == 1


def test_a_refusal_fails_the_post_at_once_with_the_platforms_message(
    peer: MastodonPeer,
    mastodon_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
) -> None:
    post = _sent(sme, mastodon_account, comms_reviewer)
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {
                "type": "status",
                "status": 422,
                "body": {"error": "Validation failed: Text character limit of 500 exceeded"},
            },
            "count": 1,
        }
    )

    assert _run(post) == "failed"

    assert post.state == PostState.FAILED
    assert post.last_error == "Mastodon: Validation failed: Text character limit of 500 exceeded"
    assert _attempts(post) == [(1, "send", "failed")]
    event = AuditEvent.objects.for_target(post).get(action="post.mark_failed")
    assert event.note == post.last_error
    # The author and the person who sent it are told, with the platform's words.
    told = Notification.objects.for_target(post).filter(kind="publish_failed")
    assert {n.recipient_id for n in told} == {sme.pk, comms_reviewer.pk}
    assert all("character limit" in n.message for n in told)


def test_retries_run_out_and_a_person_retries_in_a_new_round(
    peer: MastodonPeer,
    mastodon_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
) -> None:
    text = _unique("Third time lucky.")
    post = _sent(sme, mastodon_account, comms_reviewer, text)
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 503},
            "count": 3,
        }
    )
    assert _run(post) == "retry"
    _time_passes(post)
    assert _run(post) == "retry"
    _time_passes(post)
    assert _run(post) == "retry"  # the third send of three: the round is over

    assert post.state == PostState.FAILED
    assert post.last_error.startswith("Gave up after 3 attempts. The platform's last answer:")
    assert [o for _n, _k, o in _attempts(post)] == ["retry", "retry", "failed"]

    services.post_retry(post=post, actor=comms_reviewer)
    assert _run(post) == "published"
    assert len(_on_mastodon(peer, text)) == 1
    assert [o for _n, _k, o in _attempts(post)] == ["retry", "retry", "failed", "published"]


def test_an_account_without_credentials_fails_with_a_message_to_act_on(
    sales: Department, comms_department: Department, sme: User, comms_reviewer: User
) -> None:
    # Publish now refuses an account that is not connected (channels_app.readiness): here the
    # credentials go after the post was handed over, and the engine still says what to do.
    account = _account("mastodon", sales, comms_department, None)
    store_connection(account)
    post = _sent(sme, account, comms_reviewer)
    BrandAccountConnection.objects.filter(brand_account=account).delete()

    assert _run(post) == "failed"
    assert "is not connected: an org admin must enter its credentials" in post.last_error


# --- Images ------------------------------------------------------------------------------------


def _mastodon_status(peer: MastodonPeer, status_id: str) -> dict[str, Any]:
    response = requests.get(
        f"{peer.url}/api/v1/statuses/{status_id}",
        headers={"Authorization": f"Bearer {peer.access_token}"},
        timeout=5,
    )
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def test_an_image_and_its_alt_text_reach_mastodon_and_a_retry_uploads_nothing_new(
    peer: MastodonPeer,
    mastodon_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
) -> None:
    post = make_post(sme, mastodon_account, _unique("Our stand at the fair."))
    services.post_media_add(
        post=post,
        actor=sme,
        uploads=[(picture("JPEG", seed=5), "stand.jpg")],
        alt_texts=["Our stand: a blue booth with three people"],
    )
    services.post_submit(post=Post.objects.get(pk=post.pk), actor=sme)
    services.post_approve(post=Post.objects.get(pk=post.pk), actor=comms_reviewer)
    post = services.post_publish_now(post=Post.objects.get(pk=post.pk), actor=comms_reviewer)
    # The first status is refused for a moment, after the image was uploaded.
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 503},
            "count": 1,
        }
    )

    assert _run(post) == "retry"

    uploaded = list(PlatformMediaUpload.objects.values_list("platform", "reference"))
    assert len(uploaded) == 1
    assert uploaded[0][0] == "mastodon"
    # From now on every upload is refused: the retry may only attach what was uploaded.
    for path in ("/api/v2/media", "/api/v1/media"):
        peer.add_fault(
            {
                "match": {"methods": ["POST"], "path": path},
                "effect": {"type": "status", "status": 500},
                "count": 10,
            }
        )
    _time_passes(post)

    assert _run(post) == "published"

    assert _attempts(post) == [(1, "send", "retry"), (2, "send", "published")]
    status = _mastodon_status(peer, post.external_id)
    attachments = status["media_attachments"]
    assert [(str(a["id"]), a["type"]) for a in attachments] == [(uploaded[0][1], "image")]
    assert attachments[0]["description"] == "Our stand: a blue booth with three people"
    assert post.current_revision is not None
    attachment = MediaAttachment.objects.get(revision=post.current_revision)
    sent = requests.get(attachments[0]["url"], timeout=5).content
    assert sent == read_stored(attachment.file.name)
    assert PlatformMediaUpload.objects.count() == 1


# --- Unknown outcomes: check before any resend -------------------------------------------------


@pytest.fixture
def x_account(
    x_api: FakeX,
    sales: Department,
    comms_department: Department,
    monkeypatch: pytest.MonkeyPatch,
) -> BrandAccount:
    # The real X connector, pointed at the local stand-in, with a short read timeout.
    monkeypatch.setitem(
        connectors._instances,
        "x",
        XConnector(
            api_base_url=x_api.url, token_url=f"{x_api.url}/2/oauth2/token", read_timeout=0.5
        ),
    )
    return _account("x", sales, comms_department, x_api.credentials())


def test_an_unknown_outcome_is_checked_on_the_platform_not_resent(
    x_api: FakeX,
    x_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    text = _unique("Our new office opens on Monday.")
    post = _sent(sme, x_account, comms_reviewer, text)
    # X creates the post, but its answer comes after the client gave up.
    x_api.hang_after_recording("POST", "/2/tweets", seconds=1.5)
    queued()

    with django_capture_on_commit_callbacks(execute=True):
        assert _run(post) == "unknown"

    assert post.state == PostState.UNCONFIRMED
    assert len(x_api.posts) == 1
    [task] = queued()
    assert task.eta == post.next_attempt_at  # the check waits the check delay
    assert post.next_attempt_at is not None
    assert post.next_attempt_at >= timezone.now() + timedelta(seconds=55)
    assert _run(post) == "skipped"  # not before its time

    _time_passes(post)
    assert _run(post) == "found"

    assert post.state == PostState.PUBLISHED
    assert post.external_id == x_api.posts[0]["id"]
    assert len(x_api.posts) == 1  # looked up, never sent twice
    assert _attempts(post) == [(1, "send", "unknown"), (2, "check", "found")]


def test_a_check_that_finds_nothing_sends_again(
    x_api: FakeX,
    x_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    text = _unique("Lost on the way.")
    post = _sent(sme, x_account, comms_reviewer, text)
    services.post_mark_unconfirmed(post_id=post.pk, note="Timed out")  # nothing reached X
    queued()

    with django_capture_on_commit_callbacks(execute=True):
        assert _run(post) == "not_found"

    assert post.state == PostState.PUBLISHING
    assert [t.args for t in queued()] == [(post.pk,)]
    assert _run(post) == "published"
    assert [p["text"] for p in x_api.posts] == [text]
    assert _attempts(post) == [(1, "check", "not_found"), (2, "send", "published")]


def test_a_check_that_keeps_failing_keeps_the_post_unconfirmed(
    x_api: FakeX, x_account: BrandAccount, sme: User, comms_reviewer: User
) -> None:
    post = _sent(sme, x_account, comms_reviewer)
    services.post_mark_unconfirmed(post_id=post.pk, note="Timed out")
    for _ in range(4):  # beyond the attempts a send gets: a check never gives up
        x_api.fail_next("GET", "/2/users/me", 503, {"title": "Service Unavailable"})
        assert _run(post) == "retry"
        _time_passes(post)

    assert post.state == PostState.UNCONFIRMED  # never failed: that would allow a blind resend
    assert x_api.posts == []
    assert [k for _n, k, _o in _attempts(post)] == ["check"] * 4


def test_an_interrupted_attempt_is_checked_before_any_resend(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = _sent(sme, account, comms_reviewer)
    claim = _claim(post.pk, now=timezone.now())
    assert isinstance(claim, publishing.Claim)
    # The worker's request reached the feed, then the worker died before recording it.
    connectors.connector_for("internal").publish({"brand_account": str(account.pk)}, claim.payload)
    PublishAttempt.objects.filter(pk=claim.attempt_id).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert _run(post) == "found"

    assert post.state == PostState.PUBLISHED
    assert FeedEntry.objects.count() == 1
    assert _attempts(post) == [(1, "send", "interrupted"), (2, "check", "found")]
    events = AuditEvent.objects.for_target(post).order_by("id").values_list("action", flat=True)
    assert list(events)[-2:] == ["post.mark_unconfirmed", "post.mark_published"]


# --- Keys and tokens ---------------------------------------------------------------------------


def test_the_idempotency_key_and_created_at_are_stable_per_post(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    one = _sent(sme, account, comms_reviewer)
    other = _sent(sme, account, comms_reviewer)

    first = _claim(one.pk, now=timezone.now())
    assert isinstance(first, publishing.Claim)
    PublishAttempt.objects.filter(pk=first.attempt_id).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    Post.objects.filter(pk=one.pk).update(state=PostState.PUBLISHING)
    second = _claim(one.pk, now=timezone.now() + timedelta(minutes=5))
    third = _claim(other.pk, now=timezone.now())

    assert isinstance(second, publishing.Claim)
    assert isinstance(third, publishing.Claim)
    assert second.number == 2
    assert first.payload.idempotency_key == second.payload.idempotency_key
    assert first.payload.created_at == second.payload.created_at
    assert first.payload.idempotency_key != third.payload.idempotency_key
    one.refresh_from_db()
    assert one.idempotency_key == first.payload.idempotency_key


def test_a_refreshed_token_is_saved_before_it_is_used(
    x_api: FakeX,
    sales: Department,
    comms_department: Department,
    sme: User,
    comms_reviewer: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(
        connectors._instances,
        "x",
        XConnector(api_base_url=x_api.url, token_url=f"{x_api.url}/2/oauth2/token"),
    )
    account = _account("x", sales, comms_department, x_api.credentials())
    # Time passes: the stored access token expires.
    expired = {
        **selectors.connection_credentials(account=account),
        "expires_at": "2020-01-01T00:00:00+00:00",
    }
    x_api.access_tokens.discard(expired["access_token"])
    x_api.expired_tokens.add(expired["access_token"])
    BrandAccountConnection.objects.filter(brand_account=account).update(
        credentials_encrypted=encryption.encrypt_json(expired)
    )
    post = _sent(sme, account, comms_reviewer)

    assert _run(post) == "published"

    stored = selectors.connection_credentials(account=account)
    assert stored["access_token"] != expired["access_token"]
    assert stored["refresh_token"] != expired["refresh_token"]  # X rotated it: saved
    assert stored["access_token"] in x_api.access_tokens
    event = AuditEvent.objects.for_target(account).get(action="brand_account.credentials_refreshed")
    assert set(event.data["fields"]) >= {"access_token", "refresh_token", "expires_at"}
    assert expired["access_token"] not in str(event.data)


# --- The retry schedule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retries", "low", "high"), [(1, 5, 10), (2, 10, 20), (3, 20, 40), (8, 300, 600)]
)
def test_back_off_doubles_with_jitter_up_to_the_cap(retries: int, low: float, high: float) -> None:
    rng = random.Random(7)
    delays = [publishing.retry_delay(retries, base=10, cap=600, rng=rng) for _ in range(200)]
    assert low <= min(delays)
    assert max(delays) <= high
    assert len({round(d, 3) for d in delays}) > 100  # jittered, not one fixed time


def test_back_off_honours_retry_after_up_to_a_day() -> None:
    rng = random.Random(1)
    assert publishing.retry_delay(1, retry_after=300, base=10, cap=600, rng=rng) == 300
    assert publishing.retry_delay(1, retry_after=3 * 86400, base=10, cap=600, rng=rng) == 86400
    assert 5 <= publishing.retry_delay(1, retry_after=1, base=10, cap=600, rng=rng) <= 10


# --- The sweep ---------------------------------------------------------------------------------


def test_the_sweep_queues_scheduled_posts_as_their_time_nears(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    settings: Any,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.SOCIALHUB_PUBLISH_ETA_HORIZON = 600
    near = approved_post(sme, account, comms_reviewer)
    far = approved_post(sme, account, comms_reviewer)
    soon = timezone.now() + timedelta(minutes=5)
    later = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_schedule(post=near, actor=comms_reviewer, scheduled_at=soon)
        services.post_schedule(post=far, actor=comms_reviewer, scheduled_at=later)

    # Scheduling queued the near one with its time; the far one waits for the sweep.
    assert [(t.args, t.eta) for t in queued()] == [((near.pk,), soon)]
    near.refresh_from_db()
    assert near.next_attempt_at == soon
    assert publishing.sweep().total == 0
    assert queued() == []

    services.post_unschedule(post=near, actor=comms_reviewer)  # only the far one is left
    report = publishing.sweep(now=later - timedelta(minutes=9))
    assert report.queued_scheduled == 1
    assert [(t.args, t.eta) for t in queued()] == [((far.pk,), later)]
    assert publishing.sweep(now=later - timedelta(minutes=8)).total == 0  # queued once


def test_the_sweep_releases_a_due_post_whose_task_was_lost(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_schedule(
            post=post, actor=comms_reviewer, scheduled_at=timezone.now() + timedelta(minutes=2)
        )
    assert len(queued()) == 1  # queued with its time... and then lost
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(seconds=30))
    assert publishing.sweep().released == 0  # within the grace: its own task may still come

    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.sweep().released == 1

    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING
    assert [t.args for t in queued()] == [(post.pk,)]


def test_the_sweep_queues_again_a_stale_publish_once_per_grace(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
) -> None:
    post = _sent(sme, account, comms_reviewer)
    queued()
    assert publishing.sweep().requeued == 0  # just handed over: its task is on the way

    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    assert publishing.sweep().requeued == 1
    assert [t.args for t in queued()] == [(post.pk,)]
    assert publishing.sweep().requeued == 0  # not again before another grace period
    assert publishing.sweep(now=timezone.now() + timedelta(minutes=2)).requeued == 1


def test_the_sweep_leaves_running_attempts_until_their_lease_runs_out(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
) -> None:
    post = _sent(sme, account, comms_reviewer)
    claim = _claim(post.pk, now=timezone.now())
    assert isinstance(claim, publishing.Claim)
    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    queued()
    assert publishing.sweep().requeued == 0

    PublishAttempt.objects.filter(pk=claim.attempt_id).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert publishing.sweep().requeued == 1
    assert _run(post) == "not_found"  # its worker died before sending: checked, then resent
    assert _run(post) == "published"
    assert [(k, o) for _n, k, o in _attempts(post)] == [
        (AttemptKind.SEND, AttemptOutcome.INTERRUPTED),
        (AttemptKind.CHECK, AttemptOutcome.NOT_FOUND),
        (AttemptKind.SEND, AttemptOutcome.PUBLISHED),
    ]


def test_a_post_scheduled_while_the_broker_is_down_is_queued_by_the_sweep(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from core.tests.celery_broker import celery_broker

    post = approved_post(sme, account, comms_reviewer)
    when = timezone.now() + timedelta(minutes=2)
    with celery_broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=when)
        # The broker refuses: the schedule stands, nothing is marked as queued.
        post.refresh_from_db()
        assert (post.state, post.next_attempt_at) == (PostState.SCHEDULED, None)
        assert publishing.sweep().queued_scheduled == 0  # still down

    assert publishing.sweep().queued_scheduled == 1  # the broker is back
    assert [(t.args, t.eta) for t in queued()] == [((post.pk,), when)]


def test_an_unauthorised_refusal_has_the_connection_checked(
    peer: MastodonPeer,
    mastodon_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
    org_admin: User,
    queued: Callable[[], list[QueuedTask]],
) -> None:
    post = _sent(sme, mastodon_account, comms_reviewer)
    queued()
    revoked = {
        "effect": {
            "type": "status",
            "status": 401,
            "body": {"error": "The access token was revoked"},
        },
        "count": 1,
    }
    peer.add_fault({"match": {"methods": ["POST"], "path": "/api/v1/statuses"}, **revoked})

    assert _run(post) == "failed"

    checks = [t for t in queued() if t.name == "channels_app.check_connection"]
    assert [t.args for t in checks] == [(mastodon_account.pk,)]
    # The check runs (a worker takes it): the platform refuses the stored token too.
    peer.add_fault(
        {"match": {"methods": ["GET"], "path": "/api/v1/accounts/verify_credentials"}, **revoked}
    )
    assert channel_tasks.check_connection(mastodon_account.pk) == "refused"
    connection = BrandAccountConnection.objects.get(brand_account=mastodon_account)
    assert "The access token was revoked" in connection.problem
    assert Notification.objects.filter(kind="connection", recipient=org_admin).exists()


def test_a_refusal_of_the_post_itself_checks_nothing(
    peer: MastodonPeer,
    mastodon_account: BrandAccount,
    sme: User,
    comms_reviewer: User,
    queued: Callable[[], list[QueuedTask]],
) -> None:
    post = _sent(sme, mastodon_account, comms_reviewer)
    queued()
    peer.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 422, "body": {"error": "Validation failed"}},
            "count": 1,
        }
    )
    assert _run(post) == "failed"
    assert [t.name for t in queued() if t.name == "channels_app.check_connection"] == []


# --- Remembered uploads are forgotten after a month ---------------------------------------------


def test_remembered_uploads_are_forgotten_after_thirty_days(settings: Any, db: None) -> None:
    uploads = media.DatabaseMediaUploads()
    uploads.put("mastodon:old", "109")
    uploads.put("bluesky:recent", "bafkrei-recent")
    PlatformMediaUpload.objects.filter(key="mastodon:old").update(
        created_at=timezone.now() - timedelta(days=31)
    )

    assert approvals_tasks.forget_old_media_uploads() == 1

    assert uploads.get("mastodon:old") is None
    assert uploads.get("bluesky:recent") == "bafkrei-recent"
    entry = settings.CELERY_BEAT_SCHEDULE["approvals-forget-old-media-uploads"]
    assert entry["task"] == "approvals.forget_old_media_uploads"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})
