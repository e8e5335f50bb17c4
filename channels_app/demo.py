"""The demo organisation's brand accounts (docs/design.md §7). Idempotent: a second run changes
nothing and records nothing.

- one internal account per department, on which that department drafts; communications' one
  is organisation-wide (everyone reads it on the internal feed) and sales drafts there too;
- one account per external platform, owned by communications, not connected;
- sales also drafts on the external accounts;
- comms reviewers review and publish on every account, legal reviewers review on every account,
  both through their role's group, so a new reviewer gets the rights without a new grant;
- org admins manage every account by their role (no grant needed).
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from accounts.models import Department
from accounts.roles import GROUP_NAMES, OrgRole
from channels_app import services
from channels_app.grants import GrantHolder, holder_for_department, holder_for_role
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.platforms import Platform

# (platform, handle, display name): owned by communications, connected by an org admin later.
EXTERNAL_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    (Platform.MASTODON, "@socialhubdemo@mastodon.social", "SocialHub Demo on Mastodon"),
    (Platform.BLUESKY, "socialhubdemo.bsky.social", "SocialHub Demo on Bluesky"),
    (Platform.LINKEDIN, "socialhub-demo", "SocialHub Demo on LinkedIn"),
    (Platform.X, "@socialhubdemo", "SocialHub Demo on X"),
    (Platform.FACEBOOK, "SocialHubDemo", "SocialHub Demo on Facebook"),
)

ROLE_GRANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OrgRole.COMMS_REVIEWER, (BrandAccountPerm.REVIEW_ON, BrandAccountPerm.PUBLISH_ON)),
    (OrgRole.LEGAL_REVIEWER, (BrandAccountPerm.REVIEW_ON,)),
)


def internal_handle(department: Department) -> str:
    return f"{department.slug}-news"


def _account(platform: str, handle: str, display_name: str, owner: Department) -> BrandAccount:
    existing = BrandAccount.objects.filter(platform=platform, handle__iexact=handle).first()
    if existing is not None:
        return existing
    # The grants below are the demo's own, so the standard set is not applied on top.
    return services.brand_account_create(
        actor=None,
        platform=platform,
        handle=handle,
        display_name=display_name,
        department=owner,
        apply_standard_grants=False,
    )


def _grant(account: BrandAccount, holder: GrantHolder, perms: tuple[str, ...]) -> None:
    # The service adds only what is missing and records an event only when it adds something.
    services.brand_account_grant(actor=None, account=account, holder=holder, perms=perms)


def seed_brand_accounts() -> None:
    departments = {d.slug: d for d in Department.objects.select_related("group")}
    communications = departments["communications"]
    role_holders = [
        (holder_for_role(role, Group.objects.get_or_create(name=GROUP_NAMES[role])[0]), perms)
        for role, perms in ROLE_GRANTS
    ]
    accounts: list[BrandAccount] = []
    for department in departments.values():
        account = _account(
            Platform.INTERNAL,
            internal_handle(department),
            f"{department.name} internal news",
            department,
        )
        _grant(account, holder_for_department(department), (BrandAccountPerm.DRAFT_ON,))
        accounts.append(account)
    sales = departments.get("sales")
    company_news = next(a for a in accounts if a.department_id == communications.pk)
    if not company_news.org_wide_feed:
        services.brand_account_update(actor=None, account=company_news, org_wide_feed=True)
    if sales is not None:
        _grant(company_news, holder_for_department(sales), (BrandAccountPerm.DRAFT_ON,))
    for platform, handle, display_name in EXTERNAL_ACCOUNTS:
        account = _account(platform, handle, display_name, communications)
        if sales is not None:
            _grant(account, holder_for_department(sales), (BrandAccountPerm.DRAFT_ON,))
        accounts.append(account)
    for account in accounts:
        for holder, perms in role_holders:
            _grant(account, holder, perms)
