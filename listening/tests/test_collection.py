"""Collecting stream matches through the real connectors (the X stand-in, mastodon-mock):
each post stored once per stream whatever the repeats, cursors that move on, errors that back
off, a second reader that finds the cursor locked and leaves."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department
from approvals.tests.factories import make_account
from channels_app import connectors
from channels_app import services as channel_services
from channels_app.connectors.x import XConnector
from channels_app.models import BrandAccount
from channels_app.tests.peers.fixtures import MastodonPeer
from channels_app.tests.peers.http_platforms import FakeX
from listening import collection, tasks
from listening.models import ListeningStream, StreamCursor, StreamMatch, StreamTerm


@pytest.fixture(autouse=True)
def interval(settings: Any) -> None:
    settings.SOCIALHUB_LISTENING_INTERVAL = 300.0


@pytest.fixture
def x_account(x_api: FakeX, sales: Department, monkeypatch: pytest.MonkeyPatch) -> BrandAccount:
    monkeypatch.setitem(
        connectors._instances,
        "x",
        XConnector(api_base_url=x_api.url, token_url=f"{x_api.url}/2/oauth2/token"),
    )
    account = make_account(sales, platform="x", handle="@acme")
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=x_api.credentials()
    )
    return account


def _stream(account: BrandAccount, *terms: tuple[str, str]) -> ListeningStream:
    stream = ListeningStream.objects.create(name=f"Stream {uuid.uuid4().hex[:6]}")
    stream.accounts.add(account)
    for kind, value in terms:
        StreamTerm.objects.create(stream=stream, kind=kind, value=value)
    return stream


def test_matches_are_stored_once_and_the_cursor_moves_on(
    x_api: FakeX, x_account: BrandAccount
) -> None:
    tag = f"widgets{uuid.uuid4().hex[:6]}"
    stream = _stream(x_account, ("hashtag", tag), ("keyword", "gizmo"))
    x_api.post_as_fan(f"Seen on the first read #{tag}")
    now = timezone.now()

    assert tasks.read_streams() == 1  # the first read takes the newest page only
    for n in range(30):
        x_api.post_as_fan(f"Take {n} #{tag} and a gizmo")
    assert collection.streams_read(now=now + timedelta(minutes=6)) == 30
    # The keyword term found the same 30 posts: stored once for the stream.
    assert StreamMatch.objects.filter(stream=stream).count() == 31
    match = StreamMatch.objects.filter(stream=stream).order_by("-posted_at").first()
    assert match is not None
    assert (match.platform, match.author_handle, match.brand_account) == ("x", "@fan", x_account)
    assert match.url.endswith(f"/status/{match.platform_item_id}")
    # Nothing new, nothing stored; nothing due before the interval.
    assert collection.streams_read(now=now + timedelta(minutes=12)) == 0
    assert collection.due_cursor_ids(now=now + timedelta(minutes=13)) == []


def test_a_term_the_platform_cannot_search_gets_no_cursor(
    x_account: BrandAccount, sales: Department
) -> None:
    linkedin = make_account(sales, platform="linkedin", handle="acme-li")
    stream = _stream(x_account, ("hashtag", "widgets"))
    stream.accounts.add(linkedin)
    assert collection.cursors_ensure() == 1
    assert StreamCursor.objects.get().brand_account == x_account


def test_an_error_backs_off_and_keeps_the_cursor(x_api: FakeX, x_account: BrandAccount) -> None:
    _stream(x_account, ("hashtag", "widgets"))
    now = timezone.now()
    x_api.fail_next("GET", "/2/tweets/search/recent", 503, {"title": "Service Unavailable"})
    [pk] = collection.due_cursor_ids(now=now)
    report = collection.cursor_read(cursor_id=pk, now=now)
    row = StreamCursor.objects.get(pk=pk)
    assert report.error
    assert (row.failures, row.cursor) == (1, "")
    assert row.next_read_at == now + timedelta(seconds=300)
    assert "Service Unavailable" in row.last_error or "503" in row.last_error


def test_a_second_reader_finds_the_cursor_locked(x_account: BrandAccount) -> None:
    from django.db import transaction

    _stream(x_account, ("hashtag", "widgets"))
    [pk] = collection.due_cursor_ids(now=timezone.now())
    with transaction.atomic():
        StreamCursor.objects.select_for_update().get(pk=pk)
        # SQLite has one writer at a time: the lock is PostgreSQL's; either way nothing is read
        # twice, as the unique match constraint stands behind it.
        report = collection.cursor_read(cursor_id=pk)
    assert report.locked or report.pages == 1


def test_mastodon_hashtags_through_the_real_peer(
    mastodon_peer: MastodonPeer, sales: Department
) -> None:
    account = make_account(sales, platform="mastodon", handle="@acme@mastodon.example")
    channel_services.brand_account_set_credentials(
        actor=None, account=account, credentials=mastodon_peer.credentials()
    )
    tag = f"gadgets{uuid.uuid4().hex[:6]}"
    stream = _stream(account, ("hashtag", tag))
    now = timezone.now()
    collection.streams_read(now=now)
    for n in range(3):
        mastodon_peer.post_as("fan", f"Fan {n} #{tag}")
    assert collection.streams_read(now=now + timedelta(minutes=6)) == 3
    assert sorted(StreamMatch.objects.filter(stream=stream).values_list("text", flat=True)) == [
        f"Fan {n} #{tag}" for n in range(3)
    ]
