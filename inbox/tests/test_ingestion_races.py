"""Pollers racing on one account (PostgreSQL, threads with their own connections): the poll
state's row lock lets one read while the others skip, and the unique constraint is the last
word, so no item is stored twice."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from accounts.tests.factories import DepartmentFactory
from approvals.tests.factories import make_account
from channels_app import services as channel_services
from channels_app.tests.peers.fixtures import MastodonPeer
from inbox import ingestion
from inbox.models import Conversation, InboxItem
from inbox.tests.factories import incoming

THREADS = 6

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite has no row locks and serialises every writer, so a race "
        "cannot even start there (CI runs this on PostgreSQL).",
    ),
    pytest.mark.django_db(transaction=True),
]


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
        thread.join(timeout=120)
    return results


def test_pollers_racing_on_one_account_store_each_item_once(mastodon_peer: MastodonPeer) -> None:
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    account = make_account(sales, platform="mastodon", handle="@acme@mastodon.example")
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=mastodon_peer.credentials()
    )
    # Caught up with the shared instance (at least one item, so the cursor marks a place: a
    # first poll takes only the newest page).
    mastodon_peer.post_as("fan", f"@acme hello {uuid.uuid4().hex[:8]}")
    ingestion.account_poll(account=account)
    tag = uuid.uuid4().hex[:8]
    sent = [mastodon_peer.post_as("fan", f"@acme question {n} {tag}") for n in range(12)]

    reports = _race(lambda _i: ingestion.account_poll(account=account, limit=5))

    assert not [r for r in reports if isinstance(r, str)], reports
    ids = [s["id"] for s in sent]
    stored = InboxItem.objects.filter(brand_account=account, platform_item_id__in=ids)
    assert sorted(stored.values_list("platform_item_id", flat=True)) == sorted(ids)
    assert sum(r.stored for r in reports) == len(ids)


def test_the_same_items_stored_by_racing_transactions_exist_once() -> None:
    """Without the poll lock (the constraint alone): ON CONFLICT DO NOTHING, items and
    conversations alike."""
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    account = make_account(sales, platform="mastodon", handle="@acme@mastodon.example")
    items = [incoming(f"@acme item {n}", thread_key="one-thread") for n in range(10)]

    def store(_index: int) -> int:
        from django.db import transaction

        with transaction.atomic():
            return ingestion.store_items(account, items)

    results = _race(store)

    assert not [r for r in results if isinstance(r, str)], results
    assert InboxItem.objects.filter(brand_account=account).count() == 10
    assert Conversation.objects.filter(brand_account=account).count() == 1
