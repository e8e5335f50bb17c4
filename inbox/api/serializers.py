"""API shapes of the inbox. Parsing and presentation only: the services decide, and nothing
here runs a query (the views' querysets load what these read)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from accounts.models import Department
from activity.models import AuditEvent
from approvals.api.serializers import BrandAccountSummarySerializer, DepartmentSummarySerializer
from approvals.models import Post
from core.api import StrictBooleanField
from core.errors import MAX_ID
from inbox import sla
from inbox.models import (
    Case,
    Conversation,
    InboxItem,
    NoResponseReason,
    Outcome,
    RoutingRule,
    SavedReply,
)


class CaseSummarySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """The case's badge in the list (the whole case: `conversations/{id}/case/`)."""

    class Meta:
        model = Case
        fields = ("state", "status", "helpdesk_number", "helpdesk_url")
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    brand_account = BrandAccountSummarySerializer(read_only=True)
    department = DepartmentSummarySerializer(read_only=True, allow_null=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    suggested_department: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    # Blank until triage (or a routing rule's suggestion): the schema's enums include "".
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    no_response_reason = serializers.ChoiceField(
        choices=NoResponseReason.choices, allow_blank=True, read_only=True
    )
    suggested_outcome = serializers.ChoiceField(
        choices=Outcome.choices, allow_blank=True, read_only=True
    )
    sla_due_at = serializers.SerializerMethodField()
    breached = serializers.SerializerMethodField()
    case = CaseSummarySerializer(source="case_or_none", read_only=True, allow_null=True)

    class Meta:
        model = Conversation
        fields = (
            "id",
            "brand_account",
            "platform",
            "thread_key",
            "subject",
            "author_handle",
            "author_name",
            "author_url",
            "post",
            "state",
            "outcome",
            "no_response_reason",
            "note",
            "suggested_outcome",
            "suggested_department",
            "suggested_assignee",
            "department",
            "assignee",
            "owner",
            "version",
            "is_private",
            "item_count",
            "first_item_at",
            "last_item_at",
            "triaged_at",
            "first_response_at",
            "closed_at",
            "sla_due_at",
            "breached",
            "case",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_sla_due_at(self, conversation: Conversation) -> Any:
        return sla.due_at(conversation)

    @extend_schema_field(serializers.BooleanField())
    def get_breached(self, conversation: Conversation) -> bool:
        return sla.is_breached(conversation, now=timezone.now())


class InboxItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = InboxItem
        fields = (
            "id",
            "platform_item_id",
            "kind",
            "author_handle",
            "author_name",
            "author_url",
            "text",
            "url",
            "created_at",
            "in_reply_to_platform_id",
            "is_private",
        )
        read_only_fields = fields


class TimelineEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ("id", "created_at", "actor", "action", "from_state", "to_state", "note", "data")
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    items = InboxItemSerializer(many=True, read_only=True)
    timeline = TimelineEventSerializer(many=True, read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = (*ConversationSerializer.Meta.fields, "items", "timeline")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]


class VersionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The version you saw: a conflict (409) when someone changed it since.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TriageRequestSerializer(VersionSerializer):
    outcome = serializers.CharField(
        max_length=32, help_text=f"One of: {', '.join(Outcome.values)}."
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=32,
        help_text=f"For no_response: {', '.join(NoResponseReason.values)}.",
    )
    department = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=50,
        help_text="A department's slug (or id).",
    )
    assignee = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )


class _DepartmentSlugField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A department's slug, or null for none. DRF reads "" as null for related fields; the
    schema promises a non-empty slug (a string), so "" is refused rather than silently taken as
    none, and a number is refused rather than looked up as a slug."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        given = data is not None and data is not serializers.empty
        if given and not (isinstance(data, str) and data):
            raise serializers.ValidationError("Give a department's slug, or null for none.")
        return super().run_validation(data)


class RoutingRuleSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    is_active = StrictBooleanField(required=False)
    department = _DepartmentSlugField(
        slug_field="slug",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = RoutingRule
        fields = (
            "id",
            "name",
            "priority",
            "is_active",
            "brand_account",
            "platform",
            "keywords",
            "language",
            "outcome",
            "department",
            "assignee",
            "created_at",
        )
        read_only_fields = ("id", "created_at")
        extra_kwargs = {"priority": {"min_value": 0, "max_value": 2**31 - 1}}


class SavedReplySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    is_active = StrictBooleanField(required=False)
    department = _DepartmentSlugField(
        slug_field="slug", queryset=Department.objects.all(), required=False, allow_null=True
    )
    approved_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = SavedReply
        fields = ("id", "title", "text", "department", "is_active", "approved_by", "approved_at")
        read_only_fields = ("id", "approved_by", "approved_at")


class ReplySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A post answering an item of the conversation (its own resource: /api/v1/posts/{id}/)."""

    author = UserSummarySerializer(read_only=True)
    text = serializers.CharField(source="body", read_only=True)

    class Meta:
        model = Post
        fields = (
            "id",
            "state",
            "author",
            "text",
            "reply_to_item_id",
            "reply_private",
            "published_at",
            "external_url",
        )
        read_only_fields = fields


class ReplyRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    item = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_ID,
        help_text="The item answered (an id from the conversation's items); the latest if empty.",
    )
    private = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Default: as the conversation."
    )
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit it for review at once."
    )
    saved_reply = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
