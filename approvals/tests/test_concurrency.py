"""Concurrent decisions on one post resolve to exactly one outcome (row locks, not luck)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from activity.models import AuditEvent
from approvals import services
from approvals.models import Decision, Post, PostState
from approvals.tests.factories import make_account, submitted_post
from core.errors import Conflict

THREADS = 20

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite has no row locks and serialises every writer, so a race "
        "cannot even start there (CI runs this on PostgreSQL).",
    ),
    # Real commits: each thread has its own connection and must see the others' work.
    pytest.mark.django_db(transaction=True),
]


def test_twenty_reviewers_deciding_at_once_make_one_decision_and_one_transition(
    transactional_db: None,
) -> None:
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    comms = DepartmentFactory.create(name="Communications", slug="communications")
    author = UserFactory.create()
    add_member(author, sales)
    account = make_account(sales, drafters=[sales], reviewers=[comms])
    reviewers = []
    for _ in range(THREADS):
        reviewer = give_org_role(UserFactory.create(), OrgRole.COMMS_REVIEWER)
        add_member(reviewer, comms)
        reviewers.append(reviewer)
    post = submitted_post(author, account)
    verdicts: list[tuple[Any, str]] = [
        (services.post_approve, "approved"),
        (services.post_request_changes, "changes_requested"),
        (services.post_reject, "rejected"),
    ]

    start = threading.Barrier(THREADS)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def decide(index: int) -> None:
        decide_fn, _state = verdicts[index % 3]
        try:
            start.wait()
            mine = Post.objects.get(pk=post.pk)  # each request reads the post on its own
            decide_fn(post=mine, actor=reviewers[index], note=f"Reviewer {index}")
            result = "won"
        except Conflict:
            result = "conflict"
        except Exception as exc:  # any other outcome fails the test below
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append((index, result))

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    results = sorted(result for _index, result in outcomes)
    assert results == ["conflict"] * (THREADS - 1) + ["won"], results
    (winner,) = [index for index, result in outcomes if result == "won"]
    post.refresh_from_db()
    assert post.state == verdicts[winner % 3][1]
    decision = Decision.objects.get(post=post)  # exactly one
    assert decision.reviewer == reviewers[winner]
    decided: Any = AuditEvent.objects.for_target(post).filter(
        action__in=["post.approve", "post.request_changes", "post.reject", "post.approve_stage"]
    )
    assert decided.count() == 1
    assert decided.get().from_state == PostState.IN_REVIEW
