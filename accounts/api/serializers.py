"""API shapes for people and departments. Parsing and presentation only: services decide."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import Department, Invitation, Membership, User


class TokenRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False, allow_blank=True, help_text="TOTP or recovery code, when MFA is on."
    )


class TokenResponseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField()


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
