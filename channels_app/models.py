"""Brand accounts: the organisation's social accounts, and who may do what on each."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from channels_app.codenames import BrandAccountPerm
from channels_app.platforms import Platform
from channels_app.querysets import BrandAccountQuerySet


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
    # Internal-feed accounts only: what they publish is read by the whole organisation, not
    # only by their department.
    org_wide_feed = models.BooleanField(
        "Organisation-wide feed",
        default=False,
        help_text="Internal feed accounts: everyone in the organisation reads what this account "
        "publishes (otherwise only its department).",
    )
    # Org admins only: certified members of the support department may answer customers on
    # this account with saved replies (texts comms approved once) without a review each time
    # (approvals.replies.reply_post_publish_preapproved). Guidance and the audit still apply.
    customer_service_replies_preapproved = models.BooleanField(
        "Pre-approved customer-service replies",
        default=False,
        help_text="Certified members of the support department may publish saved replies to "
        "customers on this account without a review. Org admins only.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandAccountQuerySet.as_manager()

    class Meta:
        ordering = ("display_name", "id")
        default_permissions = ()
        permissions = tuple((perm.value, perm.label) for perm in BrandAccountPerm)
        constraints = (
            models.UniqueConstraint(
                fields=("platform", "handle"), name="brandaccount_unique_handle"
            ),
            # Handles are case-insensitive on every platform: @Acme and @acme are one account.
            models.UniqueConstraint(
                "platform", Lower("handle"), name="brandaccount_unique_handle_ci"
            ),
        )

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_platform_display()})"

    @property
    def is_connected(self) -> bool:
        """True when credentials are stored (read from the joined connection, no query)."""
        try:
            return self.connection is not None
        except BrandAccountConnection.DoesNotExist:
            return False


class BrandAccountConnection(models.Model):
    """An account's connection credentials, encrypted at rest (channels_app.encryption).

    Write-only: pages and the API show only when and by whom the account was connected. The
    connectors are the only readers of the decrypted credentials. No row means not connected.
    """

    brand_account = models.OneToOneField(
        BrandAccount, on_delete=models.CASCADE, primary_key=True, related_name="connection"
    )
    # A Fernet token (MultiFernet: the first key of SOCIALHUB_ENCRYPTION_KEY encrypts) holding
    # the credentials as JSON. Never rendered, never serialised, never logged.
    credentials_encrypted = models.TextField(editable=False)
    connected_at = models.DateTimeField()
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who the platform says the credentials speak as, and the destination's own limits: asked
    # of the platform when the credentials are saved and whenever someone checks the connection.
    identity_id = models.CharField("Platform account id", max_length=255, blank=True)
    identity_handle = models.CharField("Connected as (handle)", max_length=255, blank=True)
    identity_name = models.CharField("Connected as (name)", max_length=255, blank=True)
    identity_url = models.URLField("Profile address", max_length=500, blank=True)
    # A Mastodon instance may allow longer posts than Mastodon's default 500 characters; the
    # content guidance counts against this when it is known.
    max_characters = models.PositiveIntegerField(null=True, blank=True)
    verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the platform last accepted the credentials."
    )
    # Set when a later check finds the platform refusing the stored credentials (a revoked
    # token, a changed app password): the account needs connecting again. Cleared by a check
    # that passes or by new credentials.
    problem = models.TextField(blank=True)
    problem_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        # Deliberately nothing of the credentials, not even their length.
        return f"Connection of brand account {self.brand_account_id}"

    def __repr__(self) -> str:
        return f"<BrandAccountConnection brand_account={self.brand_account_id}>"

    @property
    def needs_reconnect(self) -> bool:
        """A later check found the platform refusing the stored credentials."""
        return bool(self.problem)


# guardian's direct foreign-key permission tables: faster than generic ones, and a deleted
# account takes its grants with it (no orphaned rows).
class BrandAccountUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(BrandAccount, on_delete=models.CASCADE)


class BrandAccountGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(BrandAccount, on_delete=models.CASCADE)
