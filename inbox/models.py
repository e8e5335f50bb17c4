"""Incoming conversations, their items, the poll state per account, routing rules and saved
replies."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from channels_app.connectors.base import IncomingKind
from channels_app.platforms import Platform


class ConversationState(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    NO_RESPONSE = "no_response", "No response"
    CUSTOMER_SERVICE = "customer_service", "Customer service"
    PUBLIC_RESPONSE = "public_response", "Public response"


class SlaClock(models.TextChoices):
    """Which service level a conversation's clock runs against (inbox.sla gives the hours per
    clock and outcome, and the rule for a breach)."""

    NONE = "", "None"
    TRIAGE = "triage", "Triage"
    FIRST_RESPONSE = "first_response", "First response"
    CLOSE = "close", "Close"


class NoResponseReason(models.TextChoices):
    SPAM = "spam", "Spam"
    PRAISE = "praise", "Praise needing nothing"
    OFF_TOPIC = "off_topic", "Off-topic"
    ALREADY_HANDLED = "already_handled", "Already handled"
    OTHER = "other", "Other"


NEW, TRIAGED = ConversationState.NEW.value, ConversationState.TRIAGED.value


class Conversation(models.Model):
    """A thread on a platform (a post and its replies, a comment thread, a DM conversation)
    as it reached one brand account: triaged into one outcome and answered by one owner."""

    brand_account = models.ForeignKey(
        "channels_app.BrandAccount", on_delete=models.PROTECT, related_name="conversations"
    )
    # Copied from the account so the list filters by platform without a join.
    platform = models.CharField(max_length=16, choices=Platform.choices)
    thread_key = models.CharField(max_length=500)
    subject = models.CharField(max_length=300, blank=True, help_text="The first item's text.")
    author_handle = models.CharField(max_length=255, blank=True)
    author_name = models.CharField(max_length=255, blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    # One of our posts when the thread answers it.
    post = models.ForeignKey(
        "approvals.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    state = models.CharField(
        max_length=16, choices=ConversationState.choices, default=ConversationState.NEW
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    no_response_reason = models.CharField(
        max_length=20, choices=NoResponseReason.choices, blank=True
    )
    note = models.TextField(blank=True)
    # What routing rules suggested when the conversation arrived; the triager confirms.
    suggested_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    suggested_department = models.ForeignKey(
        "accounts.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggested_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conversations",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_conversations",
    )
    # The one person answering (claimed). Changed only by compare-and-swap on `version`.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_conversations",
    )
    version = models.PositiveIntegerField(default=0)
    is_private = models.BooleanField(default=False)
    item_count = models.PositiveIntegerField(default=0)
    first_item_at = models.DateTimeField()
    last_item_at = models.DateTimeField()
    triaged_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The running service-level clock, computed by the database from the state and the first
    # response, so that "past its service level" is an index range per clock and outcome
    # (first_item_at <= now - hours) instead of a rule evaluated row by row. The hours stay
    # settings (inbox.sla): changing them needs no migration and no rewrite of stored rows.
    sla_clock = models.GeneratedField(
        expression=models.Case(
            models.When(state=NEW, then=models.Value(SlaClock.TRIAGE.value)),
            models.When(
                state=TRIAGED,
                first_response_at__isnull=True,
                then=models.Value(SlaClock.FIRST_RESPONSE.value),
            ),
            models.When(state=TRIAGED, then=models.Value(SlaClock.CLOSE.value)),
            default=models.Value(SlaClock.NONE.value),
        ),
        output_field=models.CharField(max_length=16, choices=SlaClock.choices),
        db_persist=True,
    )
    # SLA notices, each sent once (set by a conditional UPDATE).
    warned_at = models.DateTimeField(null=True, blank=True)
    breach_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-last_item_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("brand_account", "thread_key"), name="inbox_conversation_thread"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="") | ~models.Q(state="new"),
                name="inbox_conversation_new_has_no_outcome",
            ),
        )
        indexes = (
            models.Index(fields=("state", "-last_item_at"), name="inbox_conv_state"),
            models.Index(fields=("department", "-last_item_at"), name="inbox_conv_dept"),
            models.Index(fields=("owner", "-last_item_at"), name="inbox_conv_owner"),
            models.Index(fields=("-last_item_at", "-id"), name="inbox_conv_newest"),
            # Oldest first, and the service-level filters (open states by age).
            models.Index(fields=("first_item_at", "id"), name="inbox_conv_oldest"),
            models.Index(fields=("state", "first_item_at"), name="inbox_conv_state_age"),
            # "SLA breached": one range per (clock, outcome) on the age (inbox.sla.breached_q).
            models.Index(
                fields=("sla_clock", "outcome", "first_item_at"), name="inbox_conv_sla_clock"
            ),
        )

    def __str__(self) -> str:
        return f"Conversation #{self.pk}"

    @property
    def case_or_none(self) -> Case | None:
        """Its helpdesk case, if any (no query when the list joined it: select_related)."""
        try:
            return self.case  # type: ignore[no-any-return]
        except ObjectDoesNotExist:
            return None


class InboxItem(models.Model):
    """One incoming item as the platform sent it. Unique per account and platform id: storing
    the same item twice (a second poll, two pollers racing) inserts nothing."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="items")
    brand_account = models.ForeignKey(
        "channels_app.BrandAccount", on_delete=models.PROTECT, related_name="inbox_items"
    )
    platform_item_id = models.CharField(max_length=500)
    kind = models.CharField(max_length=16, choices=IncomingKind.choices)
    author_id = models.CharField(max_length=255, blank=True)
    author_handle = models.CharField(max_length=255, blank=True)
    author_name = models.CharField(max_length=255, blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    in_reply_to_platform_id = models.CharField(max_length=500, blank=True)
    is_private = models.BooleanField(default=False)
    raw_ref = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("brand_account", "platform_item_id"), name="inbox_item_unique"
            ),
        )
        indexes = (models.Index(fields=("conversation", "created_at"), name="inbox_item_conv"),)

    def __str__(self) -> str:
        return f"{self.kind} {self.platform_item_id}"


class PollState(models.Model):
    """Where the last poll of an account's incoming items stopped, and when to poll next."""

    brand_account = models.OneToOneField(
        "channels_app.BrandAccount", on_delete=models.CASCADE, related_name="poll_state"
    )
    cursor = models.TextField(blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failures = models.PositiveIntegerField(default=0, help_text="Errors in a row (back-off).")
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    items_stored = models.PositiveBigIntegerField(default=0)
    items_skipped = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Poll state of account #{self.brand_account_id}"


class RoutingRule(models.Model):
    """Org admins' routing: the first active rule (lowest priority number) that matches a new
    conversation pre-fills the triager's choice."""

    name = models.CharField(max_length=100)
    priority = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    brand_account = models.ForeignKey(
        "channels_app.BrandAccount",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
    )
    platform = models.CharField(max_length=16, choices=Platform.choices, blank=True)
    keywords = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated; any one matches (no case)."
    )
    language = models.CharField(max_length=16, blank=True, help_text="e.g. en, fr")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("priority", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip().lower() for word in self.keywords.split(",") if word.strip()]


class SavedReply(models.Model):
    """A reply text comms approved once, for responders to start from."""

    title = models.CharField(max_length=100)
    text = models.TextField()
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_replies",
        help_text="Empty: every department.",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("title", "id")
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return self.title


class HelpdeskConnection(models.Model):
    """The organisation's helpdesk (one row at most: SocialHub serves one organisation), where
    customer-service conversations become cases.

    Settings are stored like brand-account credentials: the whole set as JSON in one Fernet
    token (channels_app.encryption), write-only, read only by the connectors. Saved only once
    the helpdesk has accepted them (``verified_at``, ``identity``); ``problem`` is set when a
    later check finds it refusing them.
    """

    # Always 1: a second row cannot exist.
    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    kind = models.CharField(max_length=20)  # an inbox.helpdesks.registry.HelpdeskKind value
    url = models.URLField(max_length=500, blank=True)
    # The settings that are not secret, as the page shows them again (e.g. the queue).
    public_settings = models.JSONField(default=dict, blank=True)
    # A Fernet token holding every setting (secrets too) as JSON. Never rendered or serialised.
    settings_encrypted = models.TextField(editable=False)
    identity = models.CharField(max_length=300, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    problem = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(singleton=1), name="inbox_helpdesk_connection_single"
            ),
        )

    def __str__(self) -> str:
        return f"Helpdesk connection ({self.kind})"


class CaseDelivery(models.TextChoices):
    QUEUED = "queued", "Queued"
    CREATING = "creating", "Creating"
    CREATED = "created", "Created"
    FAILED = "failed", "Failed"


class Case(models.Model):
    """A customer-service conversation handed to the helpdesk: at most one per conversation.

    ``external_id`` is ours, stable for the conversation and never per attempt: it travels with
    every create request, so after a lost answer or a worker that died mid-request the case is
    looked up by it before anything is sent again. ``state`` moves queued → creating → created
    (or failed, re-queued by a retry) by compare-and-swap under a row lock.
    """

    conversation = models.OneToOneField(Conversation, on_delete=models.PROTECT, related_name="case")
    external_id = models.CharField(max_length=80, unique=True)
    state = models.CharField(
        max_length=16, choices=CaseDelivery.choices, default=CaseDelivery.QUEUED
    )
    # Set when a create request may have left (an unknown outcome, or a claim found in
    # `creating`): the next attempt looks the case up before sending again.
    maybe_sent = models.BooleanField(default=False)
    helpdesk_kind = models.CharField(max_length=20, blank=True)
    helpdesk_case_id = models.CharField(max_length=255, blank=True)
    helpdesk_number = models.CharField(max_length=255, blank=True)
    helpdesk_url = models.URLField(max_length=1000, blank=True)
    status = models.CharField(max_length=16, blank=True)  # a helpdesks.base.CaseState value
    helpdesk_status = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The customer's items already sent (with the case or as notes), or given up on after a
    # refusal: each is sent once at most.
    sent_item_ids = models.JSONField(default=list, blank=True)
    # The item whose note is being sent now, and since when (set under the row lock before the
    # request leaves): while it is set nobody else sends this case's notes; found set past the
    # grace period (a worker that died mid-request), the note may exist, so it is not resent.
    note_sending_item_id = models.BigIntegerField(null=True, blank=True)
    note_sending_at = models.DateTimeField(null=True, blank=True)
    # The next note's failed tries (a 5xx or 429) and when it is tried again (back-off).
    note_attempts = models.PositiveIntegerField(default=0)
    notes_retry_at = models.DateTimeField(null=True, blank=True)
    # The helpdesk's message when it refused a note (shown on the case panel).
    note_error = models.TextField(blank=True)
    note_error_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When a retry is due (its countdown): the sweep leaves the case to that message till then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status_checked_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("state", "claimed_at"), name="inbox_case_state"),)

    def __str__(self) -> str:
        return f"Case {self.helpdesk_number or self.external_id}"
