"""What the read side shares across connectors: capability flags, reply targets, cursors,
paging forward by time, and how a rate limit without a wait is reported."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from channels_app.connectors import (
    IncomingItem,
    IncomingKind,
    PermanentError,
    PostPayload,
    RateLimited,
    ReplyTarget,
    RetryableError,
    connector_for,
)
from channels_app.connectors.base import DEFAULT_RATE_LIMIT_WAIT
from channels_app.connectors.incoming import (
    Candidate,
    Sweep,
    decode_cursor,
    encode_cursor,
    parse_time,
    take_forward,
)
from channels_app.connectors.transport import PlatformHttp
from channels_app.platforms import Platform


@pytest.mark.parametrize(
    ("platform", "direct_messages", "private_replies"),
    [
        (Platform.MASTODON, True, True),
        (Platform.BLUESKY, False, False),
        (Platform.LINKEDIN, False, False),
        (Platform.X, True, True),
        (Platform.FACEBOOK, True, True),
    ],
)
def test_each_external_platform_says_what_it_can_read_and_answer(
    platform: str, direct_messages: bool, private_replies: bool
) -> None:
    connector = connector_for(platform)

    assert connector.reads_incoming
    assert connector.can_reply
    assert connector.reads_direct_messages is direct_messages
    assert connector.can_reply_privately is private_replies


def test_the_internal_feed_reads_comments_and_answers_publicly_only() -> None:
    # Its read side and answers are tested against the feed in publishing/tests.
    internal = connector_for(Platform.INTERNAL)

    assert internal.reads_incoming
    assert internal.can_reply
    assert not internal.can_reply_privately
    private = PostPayload(
        text="hi",
        idempotency_key="k",
        reply_to=ReplyTarget(platform_item_id="comment-1", private=True),
    )
    with pytest.raises(PermanentError, match="no private replies"):
        internal.check_reply(private)


def test_a_payload_without_a_reply_target_is_a_post_as_before() -> None:
    payload = PostPayload(text="hello", idempotency_key="k")

    assert payload.reply_to is None
    assert connector_for(Platform.BLUESKY).check_reply(payload) is None


def test_a_reply_target_comes_from_the_item_with_what_replying_needs() -> None:
    item = IncomingItem(
        platform_item_id="at://did:plc:fan/app.bsky.feed.post/3k1",
        kind=IncomingKind.REPLY,
        thread_key="at://did:plc:brand/app.bsky.feed.post/3k0",
        text="Love it",
        created_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        raw_ref={"uri": "at://did:plc:fan/app.bsky.feed.post/3k1", "cid": "bafy1"},
    )

    target = item.reply_target(private=True, recipient="someone")

    assert target == ReplyTarget(
        platform_item_id=item.platform_item_id,
        raw_ref={"uri": "at://did:plc:fan/app.bsky.feed.post/3k1", "cid": "bafy1"},
        private=True,
        recipient="someone",
    )
    assert target.raw_ref is not item.raw_ref  # a copy: changing one leaves the other
    with pytest.raises(ValueError, match="platform id"):
        ReplyTarget(platform_item_id="")


def test_a_cursor_from_elsewhere_is_refused_not_guessed_at() -> None:
    assert decode_cursor(None, platform="x") == {}
    assert decode_cursor(encode_cursor({"n": "12"}), platform="x") == {"n": "12"}
    for foreign in ("12345", "not json", "[1, 2]"):
        with pytest.raises(PermanentError, match="not one this connector wrote"):
            decode_cursor(foreign, platform="x")


def _candidate(moment: int, item_id: str) -> Candidate:
    item = IncomingItem(
        platform_item_id=item_id,
        kind=IncomingKind.COMMENT,
        thread_key=item_id,
        text=item_id,
        created_at=datetime.fromtimestamp(moment, tz=UTC),
    )
    return Candidate(moment, item_id, item)


def test_paging_forward_by_time_keeps_what_did_not_fit_for_the_next_page() -> None:
    found = [_candidate(10, "a"), _candidate(12, "b"), _candidate(12, "c"), _candidate(15, "d")]

    # The first poll takes the newest and does not import the rest.
    items, mark, more = take_forward(found, None, 2)
    assert ([i.platform_item_id for i in items], mark, more) == (
        ["c", "d"],
        {"t": 15, "ids": ["d"]},
        False,
    )

    # Later polls take the oldest new ones; two at the same second are told apart by id.
    items, mark, more = take_forward(found, {"t": 5, "ids": []}, 2)
    assert ([i.platform_item_id for i in items], mark, more) == (
        ["a", "b"],
        {"t": 12, "ids": ["b"]},
        True,
    )
    rest = [c for c in found if c.moment > 12 or (c.moment == 12 and c.item_id != "b")]
    items, mark, more = take_forward(rest, mark, 2)
    assert ([i.platform_item_id for i in items], mark, more) == (
        ["c", "d"],
        {"t": 15, "ids": ["d"]},
        False,
    )
    assert take_forward([], mark, 2) == ([], mark, False)


def test_a_sweep_back_from_the_newest_moves_its_mark_only_when_it_met_the_old_one() -> None:
    sweep = Sweep.from_state(None)
    assert sweep.advance(page_top="30", reached_mark=False, platform_next="p2") is False
    assert sweep.state() == {"mark": "30"}  # the first poll: one page, no history

    sweep = Sweep.from_state({"mark": "30"})
    assert sweep.advance(page_top="45", reached_mark=False, platform_next="p2") is True
    assert sweep.state() == {"mark": "30", "next": "p2", "top": "45"}
    sweep = Sweep.from_state(sweep.state())
    assert sweep.advance(page_top="38", reached_mark=True, platform_next="p3") is False
    assert sweep.state() == {"mark": "45"}


def test_graph_and_iso_times_are_read_as_aware_datetimes() -> None:
    expected = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert parse_time("2026-11-23T17:00:00+0000") == expected
    assert parse_time("2026-11-23T17:00:00.000Z") == expected
    assert parse_time("2026-11-23T17:00:00") == expected


def test_a_429_without_a_wait_is_rate_limited_for_the_default_time() -> None:
    response = requests.Response()
    response.status_code = 429

    error = PlatformHttp(platform="mastodon", label="Mastodon").error_for(response, "slow down")

    assert isinstance(error, RateLimited)
    assert isinstance(error, RetryableError)  # the publishing engine retries it as before
    assert error.retry_after_seconds == error.retry_after == DEFAULT_RATE_LIMIT_WAIT
