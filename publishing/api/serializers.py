"""API shapes of the engine's attempts. Presentation only: nothing here runs a query."""

from __future__ import annotations

from rest_framework import serializers

from approvals.api.serializers import external_url_field
from publishing.models import PublishAttempt


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
