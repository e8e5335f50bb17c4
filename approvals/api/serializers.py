"""API shapes for posts, review and crisis pauses. Parsing and presentation only: the services
decide, and nothing here runs a query (list querysets load what these read)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from activity.models import AuditEvent, Notification
from approvals import selectors
from approvals.models import (
    ApprovalRule,
    CrisisPause,
    MediaAttachment,
    Post,
    ReviewComment,
    Revision,
)
from approvals.post_actions import PERSON_ACTIONS
from approvals.services.bulk import MAX_BULK_IDS, BulkAction
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import MAX_ID


class BrandAccountSummarySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = BrandAccount
        fields = ("id", "platform", "handle", "display_name")


class DepartmentSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.CharField()
    name = serializers.CharField()


class StrictTextField(serializers.CharField):
    """Text only: DRF's CharField also takes numbers, which the schema (type string) does not."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StageApprovalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reviewer = UserSummarySerializer()
    approved_at = serializers.DateTimeField(source="created_at")


class StageReviewerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    email = serializers.CharField()
    full_name = serializers.CharField()


class StageStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stage = serializers.CharField(
        help_text="comms, legal, or an approval rule's stage (rule-<id>), as decisions name it."
    )
    name = serializers.CharField(source="label")
    state = serializers.ChoiceField(
        choices=[("approved", "approved"), ("pending", "pending"), ("waiting", "waiting")],
        help_text="approved; pending (open, waiting for an approval); waiting (for an earlier "
        "stage).",
    )
    reason = serializers.CharField(help_text="Why the stage applies (which rule matched).")
    rule = serializers.IntegerField(allow_null=True, help_text="The approval rule's id.")
    approval = serializers.ChoiceField(choices=ApprovalRule.Approval.choices)
    step = serializers.IntegerField(help_text="Stages of one step run in parallel.")
    reviewers = StageReviewerSerializer(
        many=True, help_text="An approval rule's reviewers (empty: comms or legal, by role)."
    )
    approvals = StageApprovalSerializer(many=True)
    approved_by = UserSummarySerializer(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)


def external_url_field() -> serializers.CharField:
    # Text, not format "uri": empty until published, and a path on the internal feed.
    return serializers.CharField(
        read_only=True,
        help_text="Where the published post can be read: empty until published, a path "
        "(/feed/entries/<id>/) on the internal feed, the platform's https URL elsewhere.",
    )


class PostSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    brand_account = BrandAccountSummarySerializer(read_only=True)
    external_url = external_url_field()
    department = DepartmentSummarySerializer(read_only=True)
    author = UserSummarySerializer(read_only=True)
    body = serializers.SerializerMethodField()
    revision = serializers.SerializerMethodField()
    stages = serializers.SerializerMethodField()
    open_comment_count = serializers.IntegerField(read_only=True, default=0)
    actions = serializers.SerializerMethodField(
        help_text="What you may do with the post now (the buttons its page shows you): the "
        "names of its action endpoints, e.g. submit, approve, request_changes, publish_now. The "
        "server still checks every request (a crisis pause or a missing certificate refuses)."
    )

    class Meta:
        model = Post
        fields = (
            "id",
            "brand_account",
            "department",
            "author",
            "state",
            "body",
            "revision",
            "legal_required",
            "stages",
            "open_comment_count",
            "notice",
            "requested_at",
            "scheduled_at",
            "submitted_at",
            "approved_at",
            "published_at",
            "external_id",
            "external_url",
            "last_error",
            "next_attempt_at",
            "created_at",
            "updated_at",
            "actions",
            "reply_to_item_id",
            "reply_to_raw_ref",
            "reply_private",
            "reply_recipient",
        )
        read_only_fields = fields
        extra_kwargs = {
            "reply_to_item_id": {
                "help_text": "For a reply: the platform's id of the item it answers; empty for "
                "an ordinary post."
            },
            "reply_to_raw_ref": {
                "help_text": "For a reply: what the platform needs to thread under the item."
            },
            "reply_private": {"help_text": "For a reply: sent privately to the item's author."},
            "reply_recipient": {
                "help_text": "For a private reply: who gets it, when not the item's author."
            },
            "external_id": {"help_text": "The platform's id of the published post."},
            "next_attempt_at": {
                "help_text": "When the publishing engine tries again (a retry, or a check on the "
                "platform after an unknown outcome)."
            },
        }

    def get_body(self, post: Post) -> str:
        return post.body

    def get_revision(self, post: Post) -> int:
        return post.revision_number

    @extend_schema_field(StageStatusSerializer(many=True))
    def get_stages(self, post: Post) -> list[dict[str, Any]]:
        # One stage serializer for the whole page: building its fields (a nested ModelSerializer)
        # for every post cost more than the rest of the list.
        stages = self.__dict__.get("_stages_serializer")
        if stages is None:
            stages = self.__dict__["_stages_serializer"] = StageStatusSerializer(many=True)
        return stages.to_representation(selectors.stage_statuses(post))  # type: ignore[return-value]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(PERSON_ACTIONS)))
    def get_actions(self, post: Post) -> list[str]:
        # Read by the view for the whole page in one go (post_actions_by_post): no query here.
        return list(self.context["post_actions"][post.pk])


def requested_at_field() -> serializers.CharField:
    # Text, not DateTimeField: DRF would quietly read a time without offset in the server's zone.
    return serializers.CharField(
        required=False,
        allow_null=True,
        help_text="When you would like it published (ISO 8601 with its offset); null clears it. "
        "A wish reviewers see, not a schedule: a post still in review when it passes comes back "
        "to you.",
    )


class PostCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    brand_account = serializers.IntegerField(help_text="Id of a brand account you may draft on.")
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    requested_at = requested_at_field()


class PostUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    body = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The new text; left out, the text stays as it is.",
    )
    requested_at = requested_at_field()


class DecisionRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to request changes or reject.",
    )
    revision = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The revision number you reviewed; refused with 409 when it is not current.",
    )
    stage = StrictTextField(
        max_length=16,
        required=False,
        allow_null=True,
        default=None,
        help_text="Which of your stages decides (comms, legal, or a post's rule-<id> stage; only "
        "needed when you hold more than one).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text="To request changes or reject: a review reason's slug (GET review-reasons/); "
        "'other' when empty. Coaching counts these.",
    )


class NoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WithdrawRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Why the post is withdrawn: required unless you are its author, who is told.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Older name of reason, read when reason is empty.",
    )


class ScheduleRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    # Text, not DateTimeField: DRF would quietly read a time without offset in the server's zone.
    scheduled_at = serializers.CharField(
        help_text="ISO 8601 with its UTC offset, e.g. 2030-05-01T09:00:00+02:00."
    )


class BulkRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    action = serializers.ChoiceField(choices=BulkAction.choices)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_BULK_IDS,
        help_text=f"The posts, at most {MAX_BULK_IDS}. Ids you may not see answer not_found.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="One note for every post: required to request changes, the reason to reject.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text="To request changes or reject: a review reason's slug (GET review-reasons/); "
        "'other' when empty.",
    )
    scheduled_at = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="To schedule: ISO 8601 with its UTC offset, e.g. 2030-05-01T09:00:00+02:00.",
    )
    revisions = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        default=dict,
        help_text="To decide: {post id: the revision number you reviewed}; a post changed since "
        "is refused with stale_revision.",
    )


class BulkResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    code = serializers.CharField(help_text='"done", "not_found", or why the post was refused.')
    message = serializers.CharField()
    state = serializers.CharField(help_text="The post's state afterwards; empty when not found.")


class BulkResponseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    action = serializers.CharField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkResultSerializer(many=True)


class RescheduleResponseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    post = serializers.SerializerMethodField()
    previous_scheduled_at = serializers.DateTimeField(
        allow_null=True, help_text="The time it had before: reschedule to it to undo."
    )

    @extend_schema_field(PostSerializer)
    def get_post(self, obj: dict[str, Any]) -> Any:
        return PostSerializer(obj["post"], context=self.context).data


class MentionCandidateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    handle = serializers.CharField(help_text="What to type after @ to mention the person.")


class RevisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    created_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Revision
        fields = ("number", "body", "created_by", "created_at")
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    author = UserSummarySerializer(read_only=True)
    resolved_by = UserSummarySerializer(read_only=True, allow_null=True)
    revision = serializers.IntegerField(source="revision.number", read_only=True)

    class Meta:
        model = ReviewComment
        fields = (
            "id",
            "revision",
            "parent",
            "author",
            "body",
            "quote",
            "quote_start",
            "suggestion",
            "resolved",
            "resolved_by",
            "resolved_at",
            "created_at",
        )
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    body = serializers.CharField()
    quote = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="A passage of the current revision the comment is about.",
    )
    quote_occurrence = serializers.IntegerField(
        required=False,
        min_value=0,
        default=0,
        help_text="Which occurrence of the quote (0 = first) when it appears several times.",
    )
    # "parent" shadows Field.parent for the type checker only: DRF collects declared fields.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        required=False, allow_null=True, default=None, help_text="Reply to this comment."
    )
    suggestion = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Replacement wording for the quote, which the author can apply.",
    )


class CommentResolveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    resolved = serializers.BooleanField(default=True)


class AuditEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ("id", "created_at", "actor", "action", "from_state", "to_state", "note", "data")
        read_only_fields = fields


class CheckRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    brand_account = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Check for this account…"
    )
    platform = serializers.ChoiceField(
        choices=Platform.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="…or for a platform.",
    )
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    alt_texts = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        help_text="Alt text of each image the post would carry (one entry per image).",
    )


class FindingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=[("hard", "hard"), ("soft", "soft")])
    message = serializers.CharField()
    start = serializers.IntegerField(help_text="Span start, in Unicode code points.")
    end = serializers.IntegerField(help_text="Span end (exclusive).")
    text = serializers.CharField()
    legal = serializers.BooleanField(help_text="This finding adds the legal review stage.")
    image = serializers.IntegerField(
        allow_null=True, help_text="The image (from 1) a finding about images refers to."
    )


class CheckResponseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    platform = serializers.CharField()
    length = serializers.IntegerField()
    max_length = serializers.IntegerField()
    how_counted = serializers.CharField()
    remaining = serializers.IntegerField()
    blocks_submit = serializers.BooleanField()
    requires_legal = serializers.BooleanField()
    findings = FindingSerializer(many=True)


class CrisisPauseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    brand_account = BrandAccountSummarySerializer(read_only=True, allow_null=True)
    set_by = UserSummarySerializer(read_only=True)
    lifted_by = UserSummarySerializer(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = CrisisPause
        fields = (
            "id",
            "brand_account",
            "reason",
            "is_active",
            "set_by",
            "started_at",
            "lifted_by",
            "lifted_at",
            "lift_note",
        )
        read_only_fields = fields


class CrisisPauseCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    brand_account = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Empty: the whole organisation."
    )
    reason = serializers.CharField(allow_blank=True)


class NotificationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    # The post the notice is about: notifications name their subject by model label and id
    # (activity knows no posts), read back here without a query.
    post = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ("id", "kind", "post", "message", "url", "created_at", "read_at")
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "readOnly": True, "nullable": True})
    def get_post(self, notification: Notification) -> int | None:
        if notification.target_type == Post._meta.label_lower and notification.target_id:
            return int(notification.target_id)
        return None


class NotificationReadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_null=True,
        default=None,
        help_text="Mark these read; leave out to mark every notification read.",
    )


class MarkedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    marked = serializers.IntegerField()


class MediaSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """One image of the post's current revision. Its id names this revision's row (an edit
    makes new rows); the checksum names the image across revisions."""

    revision = serializers.IntegerField(source="revision.number", read_only=True)
    url = serializers.SerializerMethodField(help_text="The image, for people who may see the post.")
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = MediaAttachment
        fields = (
            "id",
            "order",
            "alt_text",
            "width",
            "height",
            "bytes",
            "content_type",
            "checksum",
            "revision",
            "url",
            "thumbnail_url",
            "created_at",
        )
        read_only_fields = fields

    def get_url(self, image: MediaAttachment) -> str:
        return reverse("api_post-media-file", args=[image.post_id, image.pk])

    def get_thumbnail_url(self, image: MediaAttachment) -> str:
        return reverse("media_thumbnail", args=[image.post_id, image.pk])


class MediaUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    images = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        min_length=1,
        help_text="One or more JPEG, PNG, GIF or WebP files (checked from their content).",
    )
    alt_text = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        help_text="Alt text of each image, in the order of the files.",
    )


class MediaUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    alt_text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default=None, allow_null=True
    )
    order = serializers.IntegerField(
        required=False, default=None, allow_null=True, help_text="New place, from 0."
    )
