"""API shapes of the engine's attempts. Presentation only: nothing here runs a query."""

from __future__ import annotations

from rest_framework import serializers

from approvals.api.serializers import external_url_field
from publishing.models import EngagementSnapshot, PublishAttempt


class PublishAttemptSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    external_url = external_url_field()

    class Meta:
        model = PublishAttempt
        fields = (
            "number",
            "kind",
            "started_at",
            "finished_at",
            "outcome",
            "message",
            "external_id",
            "external_url",
            "retry_after",
            "next_attempt_at",
        )
        read_only_fields = fields
        extra_kwargs = {
            "outcome": {"help_text": "Empty while the attempt runs."},
            "message": {"help_text": "The platform's own message (or SocialHub's)."},
        }


class EngagementSnapshotSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = EngagementSnapshot
        fields = (
            "step",
            "taken_at",
            "likes",
            "reposts",
            "replies",
            "quotes",
            "views",
            "unavailable",
        )
        read_only_fields = fields
        extra_kwargs = {
            "step": {"help_text": "0 for the first reading after publishing, then 1, 2, …"},
            "unavailable": {
                "help_text": "Why the platform gave no figures (then every figure is null)."
            },
        }


class PostEngagementSerializer(serializers.Serializer):  # type: ignore[type-arg]
    snapshots = EngagementSnapshotSerializer(many=True, read_only=True)
    next_due_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the next reading is due; null: no more."
    )
