"""Listening streams (docs/insights.md): terms searched on the platforms through brand
accounts, the public posts they match, and the departments that follow them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from channels_app.connectors import SearchKind


class ListeningStream(models.Model):
    """A named set of terms (keywords, hashtags, competitors' accounts) searched through some of
    the organisation's brand accounts. A department's stream is managed by that department's
    managers; an organisation-wide one (no department) by org admins. Departments follow
    streams to see their matches."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="listening_streams",
        help_text="The department that manages it; empty: the organisation's (org admins).",
    )
    accounts = models.ManyToManyField(
        "channels_app.BrandAccount",
        related_name="listening_streams",
        help_text="The brand accounts whose connections search the platforms.",
    )
    followers = models.ManyToManyField(
        "accounts.Department", related_name="followed_streams", blank=True
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "id")
        constraints = (
            models.UniqueConstraint(
                Lower("name"), "department", name="listening_stream_name_per_department"
            ),
        )

    def __str__(self) -> str:
        return self.name


class StreamTerm(models.Model):
    stream = models.ForeignKey(ListeningStream, on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField(max_length=16, choices=SearchKind.choices)
    value = models.CharField(max_length=200)

    class Meta:
        ordering = ("stream", "kind", "value")
        constraints = (
            models.UniqueConstraint(
                "stream", "kind", Lower("value"), name="listening_term_once_per_stream"
            ),
        )

    def __str__(self) -> str:
        prefix = {"hashtag": "#", "handle": "@"}.get(self.kind, "")
        return f"{prefix}{self.value}"


class StreamCursor(models.Model):
    """Where the search of one term through one account got to, and when it is read next
    (the same guarantees as the inbox's PollState: claimed with a conditional UPDATE, the
    cursor stored with the matches in one transaction)."""

    term = models.ForeignKey(StreamTerm, on_delete=models.CASCADE, related_name="cursors")
    brand_account = models.ForeignKey(
        "channels_app.BrandAccount", on_delete=models.CASCADE, related_name="+"
    )
    cursor = models.TextField(blank=True)
    next_read_at = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("term", "brand_account"), name="listening_cursor_per_term_account"
            ),
        )

    def __str__(self) -> str:
        return f"Search of {self.term_id} through {self.brand_account_id}"


class StreamMatch(models.Model):
    """A public post a stream's term found, stored once per stream whatever the retries."""

    stream = models.ForeignKey(ListeningStream, on_delete=models.CASCADE, related_name="matches")
    term = models.ForeignKey(StreamTerm, on_delete=models.SET_NULL, null=True, related_name="+")
    brand_account = models.ForeignKey(
        "channels_app.BrandAccount",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The account whose search found it (a reply from triage speaks as it).",
    )
    platform = models.CharField(max_length=20)
    platform_item_id = models.CharField(max_length=500)
    author_id = models.CharField(max_length=255, blank=True)
    author_handle = models.CharField(max_length=255, blank=True)
    author_name = models.CharField(max_length=255, blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    in_reply_to_platform_id = models.CharField(max_length=500, blank=True)
    raw_ref = models.JSONField(default=dict, blank=True)
    posted_at = models.DateTimeField()
    found_at = models.DateTimeField()
    # Sent to triage: the inbox conversation it became, by whom and when.
    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-posted_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("stream", "platform", "platform_item_id"),
                name="listening_match_once_per_stream",
            ),
        )
        indexes = (
            models.Index(fields=("stream", "-posted_at"), name="listening_match_stream_time"),
        )

    def __str__(self) -> str:
        return f"Match #{self.pk} of {self.stream_id}"
