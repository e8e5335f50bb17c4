"""Workers racing for one post: the row lock (and the database's one-running-attempt rule) let
exactly one of them send it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals import services
from approvals.models import Post, PostState
from approvals.tests.factories import approved_post, make_account
from publishing import engine as publishing
from publishing.engine.claim import _claim
from publishing.models import FeedEntry, PublishAttempt

THREADS = 8

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite has no row locks and serialises every writer, so a race "
        "cannot even start there (CI runs this on PostgreSQL).",
    ),
    pytest.mark.django_db(transaction=True),
]


def _ready_post(publish_now: bool = True) -> Post:
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    comms = DepartmentFactory.create(name="Communications", slug="communications")
    author = UserFactory.create()
    add_member(author, sales)
    reviewer = give_org_role(UserFactory.create(), OrgRole.COMMS_REVIEWER)
    add_member(reviewer, comms)
    account = make_account(sales, drafters=[sales], reviewers=[comms], publishers=[comms])
    post = approved_post(author, account, reviewer)
    if publish_now:
        services.post_publish_now(post=post, actor=reviewer)
    return post


def _race(work: Callable[[int], Any]) -> list[Any]:
    start = threading.Barrier(THREADS)
    results: list[Any] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            start.wait()
            result = work(index)
        except Exception as exc:  # any error fails the test below
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_workers_claiming_one_post_at_once_get_one_claim(transactional_db: None) -> None:
    post = _ready_post()

    claims = _race(lambda _i: _claim(post.pk, now=timezone.now()))

    assert sum(1 for c in claims if isinstance(c, publishing.Claim)) == 1, claims
    assert all(c is None or isinstance(c, publishing.Claim) for c in claims), claims
    assert PublishAttempt.objects.filter(post=post).count() == 1


def test_workers_publishing_one_post_at_once_publish_it_once(transactional_db: None) -> None:
    post = _ready_post()

    outcomes = _race(lambda _i: publishing.post_publish(post_id=post.pk))

    assert sorted(outcomes) == ["published"] + ["skipped"] * (THREADS - 1), outcomes
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED
    assert FeedEntry.objects.count() == 1
    assert list(PublishAttempt.objects.values_list("outcome", flat=True)) == ["published"]


def test_the_sweep_and_the_scheduled_task_racing_release_it_once(transactional_db: None) -> None:
    post = _ready_post(publish_now=False)
    Post.objects.filter(pk=post.pk).update(
        state=PostState.SCHEDULED, scheduled_at=timezone.now() - timedelta(minutes=5)
    )

    def either(index: int) -> Any:
        # Half the threads are the beat sweep (release, then its own task would follow), half
        # the post's own scheduled task (release and send in one claim).
        if index % 2:
            return len(services.posts_release_due(now=timezone.now()))
        return publishing.post_publish(post_id=post.pk)

    results = _race(either)

    assert not [r for r in results if isinstance(r, str) and r.startswith("error")], results
    # Whoever released it, one of the tasks sent it (or a sweep released it after the tasks
    # looked: then its hand-over's task sends it, as here).
    post.refresh_from_db()
    if post.state == PostState.PUBLISHING:
        assert publishing.post_publish(post_id=post.pk) == "published"
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED
    assert FeedEntry.objects.count() == 1
    assert PublishAttempt.objects.filter(post=post).count() == 1
