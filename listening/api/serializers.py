"""API shapes of listening. Parsing and presentation only: the services decide, and nothing
here runs a query (the views' querysets load what these read)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from accounts.models import Department
from approvals.api.serializers import BrandAccountSummarySerializer, DepartmentSummarySerializer
from channels_app.connectors import SearchKind
from core.errors import MAX_ID
from listening.models import ListeningStream, StreamMatch, StreamTerm


class DepartmentSlugField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A department's slug, or null for none ("" and numbers are refused, not read as none)."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        given = data is not None and data is not serializers.empty
        if given and not (isinstance(data, str) and data):
            raise serializers.ValidationError("Give a department's slug, or null for none.")
        return super().run_validation(data)


class StreamTermSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=SearchKind.choices)
    value = serializers.CharField(max_length=200, allow_blank=False, trim_whitespace=True)

    class Meta:
        model = StreamTerm
        fields = ("id", "kind", "value")
        read_only_fields = ("id",)


class StreamSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A stream as read; its `accounts` are brand account ids, `followers` the departments
    that follow it."""

    department = DepartmentSummarySerializer(read_only=True, allow_null=True)
    terms = StreamTermSerializer(many=True, read_only=True)
    accounts = BrandAccountSummarySerializer(many=True, read_only=True)
    followers = DepartmentSummarySerializer(many=True, read_only=True)

    class Meta:
        model = ListeningStream
        fields = (
            "id",
            "name",
            "description",
            "department",
            "is_active",
            "terms",
            "accounts",
            "followers",
            "created_at",
        )
        read_only_fields = fields


class StreamWriteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Creating a stream (every field but the description and department required) or changing
    one (PATCH: what is given replaces what was; `terms` replaces the whole set)."""

    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    department = DepartmentSlugField(
        slug_field="slug", queryset=Department.objects.all(), required=False, allow_null=True
    )
    accounts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=20
    )
    terms = StreamTermSerializer(many=True, max_length=50)  # type: ignore[call-arg]
    is_active = serializers.BooleanField(required=False)

    def validate_is_active(self, value: Any) -> bool:
        if not isinstance(self.initial_data.get("is_active"), bool):
            raise serializers.ValidationError("Must be true or false.")
        return bool(value)


class FollowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    department = DepartmentSlugField(
        slug_field="slug",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        help_text="The department that follows (or stops following); may be left out by a "
        "manager of one department.",
    )


class SentToTriageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    conversation = serializers.IntegerField()
    url = serializers.CharField(help_text="The conversation's page.")
    sent_by = UserSummarySerializer(allow_null=True)
    sent_at = serializers.DateTimeField()


class StreamMatchSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    term = StreamTermSerializer(read_only=True, allow_null=True)
    brand_account = BrandAccountSummarySerializer(read_only=True)
    sent_to_triage = serializers.SerializerMethodField()

    class Meta:
        model = StreamMatch
        fields = (
            "id",
            "stream",
            "term",
            "brand_account",
            "platform",
            "platform_item_id",
            "author_handle",
            "author_name",
            "author_url",
            "text",
            "url",
            "posted_at",
            "found_at",
            "sent_to_triage",
        )
        read_only_fields = fields

    @extend_schema_field(SentToTriageSerializer(allow_null=True))
    def get_sent_to_triage(self, match: StreamMatch) -> dict[str, Any] | None:
        return sent_to_triage(match)


def sent_to_triage(match: StreamMatch) -> dict[str, Any] | None:
    if match.conversation_id is None or match.sent_at is None:
        return None
    return {
        "conversation": match.conversation_id,
        "url": reverse("inbox:conversation", args=[match.conversation_id]),
        "sent_by": UserSummarySerializer(match.sent_by).data if match.sent_by else None,
        "sent_at": serializers.DateTimeField().to_representation(match.sent_at),
    }
