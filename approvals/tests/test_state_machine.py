"""The transition table, exhaustively: every (state, action) pair is either allowed — the post
moves and one audit event records it — or refused with a Conflict and nothing written."""

from __future__ import annotations

import itertools

import pytest

from accounts.models import User
from activity.models import AuditEvent
from approvals.models import Post, PostState
from approvals.state_machine import (
    TRANSITIONS,
    Action,
    allowed_actions,
    perform_transition,
    refusal_message,
)
from approvals.tests.factories import force_state
from core.errors import Conflict

ALL_PAIRS = list(itertools.product(PostState.values, Action.values))
ALLOWED = [pair for pair in ALL_PAIRS if pair in TRANSITIONS]
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def test_the_table_matches_design_section_3() -> None:
    """The design's rows, spelled out once more, so a change to the table is a deliberate one."""
    s, a = PostState, Action
    assert TRANSITIONS[(s.DRAFT, a.SUBMIT)] == s.IN_REVIEW
    assert TRANSITIONS[(s.IN_REVIEW, a.APPROVE)] == s.APPROVED
    assert TRANSITIONS[(s.IN_REVIEW, a.APPROVE_STAGE)] == s.IN_REVIEW
    assert TRANSITIONS[(s.IN_REVIEW, a.REQUEST_CHANGES)] == s.CHANGES_REQUESTED
    assert TRANSITIONS[(s.IN_REVIEW, a.REJECT)] == s.REJECTED
    assert TRANSITIONS[(s.CHANGES_REQUESTED, a.SUBMIT)] == s.IN_REVIEW
    assert TRANSITIONS[(s.APPROVED, a.REVISE)] == s.IN_REVIEW
    assert TRANSITIONS[(s.APPROVED, a.SCHEDULE)] == s.SCHEDULED
    assert TRANSITIONS[(s.APPROVED, a.PUBLISH_NOW)] == s.PUBLISHING
    assert TRANSITIONS[(s.DRAFT, a.PUBLISH_PREAPPROVED)] == s.PUBLISHING
    assert TRANSITIONS[(s.SCHEDULED, a.UNSCHEDULE)] == s.APPROVED
    assert TRANSITIONS[(s.SCHEDULED, a.RELEASE)] == s.PUBLISHING
    assert TRANSITIONS[(s.SCHEDULED, a.HOLD_FOR_CRISIS)] == s.APPROVED
    assert TRANSITIONS[(s.PUBLISHING, a.MARK_PUBLISHED)] == s.PUBLISHED
    assert TRANSITIONS[(s.PUBLISHING, a.MARK_FAILED)] == s.FAILED
    assert TRANSITIONS[(s.PUBLISHING, a.MARK_UNCONFIRMED)] == s.UNCONFIRMED
    assert TRANSITIONS[(s.FAILED, a.RETRY)] == s.PUBLISHING
    before_publishing = {s.DRAFT, s.IN_REVIEW, s.CHANGES_REQUESTED, s.APPROVED, s.SCHEDULED}
    assert {state for state in s.values if (state, a.WITHDRAW) in TRANSITIONS} == before_publishing
    # Closed states lead nowhere.
    for closed in (s.PUBLISHED, s.REJECTED, s.WITHDRAWN):
        assert allowed_actions(closed) == []


@pytest.mark.parametrize(("state", "action"), ALLOWED)
def test_allowed_transition_moves_the_post_and_audits_it(
    state: str, action: str, draft: Post, sme: User
) -> None:
    post = force_state(draft, state)
    perform_transition(post=post, action=action, actor=sme, note="why", data={"k": 1})

    expected = TRANSITIONS[(state, action)]
    post.refresh_from_db()
    assert post.state == expected
    event = AuditEvent.objects.for_target(post).get(action=f"post.{action}")
    assert (event.from_state, event.to_state, event.actor, event.note) == (
        state,
        expected,
        sme,
        "why",
    )
    assert event.data == {"revision": 1, "k": 1}
    assert event.department == post.department


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_transition_is_a_conflict_and_writes_nothing(
    state: str, action: str, draft: Post, sme: User
) -> None:
    post = force_state(draft, state)
    events_before = AuditEvent.objects.count()

    with pytest.raises(Conflict) as refused:
        perform_transition(post=post, action=action, actor=sme)

    assert refused.value.message == refusal_message(state, action)
    post.refresh_from_db()
    assert post.state == state
    assert AuditEvent.objects.count() == events_before


def test_a_stale_post_object_loses_the_compare_and_swap(draft: Post, sme: User) -> None:
    """Two requests read the post as a draft; the first submits it, the second must not win."""
    first = Post.objects.get(pk=draft.pk)
    second = Post.objects.get(pk=draft.pk)
    perform_transition(post=first, action=Action.SUBMIT, actor=sme)
    events_before = AuditEvent.objects.count()

    with pytest.raises(Conflict, match="Someone else changed this post"):
        perform_transition(post=second, action=Action.WITHDRAW, actor=sme)

    assert Post.objects.get(pk=draft.pk).state == PostState.IN_REVIEW
    assert AuditEvent.objects.count() == events_before


def test_refusals_say_what_to_do_instead() -> None:
    message = refusal_message(PostState.SCHEDULED, Action.REVISE)
    assert message.startswith("You cannot edit a post that is scheduled.")
    assert "Unschedule it first" in message
