"""The checks every post service runs before it writes: clean input, the locked row, the
author, the people's permissions and the account being switched on."""

from __future__ import annotations

from typing import Any

from accounts import authz
from accounts.models import Department
from approvals import permissions
from approvals.models import Post
from approvals.state_machine import target_state
from channels_app.models import BrandAccount
from core.errors import InvalidInput, NotAllowed

MAX_BODY_LENGTH = 20_000  # beyond every platform's limit: a guard against pasted novels
MAX_NOTE_LENGTH = 5_000


def _clean_body(body: Any) -> str:
    if not isinstance(body, str):
        raise InvalidInput("The body must be text.", field="body")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidInput(
            f"The body is {len(body)} characters long; SocialHub keeps posts under "
            f"{MAX_BODY_LENGTH}.",
            field="body",
        )
    return body


def _clean_note(note: Any, *, required: bool, what: str, field: str = "note") -> str:
    note = (note or "").strip() if isinstance(note, str | type(None)) else None
    if note is None:
        raise InvalidInput(f"The {field} must be text.", field=field)
    if required and not note:
        raise InvalidInput(f"Add a {field}: {what}", field=field)
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"Keep the {field} under {MAX_NOTE_LENGTH} characters.", field=field)
    return note


def _lock(post: Post) -> Post:
    """The post's row, locked until the transaction ends, with what services read from it.

    `of=("self",)`: only the post row is locked (PostgreSQL refuses to lock the nullable side of
    the current revision's outer join).
    """
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("brand_account__connection", "department", "author", "current_revision")
        .defer("brand_account__connection__credentials_encrypted")
        .get(pk=post.pk)
    )


def _require_state(post: Post, action: str) -> None:
    target_state(post.state, action)


def _require_author(actor: Any, post: Post, doing: str) -> None:
    if not permissions.is_author(actor, post):
        raise NotAllowed(f"Only the author can {doing} this post.", code="not_author")


def _require_draft_permission(actor: Any, account: BrandAccount) -> None:
    if not permissions.can_draft(actor, account):
        raise NotAllowed(
            f"You may not draft on {account.display_name}. Ask your department's manager or an "
            "org admin for access.",
            code="no_draft_permission",
        )


def _require_publish_permission(actor: Any, account: BrandAccount) -> None:
    if not permissions.can_publish(actor, account):
        raise NotAllowed(
            f"You may not publish on {account.display_name}. Ask comms to schedule or publish it.",
            code="no_publish_permission",
        )


def _require_active_account(account: BrandAccount) -> None:
    if not account.is_active:
        raise NotAllowed(
            f"{account.display_name} is switched off. An org admin can switch it back on.",
            code="account_inactive",
        )


def _choose_department(author: Any, account: BrandAccount) -> Department:
    """The author's department the post belongs to: the one through which they may draft on the
    account, else the account's own when they belong to it, else their first."""
    memberships = list(author.memberships.select_related("department").order_by("department__name"))
    if not memberships:
        return account.department
    granted = authz.group_ids_holding(permissions.DRAFT_ON, account)
    for membership in memberships:
        if membership.department.group_id in granted:
            return membership.department
    for membership in memberships:
        if membership.department_id == account.department_id:
            return membership.department
    return memberships[0].department
