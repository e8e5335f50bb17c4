"""Brand accounts and grants for tests. They go through the services, so every account and
grant in a test exists the way the product makes it (audit trail included)."""

from __future__ import annotations

from typing import Any

import factory

from accounts.models import Department, User
from accounts.roles import GROUP_NAMES
from accounts.tests.factories import DepartmentFactory
from channels_app import services
from channels_app.grants import holder_for_department, holder_for_role, holder_for_user
from channels_app.models import BrandAccount
from channels_app.platforms import Platform


class BrandAccountFactory(factory.django.DjangoModelFactory[BrandAccount]):
    """A Mastodon account by default, with no grants unless standard_grants=True."""

    class Meta:
        model = BrandAccount

    platform = Platform.MASTODON
    handle = factory.Sequence(lambda n: f"@account{n}@example.social")
    display_name = factory.Sequence(lambda n: f"Account {n}")
    department = factory.SubFactory(DepartmentFactory)

    @classmethod
    def _create(cls, model_class: type[BrandAccount], *args: Any, **kwargs: Any) -> BrandAccount:
        standard = kwargs.pop("standard_grants", False)
        return services.brand_account_create(
            actor=None,
            platform=kwargs["platform"],
            handle=kwargs["handle"],
            display_name=kwargs["display_name"],
            department=kwargs["department"],
            apply_standard_grants=standard,
        )


def grant_department(account: BrandAccount, department: Department, *perms: str) -> None:
    services.brand_account_grant(
        actor=None, account=account, holder=holder_for_department(department), perms=perms
    )


def grant_role(account: BrandAccount, role: str, *perms: str) -> None:
    from django.contrib.auth.models import Group

    group, _created = Group.objects.get_or_create(name=GROUP_NAMES[role])
    services.brand_account_grant(
        actor=None, account=account, holder=holder_for_role(role, group), perms=perms
    )


def grant_user(account: BrandAccount, user: User, *perms: str) -> None:
    services.brand_account_grant(
        actor=None, account=account, holder=holder_for_user(user), perms=perms
    )


def store_connection(account: BrandAccount, *, connected_by: User | None = None) -> None:
    """A connection row as if an org admin had connected the account (test data for pages and
    lists that show connections). Connecting for real asks the platform: the services' tests
    do that against the local peers."""
    from django.utils import timezone

    from channels_app import encryption
    from channels_app.models import BrandAccountConnection

    BrandAccountConnection.objects.create(
        brand_account=account,
        credentials_encrypted=encryption.encrypt_json(
            {"instance_url": "https://mastodon.example", "access_token": "stored-test-token"}
        ),
        connected_at=timezone.now(),
        connected_by=connected_by,
        identity_handle=account.handle,
        identity_name=account.display_name,
        verified_at=timezone.now(),
    )
