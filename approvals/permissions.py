"""Who may do what with posts: small questions answered with accounts.authz only."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts import authz
from accounts.roles import OrgRole
from approvals.models import (
    ApprovalRule,
    CrisisPause,
    MediaAttachment,
    Post,
    QuietPeriod,
    ReviewComment,
    ReviewReason,
    Stage,
)
from channels_app.models import BrandAccount, BrandAccountPerm
from core.errors import NotFound

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


def has_review_queue(user: Any) -> bool:
    """Who decides on posts and has a review queue: comms and legal by role, and anyone an
    approval rule named a stage's reviewer. No query beyond the organisation-roles query."""
    return bool(reviewer_stages(user)) or authz.has_a_review_seat(user)


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


def can_manage_quiet_periods(user: Any) -> bool:
    """Org admins and legal reviewers plan, change and cancel quiet periods."""
    return authz.is_org_admin(user) or authz.has_org_role(user, OrgRole.LEGAL_REVIEWER)


def can_grant_quiet_period_exception(user: Any) -> bool:
    """Only legal lets a post out during a quiet period."""
    return authz.has_org_role(user, OrgRole.LEGAL_REVIEWER)


def sees_every_quiet_period(user: Any) -> bool:
    """Those who manage them, reviewers (they schedule across accounts), org admins and HR."""
    return (
        can_manage_quiet_periods(user)
        or authz.is_reviewer(user)
        or authz.sees_all_departments(user)
    )


def visible_quiet_periods(user: Any) -> Any:
    """The quiet periods the person may know about: all of them for those who see every one;
    for others, the organisation-wide ones and those on their departments or on the accounts
    they work on (the ones that can refuse their posts)."""
    periods = QuietPeriod.objects.all()
    if not user.is_authenticated:
        return periods.none()
    if sees_every_quiet_period(user):
        return periods
    departments = list(authz.department_roles(user))
    accounts = accounts_with(user, [DRAFT_ON, REVIEW_ON, PUBLISH_ON]).values("pk")
    return periods.filter(
        Q(department__isnull=True, brand_account__isnull=True)
        | Q(department_id__in=departments)
        | Q(brand_account__department_id__in=departments)
        | Q(brand_account__in=accounts)
    )


def may_read_review_reasons(user: Any) -> bool:
    """Those who choose a reason (reviewers) or receive one (whoever drafts or reviews on an
    account), and org admins, who edit the taxonomy."""
    if not user.is_authenticated:
        return False
    if authz.is_org_admin(user) or authz.is_reviewer(user):
        return True
    return bool(accounts_with(user, [DRAFT_ON, REVIEW_ON]).exists())


def can_edit_review_reasons(user: Any) -> bool:
    return authz.is_org_admin(user)


def visible_review_reasons(user: Any) -> Any:
    """The reasons the person may read: every one, retired too, for org admins; the active
    ones for those who may read them at all; none for anyone else."""
    reasons = ReviewReason.objects.select_related("course")
    if authz.is_org_admin(user):
        return reasons
    if may_read_review_reasons(user):
        return reasons.filter(is_active=True)
    return reasons.none()


def draftable_accounts(user: Any) -> Any:
    """Active brand accounts the person may draft on."""
    return (
        authz.objects_with_any_perm(user, [DRAFT_ON], BrandAccount.objects.filter(is_active=True))
        .select_related("connection")
        .defer("connection__credentials_encrypted")
        .order_by("display_name", "id")
    )


def accounts_with(user: Any, perms: list[str]) -> Any:
    return authz.objects_with_any_perm(user, perms, BrandAccount.objects.all())


# --- One object: 404 when invisible, 403 when seen without the permission ---------------------


def access_post(
    user: Any, pk: Any, *, lock: bool = False, with_list_relations: bool = False
) -> Post:
    """A post the person sees, with what its pages show; NotFound otherwise (the same answer as
    for a missing id). Who sees a post: the author; members of its department; reviewers and
    publishers of its account once it was submitted; org admins (Post.objects.visible_to).
    What they may do with it is post_actions' answer, and each service's on every request.

    with_list_relations: what a list row (and the API's post) shows, read the same way."""
    posts = Post.objects.visible_to(user)
    if with_list_relations:
        posts = posts.with_list_relations()
    else:
        posts = posts.select_related(
            "brand_account__connection", "department", "author", "current_revision", "scheduled_by"
        ).defer("brand_account__connection__credentials_encrypted")
    return authz.get_visible_or_404(posts, lock=lock, pk=pk)


def access_comment(user: Any, pk: Any, *, post: Post, lock: bool = False) -> ReviewComment:
    """A review comment of a post found with access_post; another post's answers 404."""
    return authz.get_visible_or_404(
        ReviewComment.objects.select_related(
            "post", "post__department", "revision", "author", "resolved_by"
        ),
        lock=lock,
        pk=pk,
        post=post,
    )


def access_media(user: Any, pk: Any, *, post: Post, current: bool = False) -> MediaAttachment:
    """An image of a post found with access_post, of any of its revisions (reviewers compare
    them); another post's answers 404. current=True: the current revision's row for the image
    that attachment pk shows (attachment ids change with each revision; the image, named by its
    checksum, stays), 404 once the current revision no longer has it."""
    image = authz.get_visible_or_404(
        MediaAttachment.objects.select_related("revision"), pk=pk, post=post
    )
    if not current:
        return image
    return authz.get_visible_or_404(
        MediaAttachment.objects.select_related("revision").filter(
            revision_id=post.current_revision_id or 0
        ),
        checksum=image.checksum,
    )


def access_crisis_pause(user: Any, pk: Any, *, lock: bool = False) -> CrisisPause:
    """Everybody signed in may know about crisis pauses (the banner shows them)."""
    if not user.is_authenticated:
        raise NotFound()
    return authz.get_visible_or_404(
        CrisisPause.objects.select_related("brand_account", "set_by", "lifted_by"),
        lock=lock,
        pk=pk,
    )


def access_quiet_period(user: Any, pk: Any, *, lock: bool = False) -> QuietPeriod:
    """A quiet period the person may know about (visible_quiet_periods); NotFound otherwise."""
    return authz.get_visible_or_404(
        visible_quiet_periods(user).select_related(
            "department", "brand_account", "created_by", "cancelled_by"
        ),
        lock=lock,
        pk=pk,
    )


def access_review_reason(user: Any, pk: Any, *, lock: bool = False) -> ReviewReason:
    """A review reason the person may read (visible_review_reasons); NotFound otherwise, also
    for a retired one to anyone but an org admin."""
    return authz.get_visible_or_404(visible_review_reasons(user), lock=lock, pk=pk)


def access_approval_rule(user: Any, pk: Any, *, lock: bool = False) -> ApprovalRule:
    """An approval rule, retired or not: org admins only; NotFound for everyone else, as for a
    rule that does not exist."""
    if not authz.is_org_admin(user):
        raise NotFound()
    return authz.get_visible_or_404(
        ApprovalRule.objects.prefetch_related("brand_accounts", "departments", "reviewers"),
        lock=lock,
        pk=pk,
    )
