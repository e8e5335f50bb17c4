"""API shapes for brand accounts and their grants. Parsing and presentation only: services
decide. `credentials` is write-only: no serializer here has a field that reads it back."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Department
from accounts.roles import GROUP_NAMES, OrgRole
from channels_app import permissions
from channels_app.credentials import clean_credentials, credential_fields, needs_connection
from channels_app.grants import Grant
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.platforms import Platform
from channels_app.verification import stored_identity

PERMISSION_CHOICES = list(permissions.ALL_PERMS)
# One named enum in the schema (settings ENUM_NAME_OVERRIDES: BrandAccountPermissionEnum).
_PERMISSION_ENUM = BrandAccountPerm.choices

_CREDENTIALS_HELP = (
    "Write-only. Mastodon: instance_url, access_token. Bluesky: pds_url, handle, app_password. "
    "LinkedIn: organization_id, access_token, refresh_token, expires_at, client_id?, "
    "client_secret?. X: access_token, refresh_token, expires_at, client_id, client_secret?. "
    "Facebook: page_id, page_access_token. Internal accounts take none. The whole set is "
    "replaced on every write; null disconnects."
)


class DepartmentRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.SlugField()
    name = serializers.CharField()


class PersonRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    email = serializers.EmailField()
    full_name = serializers.CharField()


class ConnectedIdentitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    account_id = serializers.CharField(help_text="The account's id on the platform.")
    handle = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="Its profile page; empty when the platform has none.")


class ConnectionStateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """When, by whom, and who the platform said the credentials speak as: nothing of the
    credentials themselves."""

    needs_credentials = serializers.BooleanField(help_text="False for internal accounts.")
    connected = serializers.BooleanField()
    connected_at = serializers.DateTimeField(allow_null=True)
    connected_by = PersonRefSerializer(allow_null=True)
    identity = ConnectedIdentitySerializer(
        allow_null=True, help_text="Who the platform says the credentials speak as."
    )
    max_characters = serializers.IntegerField(
        allow_null=True,
        help_text="The longest post the platform announced (a Mastodon instance's own limit); "
        "guidance counts against it.",
    )
    verified_at = serializers.DateTimeField(
        allow_null=True, help_text="When the platform last accepted the credentials."
    )
    problem = serializers.CharField(
        allow_null=True,
        help_text="What the platform said when a later check refused the stored credentials "
        "(connect again); null while they work.",
    )
    problem_since = serializers.DateTimeField(allow_null=True)


class BrandAccountSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    platform_label = serializers.CharField(source="get_platform_display", read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    connection = serializers.SerializerMethodField()
    my_permissions = serializers.SerializerMethodField()

    class Meta:
        model = BrandAccount
        fields = (
            "id",
            "platform",
            "platform_label",
            "handle",
            "display_name",
            "department",
            "is_active",
            "org_wide_feed",
            "customer_service_replies_preapproved",
            "connection",
            "my_permissions",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    @extend_schema_field(ConnectionStateSerializer)
    def get_connection(self, account: BrandAccount) -> dict[str, Any]:
        # The connection comes joined (with_list_relations), its ciphertext deferred: no query.
        connected = account.is_connected
        connection = account.connection if connected else None
        by = connection.connected_by if connection else None
        identity = stored_identity(connection) if connection else None
        return {
            "needs_credentials": needs_connection(account.platform),
            "connected": connected,
            "connected_at": connection.connected_at if connection else None,
            "connected_by": {"email": by.email, "full_name": by.full_name} if by else None,
            "identity": {
                "account_id": identity.account_id,
                "handle": identity.handle,
                "name": identity.name,
                "url": identity.url,
            }
            if identity
            else None,
            "max_characters": connection.max_characters if connection else None,
            "verified_at": connection.verified_at if connection else None,
            "problem": (connection.problem or None) if connection else None,
            "problem_since": connection.problem_since if connection else None,
        }

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=_PERMISSION_ENUM))
    )
    def get_my_permissions(self, account: BrandAccount) -> list[str]:
        # Filled by the view from one prefetch for the whole page (never a query per row).
        held = self.context["perms_by_account"].get(account.pk, frozenset())
        return permissions.sorted_perms(held)


def _check_credentials(platform: str, credentials: Any) -> None:
    _cleaned, errors = clean_credentials(platform, credentials)
    if errors:
        raise serializers.ValidationError({"credentials": errors})


class BrandAccountCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    platform = serializers.ChoiceField(choices=Platform.choices)
    handle = serializers.CharField(max_length=255)
    display_name = serializers.CharField(max_length=150)
    department = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Department.objects.select_related("group"),
        error_messages={"does_not_exist": "No department with the slug {value}."},
    )
    apply_standard_grants = serializers.BooleanField(
        default=True,
        help_text="Owning department drafts; comms reviewers review and publish; legal "
        "reviewers review. Ordinary grants, revocable like any other.",
    )
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        write_only=True,
        required=False,
        help_text=_CREDENTIALS_HELP,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "credentials" in attrs:
            _check_credentials(attrs["platform"], attrs["credentials"])
        return attrs


class BrandAccountUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    handle = serializers.CharField(max_length=255, required=False)
    display_name = serializers.CharField(max_length=150, required=False)
    department = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Department.objects.all(),
        required=False,
        error_messages={"does_not_exist": "No department with the slug {value}."},
        help_text="Org admins only.",
    )
    is_active = serializers.BooleanField(required=False)
    org_wide_feed = serializers.BooleanField(
        required=False,
        help_text="Internal feed accounts only: everyone in the organisation reads what it "
        "publishes.",
    )
    customer_service_replies_preapproved = serializers.BooleanField(
        required=False,
        help_text="Org admins only: certified members of the support department may publish "
        "saved replies to customers on this account without a review.",
    )
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        write_only=True,
        required=False,
        allow_null=True,
        help_text=_CREDENTIALS_HELP,
    )
    platform = serializers.CharField(
        required=False, write_only=True, help_text="Cannot change; sending a different one is 400."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        account: BrandAccount = self.context["account"]
        if "platform" in attrs and attrs["platform"] != account.platform:
            raise serializers.ValidationError(
                {"platform": ["The platform of an account cannot change; register a new account."]}
            )
        if attrs.get("credentials") is not None:
            _check_credentials(account.platform, attrs["credentials"])
        return attrs


class CredentialFieldSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=["url", "text", "secret", "datetime"])
    is_required = serializers.BooleanField()
    help = serializers.CharField()


def credential_field_rows(platform: str) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "title": f.label,
            "kind": f.kind,
            "is_required": f.required,
            "help": f.help_text,
        }
        for f in credential_fields(platform)
    ]


# --- Grants ------------------------------------------------------------------------------------


class GrantSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField(help_text="department:<slug>, role:<role>, user:<id> or group:<id>")
    holder_type = serializers.ChoiceField(choices=["department", "role", "user", "group"])
    name = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    user = serializers.EmailField(allow_null=True)
    role = serializers.CharField(allow_null=True)
    permissions = serializers.ListField(child=serializers.ChoiceField(choices=_PERMISSION_ENUM))

    def to_representation(self, grant: Grant) -> dict[str, Any]:
        holder = grant.holder
        return {
            "id": holder.id,
            "holder_type": holder.kind,
            "name": holder.label,
            "department": holder.department.slug if holder.department else None,
            "user": holder.user.email if holder.user else None,
            "role": holder.role,
            "permissions": list(grant.permissions),
        }


class _PermissionListField(serializers.ListField):  # type: ignore[type-arg]
    """A list of codenames with one clear message for an unknown one."""

    child = serializers.CharField()

    def to_internal_value(self, data: Any) -> list[str]:
        values: list[str] = super().to_internal_value(data)
        unknown = [value for value in values if value not in PERMISSION_CHOICES]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown permission {', '.join(map(repr, unknown))}; choose from "
                f"{', '.join(PERMISSION_CHOICES)}."
            )
        return values


class GrantCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    department = serializers.CharField(required=False, help_text="A department's slug.")
    user = serializers.EmailField(required=False, help_text="A person's e-mail address.")
    role = serializers.CharField(
        required=False,
        help_text="An organisation role (everyone who holds it, now and later): "
        + ", ".join(role for role in GROUP_NAMES if role != OrgRole.ORG_ADMIN),
    )
    permissions = _PermissionListField(allow_empty=False)


class GrantUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    permissions = _PermissionListField(
        allow_empty=True, help_text="Exactly what the holder holds afterwards; [] removes them."
    )
