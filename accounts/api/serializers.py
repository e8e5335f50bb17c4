"""API shapes for people and departments. Parsing and presentation only: services decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import ApiToken, Department, Invitation, Membership, User
from accounts.roles import OrgRole
from accounts.selectors import person_roles


class TokenRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=(
            "TOTP or recovery code: required when the account has two-factor authentication. "
            "Without it such an account gets the same answer as a wrong password."
        ),
    )


class TokenResponseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(help_text="When the token stops working.")


class ApiTokenSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A token as its owner sees it: never the key, which only its creation answer carries."""

    current = serializers.SerializerMethodField(help_text="The token this request came with.")

    class Meta:
        model = ApiToken
        fields = ("id", "created", "expiry", "user_agent", "current")
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        request_token = getattr(self.context.get("request"), "auth", None)
        return isinstance(request_token, ApiToken) and request_token.pk == token.pk


class UserSummarySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ("id", "email", "full_name")


class DepartmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Department
        fields = ("slug", "name", "description", "member_count", "created_at")
        read_only_fields = ("created_at",)
        extra_kwargs = {"slug": {"required": False, "validators": []}}


class MembershipSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "user", "role", "created_at")
        read_only_fields = ("id", "user", "created_at")


class MembershipRoleSerializer(serializers.Serializer):  # type: ignore[type-arg]
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class InvitationCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)


class InvitationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    department = serializers.CharField(source="department.slug", read_only=True)
    invited_by = serializers.EmailField(
        source="invited_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Invitation
        fields = ("id", "email", "role", "department", "invited_by", "created_at", "expires_at")
        read_only_fields = fields


class MeMembershipSerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.CharField(source="department.slug")
    name = serializers.CharField(source="department.name")
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    timezone = serializers.CharField()
    mfa_enabled = serializers.BooleanField()
    departments = MeMembershipSerializer(many=True)
    roles = serializers.ListField(child=serializers.CharField())
    certifications = serializers.ListField(child=serializers.DictField(), default=list)
    policy = serializers.DictField(allow_null=True, default=None)

    def to_representation(self, instance: Any) -> Any:
        return super().to_representation(instance)


# --- People and their organisation roles -------------------------------------------------------


class PersonDepartmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.CharField(source="department.slug")
    name = serializers.CharField(source="department.name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class PersonSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A person as org admins see them on the people page: departments and organisation roles.
    Reads what accounts.selectors.people_with_roles prefetched (no query per person)."""

    departments = PersonDepartmentSerializer(many=True, source="listed_memberships")
    org_roles = serializers.SerializerMethodField(help_text="The person's organisation-wide roles.")

    class Meta:
        model = User
        fields = ("id", "email", "full_name", "is_active", "departments", "org_roles")
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=OrgRole.choices))
    )
    def get_org_roles(self, person: User) -> list[str]:
        return person_roles(person)


class PersonRolesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The person's organisation roles, all of them: roles left out are taken away."""

    org_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=OrgRole.choices),
        allow_empty=True,
        max_length=len(OrgRole.values) * 2,
        help_text=(
            "Every organisation role the person should hold (a role given twice counts once); "
            "roles left out are taken away. Org admins only."
        ),
    )
