"""The engine's attempts and the internal feed's entries.

The tables were created by the approvals app and keep their names (`db_table`), so an existing
database moved here without copying a row (see migrations/0001_initial.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AttemptKind(models.TextChoices):
    SEND = "send", "Send"
    CHECK = "check", "Check on the platform"


class AttemptOutcome(models.TextChoices):
    PUBLISHED = "published", "Published"
    FOUND = "found", "Found on the platform"
    NOT_FOUND = "not_found", "Not on the platform"
    RETRY = "retry", "Temporary error"
    FAILED = "failed", "Refused"
    UNKNOWN = "unknown", "Outcome unknown"
    INTERRUPTED = "interrupted", "Interrupted"


class PublishAttempt(models.Model):
    """One try of the publishing engine on one post: a send, or a look-up on the platform after
    an unknown outcome. Written when the engine claims the post (under the post's row lock) and
    finished once, with the outcome, in the transaction that records it.

    A running attempt (no finished_at) holds the post until its lease expires; the database
    allows at most one per post.
    """

    post = models.ForeignKey("approvals.Post", on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=AttemptKind.choices, default=AttemptKind.SEND)
    started_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AttemptOutcome.choices, blank=True)
    # The platform's own words (secrets blotted out), shown to the author and reviewers.
    message = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    retry_after = models.FloatField(
        null=True, blank=True, help_text="Seconds the platform asked to wait."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "approvals_publishattempt"
        ordering = ("post", "number")
        constraints = (
            models.UniqueConstraint(fields=("post", "number"), name="approvals_attempt_number"),
            # Exactly once, enforced by the database too: never two running attempts per post.
            models.UniqueConstraint(
                fields=("post",),
                condition=models.Q(finished_at__isnull=True),
                name="approvals_attempt_one_running",
            ),
        )

    def __str__(self) -> str:
        return f"Attempt {self.number} on post #{self.post_id}"

    @property
    def is_running(self) -> bool:
        return self.finished_at is None


class FeedEntry(models.Model):
    """A post published to SocialHub's own internal feed (the `internal` platform).

    The department and audience are fixed when it is published, so a later change to the
    account cannot show old department news to the whole organisation.
    """

    brand_account = models.ForeignKey(
        "channels_app.BrandAccount", on_delete=models.PROTECT, related_name="feed_entries"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="feed_entries"
    )
    org_wide = models.BooleanField(default=False)
    text = models.TextField()
    # The post's idempotency key: the same post can never appear twice in the feed.
    idempotency_key = models.CharField(max_length=64, unique=True)
    published_at = models.DateTimeField()

    class Meta:
        db_table = "approvals_feedentry"
        ordering = ("-published_at", "-id")
        verbose_name_plural = "feed entries"
        indexes = (
            models.Index(fields=("department", "-published_at"), name="approvals_feed_dept"),
            models.Index(fields=("org_wide", "-published_at"), name="approvals_feed_org"),
        )

    def __str__(self) -> str:
        return f"Feed entry #{self.pk}"


class FeedImage(models.Model):
    """One image of a feed entry: a copy of the bytes the engine delivered (already stripped of
    metadata), so the entry keeps showing what was published even if the post changes later.

    The file lives in the default storage under ``feed/<entry>/`` and is never served by the
    storage itself: publishing.views.feed_image streams it to people who may read the entry.
    """

    entry = models.ForeignKey(FeedEntry, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(max_length=255)
    alt_text = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=32)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the stored file.")

    class Meta:
        db_table = "approvals_feedimage"
        ordering = ("entry", "order")
        constraints = (
            models.UniqueConstraint(fields=("entry", "order"), name="approvals_feedimage_order"),
        )

    def __str__(self) -> str:
        return f"Image {self.order + 1} of feed entry #{self.entry_id}"


class FeedComment(models.Model):
    """A comment or question an employee left under a feed entry, or the brand's answer to one.

    Employees write them on the feed pages (publishing.feed_comments); they reach the inbox as
    the internal platform's incoming items (publishing.internal_feed). The brand's answer is a
    reply post published by the engine: it has no author but the account it speaks as
    (``brand_account``), its ``parent`` is the comment it answers, and it carries the post's
    idempotency key, which the database keeps unique, so an answer appears once.
    Seen by exactly the people who see the entry.
    """

    entry = models.ForeignKey(FeedEntry, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    brand_account = models.ForeignKey(
        "channels_app.BrandAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set on the brand's answers: the account that answered.",
    )
    text = models.TextField()
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("entry", "id")
        constraints = (
            # Exactly one speaker: an employee, or the brand answering through the engine.
            models.CheckConstraint(
                condition=(
                    models.Q(author__isnull=False, brand_account__isnull=True)
                    | models.Q(author__isnull=True, brand_account__isnull=False)
                ),
                name="publishing_feedcomment_one_speaker",
            ),
        )
        indexes = (models.Index(fields=("entry", "id"), name="publishing_feedcomment_entry"),)

    def __str__(self) -> str:
        return f"Comment #{self.pk} on feed entry #{self.entry_id}"

    @property
    def is_answer(self) -> bool:
        return self.brand_account_id is not None


class EngagementWatch(models.Model):
    """When a published post's engagement is read next: at each of the steps after publishing
    (SOCIALHUB_ENGAGEMENT_AFTER_HOURS, e.g. 1 h, 24 h, 7 days), then never again. A row per
    post, made by the first collection run after the post was published."""

    post = models.OneToOneField(
        "approvals.Post", on_delete=models.CASCADE, primary_key=True, related_name="engagement"
    )
    # The post's, copied so the next due time is computed in the UPDATE itself.
    published_at = models.DateTimeField()
    # The next step to take (0 for the first); equal to the number of steps once done.
    step = models.PositiveSmallIntegerField(default=0)
    next_due_at = models.DateTimeField(null=True, blank=True)
    # The collection run that holds it (publishing.engagement), until its lease ends.
    claim = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = (
            models.Index(
                fields=("next_due_at",),
                condition=models.Q(next_due_at__isnull=False),
                name="publishing_engagement_due",
            ),
            models.Index(
                fields=("claim",), condition=~models.Q(claim=""), name="publishing_engagement_claim"
            ),
        )

    def __str__(self) -> str:
        return f"Engagement of post #{self.post_id}"


class EngagementSnapshot(models.Model):
    """A published post's public figures as its platform counted them at one step after
    publishing. A figure the platform does not report is null (never 0); when the platform
    would not tell at all, every figure is null and ``unavailable`` says why, in its words."""

    post = models.ForeignKey(
        "approvals.Post", on_delete=models.CASCADE, related_name="engagement_snapshots"
    )
    step = models.PositiveSmallIntegerField()
    taken_at = models.DateTimeField()
    likes = models.PositiveIntegerField(null=True, blank=True)
    reposts = models.PositiveIntegerField(null=True, blank=True)
    replies = models.PositiveIntegerField(null=True, blank=True)
    quotes = models.PositiveIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    unavailable = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("post", "step")
        constraints = (
            # A step is read once: a second run of the same step stores nothing.
            models.UniqueConstraint(fields=("post", "step"), name="publishing_engagement_step"),
        )

    def __str__(self) -> str:
        return f"Engagement of post #{self.post_id} at step {self.step}"

    @property
    def interactions(self) -> int:
        """Likes, reposts, replies and quotes together (what the platform reports of them)."""
        return sum(value or 0 for value in (self.likes, self.reposts, self.replies, self.quotes))


class LatestEngagement(models.Model):
    """A watched post's latest figures, for the reports: one row per post, made when the post is
    first watched (no reading yet) and replaced in the transaction that stores each snapshot.

    The department, account, author and publishing time are the post's, copied so the activity
    reports read one indexed table with GROUP BY (dashboards/reports/engagement_figures.py)
    instead of looking for each post's latest snapshot."""

    post = models.OneToOneField(
        "approvals.Post",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="latest_engagement",
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    brand_account = models.ForeignKey(
        "channels_app.BrandAccount", on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()
    # The step of the latest reading; None until the first one.
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    likes = models.PositiveIntegerField(null=True, blank=True)
    reposts = models.PositiveIntegerField(null=True, blank=True)
    replies = models.PositiveIntegerField(null=True, blank=True)
    quotes = models.PositiveIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    unavailable = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = (
            models.Index(
                fields=("department", "published_at"), name="publishing_latest_department"
            ),
            models.Index(fields=("published_at",), name="publishing_latest_published"),
        )

    def __str__(self) -> str:
        return f"Latest engagement of post #{self.post_id}"
