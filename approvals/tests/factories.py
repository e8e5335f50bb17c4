"""Building blocks for workflow tests. Posts are made and moved through the real services, so a
test starts from a state the product itself can reach."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts import authz
from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, give_org_role
from approvals import services
from approvals.models import Post, PostState
from channels_app.models import BrandAccount

_handles = itertools.count(1)


def make_account(
    department: Department,
    *,
    platform: str = "internal",
    handle: str = "",
    display_name: str = "",
    drafters: list[Department] | None = None,
    reviewers: list[Department] | None = None,
    publishers: list[Department] | None = None,
) -> BrandAccount:
    """A brand account; draft, review and publish granted to the given departments' groups."""
    number = next(_handles)
    account = BrandAccount.objects.create(
        platform=platform,
        handle=handle or f"account-{number}",
        display_name=display_name or f"Account {number}",
        department=department,
    )
    for perm, departments in (
        ("draft_on", drafters if drafters is not None else [department]),
        ("review_on", reviewers or []),
        ("publish_on", publishers or []),
    ):
        for granted in departments:
            authz.grant_to_group(perm, granted.group, account)
    return account


def sales_desk() -> tuple[User, User, BrandAccount]:
    """The browser journeys' cast: Sam Sales (sme@, in Sales, drafts), Colin Comms (comms@, comms
    reviewer in Communications, reviews and publishes) and their Sales news account."""
    sales = DepartmentFactory.create(name="Sales", slug="sales")
    comms_department = DepartmentFactory.create(name="Communications", slug="communications")
    sme = UserFactory.create(email="sme@example.test", full_name="Sam Sales")
    add_member(sme, sales)
    comms = give_org_role(
        UserFactory.create(email="comms@example.test", full_name="Colin Comms"),
        OrgRole.COMMS_REVIEWER,
    )
    add_member(comms, comms_department)
    account = make_account(
        sales,
        display_name="Sales news",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    return sme, comms, account


def make_post(
    author: User, account: BrandAccount, body: str = "Our support desk opens at 8."
) -> Post:
    return services.post_create(actor=author, brand_account=account, body=body)


def submitted_post(author: User, account: BrandAccount, body: str = "Our desk opens at 8.") -> Post:
    post = make_post(author, account, body)
    return services.post_submit(post=post, actor=author)


def approved_post(
    author: User, account: BrandAccount, reviewer: User, body: str = "Our desk opens at 8."
) -> Post:
    post = submitted_post(author, account, body)
    services.post_approve(post=post, actor=reviewer)
    return Post.objects.get(pk=post.pk)


def scheduled_post(
    author: User,
    account: BrandAccount,
    reviewer: User,
    *,
    at: Any = None,
    body: str = "Our desk opens at 8.",
) -> Post:
    post = approved_post(author, account, reviewer, body)
    when = at or timezone.now() + timedelta(hours=2)
    return services.post_schedule(post=post, actor=reviewer, scheduled_at=when)


def force_state(post: Post, state: str) -> Post:
    """Put a post in a state directly, for tests of the transition table alone."""
    Post.objects.filter(pk=post.pk).update(state=state)
    post.refresh_from_db()
    return post


ALL_STATES = list(PostState.values)
