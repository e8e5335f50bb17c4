"""Which actions a person may take on a post now: one answer for the post page's buttons and
the `actions` field of the post API, so the two cannot drift apart.

The state machine says which actions the post's state allows; the permission rules say which of
those this person may take. The services check again on every request (a crisis pause, a
missing certificate or a race still refuses with its reason): this is what to offer, not a
promise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts import authz
from accounts.roles import OrgRole
from approvals.models import Post
from approvals.permissions import DRAFT_ON, PUBLISH_ON, REVIEW_ON, is_author, reviewer_stages
from approvals.review_stages import is_stage_reviewer_of
from approvals.services.crisis import crisis_pause_covering, paused_account_ids
from approvals.services.drafting import COPYABLE_STATES
from approvals.state_machine import Action, allowed_actions

ACCOUNT_PERMS = (DRAFT_ON, REVIEW_ON, PUBLISH_ON)

# Not a transition (the post stays closed): its author starts a new draft from its text
# (approvals.services.post_copy_to_draft).
COPY_TO_DRAFT = "copy_to_draft"

# The actions people take, in the order pages and the API list them. The engine's own actions
# (release, mark published, …) are nobody's to take; approving one stage is "approve" to people.
PERSON_ACTIONS: tuple[str, ...] = (
    Action.REVISE,
    Action.SUBMIT,
    Action.APPROVE,
    Action.REQUEST_CHANGES,
    Action.REJECT,
    Action.SCHEDULE,
    Action.RESCHEDULE,
    Action.UNSCHEDULE,
    Action.PUBLISH_NOW,
    Action.RETRY,
    Action.WITHDRAW,
    COPY_TO_DRAFT,
)
_AS_PEOPLE_SAY = {Action.APPROVE_STAGE: Action.APPROVE}
DECISIONS = frozenset({Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT})
AUTHOR_ACTIONS = frozenset({Action.REVISE, Action.SUBMIT})
PUBLISHER_ACTIONS = frozenset(
    {Action.SCHEDULE, Action.RESCHEDULE, Action.UNSCHEDULE, Action.PUBLISH_NOW, Action.RETRY}
)


def _state_actions(state: str) -> set[str]:
    return {_AS_PEOPLE_SAY.get(action, action) for action in allowed_actions(state)}  # type: ignore[call-overload]


def post_actions(
    user: Any,
    post: Post,
    *,
    account_perms: Iterable[str] | None = None,
    paused: bool | None = None,
) -> list[str]:
    """The actions (Action values) the person may take on the post now, in PERSON_ACTIONS order.
    Publish now is not offered while a crisis pause holds for the account (the service refuses
    it); scheduling stays offered, the page saying why it is refused.

    account_perms: the codenames the person holds on the post's account, when the caller read
    them for a whole list (post_actions_by_post); else read here (two queries at most).
    paused: whether a crisis pause holds for the account, when the caller knows; else read here
    (one query, only when publish now would be offered).
    """
    if not user.is_authenticated:
        return []
    perms = frozenset(
        authz.object_perm_set(user, post.brand_account, ACCOUNT_PERMS)
        if account_perms is None
        else account_perms
    )
    author = is_author(user, post)
    may: set[str] = set()
    if author and DRAFT_ON in perms:
        may |= AUTHOR_ACTIONS
    # Separation of duties: the author never decides on their own post.
    if not author and (
        (reviewer_stages(user) and REVIEW_ON in perms) or is_stage_reviewer_of(user, post)
    ):
        may |= DECISIONS
    if PUBLISH_ON in perms:
        may |= PUBLISHER_ACTIONS
    # The author, or comms (reviewers who work on the account).
    if author or (
        authz.has_org_role(user, OrgRole.COMMS_REVIEWER)
        and (REVIEW_ON in perms or PUBLISH_ON in perms)
    ):
        may.add(Action.WITHDRAW)
    allowed = _state_actions(post.state) & may
    if author and DRAFT_ON in perms and post.state in COPYABLE_STATES and not post.is_reply:
        allowed.add(COPY_TO_DRAFT)
    if Action.PUBLISH_NOW in allowed:
        if paused is None:
            paused = crisis_pause_covering(post.brand_account) is not None
        if paused:
            allowed.discard(Action.PUBLISH_NOW)
    return [action for action in PERSON_ACTIONS if action in allowed]


def post_actions_by_post(user: Any, posts: Iterable[Post]) -> dict[int, list[str]]:
    """{post id: post_actions} for a list, with the account permissions read in one go (two
    queries whatever the number of posts; none for org admins), and the crisis pauses in one
    more when some post could be published now."""
    posts = list(posts)
    accounts = {post.brand_account_id: post.brand_account for post in posts}
    held = authz.object_perm_sets(user, accounts.values(), ACCOUNT_PERMS)
    publishable = {
        post.brand_account_id
        for post in posts
        if PUBLISH_ON in held[post.brand_account_id]
        and Action.PUBLISH_NOW in _state_actions(post.state)
    }
    paused = paused_account_ids(publishable) if publishable else set()
    return {
        post.pk: post_actions(
            user,
            post,
            account_perms=held[post.brand_account_id],
            paused=post.brand_account_id in paused,
        )
        for post in posts
    }
