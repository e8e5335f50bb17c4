"""Replies: posts that answer one incoming item (a mention, a comment, a direct message).

A reply is an ordinary post with its reply fields set (``Post.reply_to_*``, ``reply_private``,
``reply_recipient``). It is drafted through ``services.post_create`` — the same permission and
account checks as any post — and reviewed and published like one: certifications, the current
policy and guidance are checked when it is submitted, comms (and legal when the content says so)
review it, and the publishing engine hands the connector a ``ReplyTarget`` built here, so the
platform threads it under the item (or sends it privately).

The inbox sits above this app and calls these services; nothing here knows about conversations.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from activity.audit import audit_record
from approvals import guidance, handover, permissions, services
from approvals.models import Post
from approvals.state_machine import Action, perform_transition, target_state
from channels_app.connectors import ReplyTarget, connector_for
from channels_app.models import BrandAccount
from core.errors import InvalidInput, NotAllowed
from training import requirements as training_requirements

if TYPE_CHECKING:
    from accounts.models import User

MAX_ITEM_ID_LENGTH = 255
MAX_RECIPIENT_LENGTH = 255
# A raw_ref holds a few ids and URIs (Bluesky: the item's and the root's uri and cid).
MAX_RAW_REF_KEYS = 20
MAX_RAW_REF_VALUE_LENGTH = 2_000


def _clean_item_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Say which platform item the reply answers.", field="reply_to_item_id")
    value = value.strip()
    if len(value) > MAX_ITEM_ID_LENGTH:
        raise InvalidInput(
            f"A platform item id is at most {MAX_ITEM_ID_LENGTH} characters.",
            field="reply_to_item_id",
        )
    return value


def _clean_raw_ref(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or len(value) > MAX_RAW_REF_KEYS:
        raise InvalidInput(
            f"The item's reference must be an object of at most {MAX_RAW_REF_KEYS} texts.",
            field="raw_ref",
        )
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InvalidInput("The item's reference holds texts only.", field="raw_ref")
        if len(key) > 100 or len(item) > MAX_RAW_REF_VALUE_LENGTH:
            raise InvalidInput("A value of the item's reference is too long.", field="raw_ref")
        cleaned[key] = item
    return cleaned


def _clean_recipient(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > MAX_RECIPIENT_LENGTH:
        raise InvalidInput(
            f"The recipient is a platform handle or id of at most {MAX_RECIPIENT_LENGTH} "
            "characters.",
            field="recipient",
        )
    return value.strip()


def _require_reply_support(account: BrandAccount, *, private: bool) -> None:
    """Refuse now what the connector would refuse at publishing time (it checks again there:
    ``Connector.check_reply`` turns the same rule into a failed post with its message)."""
    connector = connector_for(account.platform)
    if not connector.can_reply:
        raise InvalidInput(
            f"{connector.label} connections cannot publish replies.", field="reply_to_item_id"
        )
    if private and not connector.can_reply_privately:
        raise InvalidInput(
            f"{connector.label} has no private replies: answer publicly, or in another channel.",
            field="private",
        )


def reply_post_create(
    *,
    actor: User,
    brand_account: BrandAccount,
    text: str,
    reply_to_item_id: str,
    raw_ref: Mapping[str, str] | None = None,
    private: bool = False,
    recipient: str = "",
    submit: bool = False,
) -> Post:
    """A draft post answering the platform item ``reply_to_item_id`` on ``brand_account``.

    ``raw_ref`` is the item's ``IncomingItem.raw_ref`` as stored; ``private`` sends the reply
    privately to the item's author (or to ``recipient``) where the platform allows it.
    ``submit=True`` also submits it for review in the same transaction (certifications, the
    current policy and guidance are checked then; a refusal writes nothing).
    Raises InvalidInput (400), NotAllowed (403) like ``services.post_create`` and
    ``services.post_submit``.
    """
    item_id = _clean_item_id(reply_to_item_id)
    ref = _clean_raw_ref(raw_ref)
    recipient = _clean_recipient(recipient)
    if not isinstance(private, bool):
        raise InvalidInput("Private is true or false.", field="private")
    with transaction.atomic():
        post = services.post_create(actor=actor, brand_account=brand_account, body=text)
        _require_reply_support(brand_account, private=private)
        fields = {
            "reply_to_item_id": item_id,
            "reply_to_raw_ref": ref,
            "reply_private": private,
            "reply_recipient": recipient,
        }
        Post.objects.filter(pk=post.pk).update(**fields)
        for name, value in fields.items():
            setattr(post, name, value)
        audit_record(
            actor=actor,
            action="post.reply_to_set",
            target=post,
            department=post.department,
            from_state=post.state,
            to_state=post.state,
            data={"reply_to_item_id": item_id, "private": private},
        )
        if submit:
            post = services.post_submit(post=post, actor=actor)
    return post


def post_reply_target(post: Post) -> ReplyTarget | None:
    """What the connector gets as ``PostPayload.reply_to``: None for an ordinary post."""
    if not post.reply_to_item_id:
        return None
    return ReplyTarget(
        platform_item_id=post.reply_to_item_id,
        raw_ref={str(k): str(v) for k, v in (post.reply_to_raw_ref or {}).items()},
        private=post.reply_private,
        recipient=post.reply_recipient,
    )


# --- Pre-approved saved replies ------------------------------------------------------------


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _in_support(actor: User) -> bool:
    return actor.memberships.filter(department__slug=settings.SOCIALHUB_SUPPORT_DEPARTMENT).exists()


def _require_preapproval(
    locked: Post, actor: User, saved_reply_text: str
) -> guidance.GuidanceResult:
    """Every rule that lets this reply skip review (checked under the post's row lock); the
    guidance result of its text when they all hold."""
    account = locked.brand_account
    if not permissions.is_author(actor, locked):
        raise NotAllowed("Only the author can publish this reply.", code="not_author")
    if not locked.is_reply:
        raise NotAllowed(
            "Only replies to incoming items can be published as pre-approved saved replies.",
            code="not_a_reply",
        )
    target_state(locked.state, Action.PUBLISH_PREAPPROVED)
    if not account.customer_service_replies_preapproved:
        raise NotAllowed(
            f"Replies on {account.display_name} are reviewed like every post: submit it for "
            "review. (An org admin can pre-approve customer-service replies on the account.)",
            code="not_preapproved",
        )
    if not account.is_active:
        raise NotAllowed(
            f"{account.display_name} is switched off. An org admin can switch it back on.",
            code="account_inactive",
        )
    if not permissions.can_draft(actor, account):
        raise NotAllowed(
            f"You may not draft on {account.display_name}.", code="no_draft_permission"
        )
    if not _in_support(actor):
        raise NotAllowed(
            "Pre-approved saved replies are for members of the support department; submit "
            "this reply for review.",
            code="not_support",
        )
    missing = training_requirements.missing_requirements(actor, account)
    if missing:
        raise NotAllowed(
            "Before you can publish: " + " ".join(item.message for item in missing),
            code="requirements_missing",
        )
    pause = services.crisis_pause_covering(account)
    if pause is not None:
        raise NotAllowed(
            f"Publishing is paused ({pause.reason}). Nothing is published until an org admin or "
            "comms lifts the pause.",
            code="crisis_pause",
        )
    # A quiet period covers replies too: the engine would refuse to send one inside it.
    services.require_no_quiet_period(locked, at=timezone.now(), now=True)
    if _normalised(locked.body) != _normalised(saved_reply_text):
        raise NotAllowed(
            "The reply differs from the saved reply comms approved: an edited reply goes to "
            "review. Submit it instead.",
            field="body",
            code="not_the_saved_reply",
        )
    if services.current_images(locked):
        raise NotAllowed(
            "Saved replies are text only: a reply with images goes to review.",
            field="body",
            code="images",
        )
    result = guidance.check_for_account(body=locked.body, account=account, alt_texts=[])
    if result.blocks_submit:
        raise NotAllowed(
            "Fix this before publishing: " + " ".join(f.message for f in result.hard),
            field="body",
            code="guidance",
        )
    if result.requires_legal:
        raise NotAllowed(
            "This reply touches a subject legal reviews: submit it for review.",
            field="body",
            code="legal_required",
        )
    return result


def reply_post_publish_preapproved(*, actor: User, post: Post, saved_reply_text: str) -> Post:
    """Publish the actor's draft reply without review, because it is a saved reply comms
    approved once (``saved_reply_text``, the template's approved text: the post's body must be
    exactly that) on an account whose customer-service replies org admins pre-approved, and the
    actor is a certified member of the support department who may draft on the account.

    Guidance's hard checks still run (and a subject legal reviews sends it to review instead);
    the transition is audited as ``post.publish_preapproved``; the same engine publishes it.
    Raises NotAllowed (403) for a broken rule, Conflict (409) when the post is not a draft.
    """
    if not isinstance(saved_reply_text, str) or not saved_reply_text.strip():
        raise InvalidInput("Give the saved reply's approved text.", field="saved_reply_text")
    with transaction.atomic():
        locked = (
            Post.objects.select_for_update(of=("self",))
            .select_related("brand_account", "department", "author", "current_revision")
            .get(pk=post.pk)
        )
        result = _require_preapproval(locked, actor, saved_reply_text)
        perform_transition(
            post=locked,
            action=Action.PUBLISH_PREAPPROVED,
            actor=actor,
            data={
                "saved_reply": True,
                "reply_to_item_id": locked.reply_to_item_id,
                "advice": [finding.rule for finding in result.soft],
            },
            fields={"approved_at": timezone.now(), "notice": ""},
            on_commit=[partial(handover.hand_over_for_publishing, locked.pk)],
        )
    return locked
