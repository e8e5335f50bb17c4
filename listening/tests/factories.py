"""Streams and matches for tests, stored the way collection stores them (store_matches)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Department
from channels_app.connectors import IncomingItem, IncomingKind, IncomingPage
from channels_app.models import BrandAccount
from listening.collection import store_matches
from listening.models import ListeningStream, StreamMatch, StreamTerm

_numbers = itertools.count(1)


def make_stream(
    account: BrandAccount,
    *,
    department: Department | None = None,
    name: str = "",
    terms: tuple[tuple[str, str], ...] = (("hashtag", "widgets"), ("keyword", "gizmo")),
) -> ListeningStream:
    stream = ListeningStream.objects.create(
        name=name or f"Stream {next(_numbers)}", department=department
    )
    stream.accounts.add(account)
    for kind, value in terms:
        StreamTerm.objects.create(stream=stream, kind=kind, value=value)
    return stream


def found(text: str = "Love my #widgets", *, at: datetime | None = None) -> IncomingItem:
    number = next(_numbers)
    return IncomingItem(
        platform_item_id=f"post-{number}",
        kind=IncomingKind.POST,
        thread_key=f"post-{number}",
        text=text,
        created_at=at or timezone.now() - timedelta(hours=1),
        author_id=f"id-{number}",
        author_handle=f"@fan{number}@mastodon.example",
        author_name=f"Fan {number}",
        author_url=f"https://mastodon.example/@fan{number}",
        url=f"https://mastodon.example/@fan{number}/{number}",
    )


def make_matches(
    stream: ListeningStream, count: int = 1, *, term: StreamTerm | None = None
) -> list[StreamMatch]:
    term = term or stream.terms.order_by("pk").first()
    assert term is not None
    account = stream.accounts.order_by("pk").first()
    assert account is not None
    items = tuple(found(f"Post {n} about #widgets") for n in range(count))
    store_matches(term, account, IncomingPage(items=items, cursor="c"), now=timezone.now())
    return list(
        StreamMatch.objects.filter(
            stream=stream, platform_item_id__in=[i.platform_item_id for i in items]
        )
    )
