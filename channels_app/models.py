"""Brand accounts: the organisation's social accounts, and who may do what on each."""

from __future__ import annotations

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from channels_app.platforms import Platform


class BrandAccountPerm(models.TextChoices):
    """Object permissions on a brand account (django-guardian codenames)."""

    DRAFT_ON = "draft_on", "Draft"
    REVIEW_ON = "review_on", "Review"
    PUBLISH_ON = "publish_on", "Publish"
    MANAGE = "manage", "Manage"


class BrandAccount(models.Model):
    platform = models.CharField(max_length=16, choices=Platform.choices)
    handle = models.CharField(
        max_length=255, help_text="e.g. @acme@mastodon.social, acme.bsky.social"
    )
    display_name = models.CharField(max_length=150)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="brand_accounts"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("display_name", "id")
        default_permissions = ()
        permissions = tuple((perm.value, perm.label) for perm in BrandAccountPerm)
        constraints = (
            models.UniqueConstraint(
                fields=("platform", "handle"), name="brandaccount_unique_handle"
            ),
        )

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_platform_display()})"


# guardian's direct foreign-key permission tables: faster than generic ones, and a deleted
# account takes its grants with it (no orphaned rows).
class BrandAccountUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(BrandAccount, on_delete=models.CASCADE)


class BrandAccountGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(BrandAccount, on_delete=models.CASCADE)
