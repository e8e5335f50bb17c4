"""Who may do what with posts: small questions answered with accounts.authz only."""

from __future__ import annotations

from typing import Any

from accounts import authz
from accounts.roles import OrgRole
from approvals.models import Post, Stage
from channels_app.models import BrandAccount, BrandAccountPerm

DRAFT_ON = BrandAccountPerm.DRAFT_ON.value
REVIEW_ON = BrandAccountPerm.REVIEW_ON.value
PUBLISH_ON = BrandAccountPerm.PUBLISH_ON.value

# Which organisation-wide role decides which review stage.
STAGE_ROLES: dict[str, str] = {
    Stage.COMMS: OrgRole.COMMS_REVIEWER,
    Stage.LEGAL: OrgRole.LEGAL_REVIEWER,
}


def reviewer_stages(user: Any) -> list[str]:
    """The stages the person's roles let them decide, comms first."""
    return [stage for stage, role in STAGE_ROLES.items() if authz.has_org_role(user, role)]


def can_draft(user: Any, account: BrandAccount) -> bool:
    return authz.has_object_perm(user, DRAFT_ON, account)


def can_review(user: Any, account: BrandAccount) -> bool:
    return authz.has_object_perm(user, REVIEW_ON, account)


def can_publish(user: Any, account: BrandAccount) -> bool:
    return authz.has_object_perm(user, PUBLISH_ON, account)


def is_author(user: Any, post: Post) -> bool:
    return bool(user.is_authenticated and post.author_id == user.pk)


def can_withdraw(user: Any, post: Post) -> bool:
    """The author, or comms (reviewers who work on the account)."""
    if is_author(user, post):
        return True
    return authz.has_org_role(user, OrgRole.COMMS_REVIEWER) and (
        can_review(user, post.brand_account) or can_publish(user, post.brand_account)
    )


def can_see_attempts(user: Any, post: Post) -> bool:
    """The publishing attempts, with the platforms' messages: the author, the people who review
    or publish on the account, org admins."""
    return (
        is_author(user, post)
        or authz.is_org_admin(user)
        or can_review(user, post.brand_account)
        or can_publish(user, post.brand_account)
    )


def can_manage_crisis(user: Any) -> bool:
    """Org admins and comms reviewers set and lift crisis pauses."""
    return authz.is_org_admin(user) or authz.has_org_role(user, OrgRole.COMMS_REVIEWER)


def draftable_accounts(user: Any) -> Any:
    """Active brand accounts the person may draft on."""
    return authz.objects_with_any_perm(
        user, [DRAFT_ON], BrandAccount.objects.filter(is_active=True)
    ).order_by("display_name", "id")


def accounts_with(user: Any, perms: list[str]) -> Any:
    return authz.objects_with_any_perm(user, perms, BrandAccount.objects.all())
