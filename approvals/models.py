"""Posts, their revisions and review, crisis pauses, quiet periods, guidance word lists and
images."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, Lower

from approvals.choices import PostState, Stage, Verdict
from approvals.querysets import PostQuerySet

# --- The post workflow (docs/design.md §3) -----------------------------------------------------


class AppendOnlyModel(models.Model):
    """Rows that are history: written once, never changed or removed by any code path."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are history: they are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are history: they are never deleted.")


class Post(models.Model):
    """One post on one brand account, moving through the workflow of docs/design.md §3.

    The state only changes through approvals.state_machine.perform_transition; the body lives in
    numbered Revisions, of which current_revision is the one under review.
    """

    brand_account = models.ForeignKey(
        "channels_app.BrandAccount", on_delete=models.PROTECT, related_name="posts"
    )
    # The department the post belongs to (the author's), for visibility and reports; not always
    # the account's owner (sales drafts on accounts that communications owns).
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    state = models.CharField(
        max_length=20, choices=PostState.choices, default=PostState.DRAFT, db_index=True
    )
    current_revision = models.ForeignKey(
        "approvals.Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Decided from the guidance findings at submit and at each revision under review, so the
    # stages a post needs do not shift while reviewers work on it.
    legal_required = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Last entry into review.")
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # When the author would like it to go out: a wish reviewers and publishers see, not a
    # schedule. A post still in review when it passes goes back to the author (expiry).
    requested_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Filled in by the publishing engine.
    published_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    last_error = models.TextField(blank=True)
    # Stable per post from its first publish attempt on, never per attempt: Mastodon's
    # Idempotency-Key and Bluesky's record key come from the key, Bluesky's createdAt from the
    # time, so every attempt names the very same post on the platform.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    first_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the engine's next task for this post is due (a retry, a check, a scheduled time).
    # The sweep queues the post again when this passed long ago and no attempt is running.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Something the author must know and act on (a schedule missed during a crisis pause).
    notice = models.TextField(blank=True)
    # A reply answers one incoming item (docs/replies.md): the platform's id of the item and
    # what the connector needs to thread under it (the item's raw_ref, a JSON object of
    # strings). Private replies go to the item's author (or the recipient) in private and are
    # never shown in SocialHub's shared places. All empty for an ordinary post.
    reply_to_item_id = models.CharField(max_length=255, blank=True, editable=False)
    reply_to_raw_ref = models.JSONField(default=dict, blank=True, editable=False)
    reply_private = models.BooleanField(default=False, editable=False)
    reply_recipient = models.CharField(max_length=255, blank=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ("-updated_at", "-id")
        indexes = (
            models.Index(fields=("state", "scheduled_at"), name="approvals_post_state_sched"),
            models.Index(fields=("state", "submitted_at", "id"), name="approvals_post_state_subm"),
            models.Index(fields=("department", "state"), name="approvals_post_dept_state"),
            models.Index(fields=("author", "state"), name="approvals_post_author_state"),
            # Post lists and the API list are newest-changed first: read in this order and
            # stop after a page, instead of sorting every visible post.
            models.Index(fields=("-updated_at", "-id"), name="approvals_post_recent"),
        )

    def __str__(self) -> str:
        # No related objects here: audit labels and admin lists must not cost a query per row.
        return f"Post #{self.pk}"

    @property
    def is_reply(self) -> bool:
        return bool(self.reply_to_item_id)

    @property
    def revision_number(self) -> int:
        return self.current_revision.number if self.current_revision else 0

    @property
    def body(self) -> str:
        return self.current_revision.body if self.current_revision else ""

    def required_stages(self) -> tuple[str, ...]:
        return (Stage.COMMS, Stage.LEGAL) if self.legal_required else (Stage.COMMS,)


class Revision(AppendOnlyModel):
    """Every saved body, numbered from 1. A save never overwrites: it adds the next number."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The review plan, filled in once when the revision first enters review (the only write a
    # revision gets after it was made: approval_rules.plan_review): the approval-rule version in
    # force then and the stages it resolved, each a dict of key, name, reason, approval (any or
    # all), step and reviewers ([{id, full_name, email}], empty for the comms and legal roles).
    # Empty for a revision never reviewed, or reviewed before approval rules existed (its stages
    # are then Post.required_stages()).
    rule_set = models.ForeignKey(
        "approvals.ApprovalRuleSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
    )
    stages = models.JSONField(default=list, blank=True, editable=False)
    planned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("post", "number")
        constraints = (
            models.UniqueConstraint(fields=("post", "number"), name="approvals_revision_number"),
        )

    def __str__(self) -> str:
        return f"Post #{self.post_id} revision {self.number}"


class ReviewComment(models.Model):
    """A remark on one revision, optionally anchored to a quoted passage; replies thread under
    their parent. Only the resolved flag ever changes."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="comments")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    quote = models.TextField(blank=True, help_text="The passage of the revision commented on.")
    quote_start = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where the quote starts in the revision body."
    )
    suggestion = models.TextField(blank=True, help_text="Replacement text proposed for the quote.")
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = (models.Index(fields=("post", "created_at"), name="approvals_comment_post"),)

    def __str__(self) -> str:
        return f"Comment #{self.pk} on post #{self.post_id}"

    @property
    def quote_end(self) -> int | None:
        return None if self.quote_start is None else self.quote_start + len(self.quote)


class ReviewReason(models.Model):
    """Why a reviewer asked for changes or rejected: a taxonomy org admins edit. A reason may
    point to a course; a person who collects several of one kind is assigned it (coaching)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    course = models.ForeignKey(
        "training.Course",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_reasons",
        help_text="Assigned to a person who collects this reason repeatedly.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("position", "name")

    def __str__(self) -> str:
        return self.name


class Decision(AppendOnlyModel):
    """A reviewer's verdict for one stage on one revision. Only approvals of the post's current
    revision count: an edit voids earlier ones by making a new revision."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="decisions")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="decisions")
    # comms, legal, or an approval rule's stage ("rule-<id>", named in stage_name).
    stage = models.CharField(max_length=16)
    stage_name = models.CharField(max_length=60, blank=True)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    # Request-changes and reject only: what kind of problem it was (coaching counts these).
    reason = models.ForeignKey(
        ReviewReason, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            # The database itself refuses a second approval of one stage of one revision (an
            # approval rule's stage that needs all of its reviewers takes one from each).
            models.UniqueConstraint(
                fields=("revision", "stage"),
                condition=models.Q(verdict="approve", stage__in=("comms", "legal")),
                name="approvals_decision_one_approval_per_stage",
            ),
            models.UniqueConstraint(
                fields=("revision", "stage", "reviewer"),
                condition=models.Q(verdict="approve"),
                name="approvals_decision_one_approval_per_reviewer",
            ),
        )
        indexes = (
            # "Not already approved by me" in the review queue: one lookup per waiting post.
            models.Index(
                fields=("revision", "reviewer"),
                condition=models.Q(verdict="approve"),
                name="approvals_decision_approver",
            ),
            models.Index(fields=("reason", "created_at")),
        )

    def __str__(self) -> str:
        return f"{self.stage_label} {self.get_verdict_display()} on post #{self.post_id}"

    @property
    def stage_label(self) -> str:
        if self.stage_name:
            return self.stage_name
        return Stage(self.stage).label if self.stage in Stage.values else self.stage


# --- Approval rules (docs/governance.md) -------------------------------------------------------


class ApprovalRule(models.Model):
    """When a submitted post matches every condition set here (an empty one matches anything;
    within one, any listed value), review gets one more stage: a named group of reviewers, any
    one or all of whom approve, after the stages before it or alongside them. Retired rather
    than deleted; each change writes a new ApprovalRuleSet."""

    class PostKind(models.TextChoices):
        POST = "post", "Post"
        REPLY = "reply", "Reply"

    class Approval(models.TextChoices):
        ANY = "any", "Any one of them"
        ALL = "all", "All of them"

    class Order(models.TextChoices):
        SEQUENCE = "sequence", "After the stages before it"
        PARALLEL = "parallel", "Alongside the stages before it"

    name = models.CharField(max_length=120)
    # When
    brand_accounts = models.ManyToManyField(
        "channels_app.BrandAccount", blank=True, related_name="+"
    )
    departments = models.ManyToManyField("accounts.Department", blank=True, related_name="+")
    platforms = models.JSONField(default=list, blank=True)
    content_rules = models.JSONField(
        default=list, blank=True, help_text="Content guidance rules (approvals.guidance.Rule)."
    )
    post_kind = models.CharField(max_length=8, choices=PostKind.choices, blank=True)
    with_image = models.BooleanField(null=True, blank=True)
    # Then
    stage_name = models.CharField(max_length=60)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    department_managers = models.BooleanField(
        default=False, help_text="The managers of the post's department review too."
    )
    approval = models.CharField(max_length=8, choices=Approval.choices, default=Approval.ANY)
    order = models.CharField(max_length=8, choices=Order.choices, default=Order.SEQUENCE)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.name

    @property
    def stage_key(self) -> str:
        return f"rule-{self.pk}"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class ApprovalRuleSet(AppendOnlyModel):
    """One version of the approval rules: every rule in force after a change, as it then read
    (approvals.rules.snapshot). A revision names the version it was reviewed under."""

    number = models.PositiveIntegerField(unique=True)
    rules = models.JSONField(default=list)
    change = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-number",)

    def __str__(self) -> str:
        return f"Approval rules, version {self.number}"


class StageReviewer(models.Model):
    """One reviewer of one approval-rule stage of one revision (the plan's rows, for the review
    queue and for who sees the post). opened_at: the stages before it were satisfied;
    satisfied_at: it has the approvals it needs."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="stage_reviewers")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="stage_reviewers")
    stage = models.CharField(max_length=16)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_seats"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    satisfied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("revision", "stage", "reviewer")
        constraints = (
            models.UniqueConstraint(
                fields=("revision", "stage", "reviewer"), name="approvals_stagereviewer_once"
            ),
        )
        indexes = (
            models.Index(
                fields=("reviewer", "revision"),
                condition=models.Q(opened_at__isnull=False, satisfied_at__isnull=True),
                name="approvals_stage_waiting",
            ),
        )

    def __str__(self) -> str:
        return f"{self.stage} of post #{self.post_id}: reviewer #{self.reviewer_id}"


class CoachingAssignment(AppendOnlyModel):
    """A person collected `count` decisions with one reason within the window: the reason's
    course was assigned to them. The decisions up to `last_decision` are spent: the next streak
    counts only later ones, so nothing is assigned twice for the same streak."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_assignments"
    )
    reason = models.ForeignKey(ReviewReason, on_delete=models.PROTECT, related_name="+")
    last_decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField()
    window_days = models.PositiveSmallIntegerField()
    # The training assignment made (empty when the course was already assigned and open).
    assignment = models.ForeignKey(
        "training.Assignment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("person", "reason", "-created_at")),)

    def __str__(self) -> str:
        return f"{self.person}: {self.reason}, {self.count} times"


class CrisisPause(models.Model):
    """Publishing stopped, org-wide (no brand account) or on one account, until lifted."""

    brand_account = models.ForeignKey(
        "channels_app.BrandAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crisis_pauses",
        help_text="Empty: the whole organisation.",
    )
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_note = models.TextField(blank=True)

    class Meta:
        ordering = ("-started_at", "-id")
        constraints = (
            # One holding pause per scope (0 stands for org-wide: NULLs never collide).
            models.UniqueConstraint(
                Coalesce("brand_account", models.Value(0)),
                condition=models.Q(lifted_at__isnull=True),
                name="approvals_crisispause_one_active_per_scope",
            ),
        )

    def __str__(self) -> str:
        scope = "organisation-wide" if self.brand_account_id is None else "one account"
        return f"Crisis pause #{self.pk} ({scope})"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    @property
    def is_org_wide(self) -> bool:
        return self.brand_account_id is None


class QuietPeriod(models.Model):
    """A planned window in which nothing may be published (an earnings quiet period, an embargo,
    a launch blackout): organisation-wide (no department, no account), on one department's posts
    and accounts, or on one account. It holds from starts_at (included) to ends_at (excluded).
    Cancelled rather than deleted, so the history of what was forbidden when stays."""

    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quiet_periods",
    )
    brand_account = models.ForeignKey(
        "channels_app.BrandAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quiet_periods",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_note = models.TextField(blank=True)

    class Meta:
        ordering = ("starts_at", "id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="approvals_quietperiod_starts_before_it_ends",
            ),
            # A department or an account, not both; neither: the whole organisation.
            models.CheckConstraint(
                condition=models.Q(department__isnull=True) | models.Q(brand_account__isnull=True),
                name="approvals_quietperiod_one_scope",
            ),
        )
        indexes = (models.Index(fields=("ends_at", "starts_at"), name="approvals_quiet_window"),)

    def __str__(self) -> str:
        return f"Quiet period #{self.pk} ({self.scope_label})"

    @property
    def is_org_wide(self) -> bool:
        return self.department_id is None and self.brand_account_id is None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def scope_label(self) -> str:
        """Reads the related rows: select them with the period."""
        if self.brand_account_id is not None:
            return self.brand_account.display_name  # type: ignore[union-attr]
        if self.department_id is not None:
            return f"{self.department.name} department"  # type: ignore[union-attr]
        return "the whole organisation"


class QuietPeriodException(models.Model):
    """Legal let one post be published inside one quiet period (the note says why)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="quiet_period_exceptions")
    quiet_period = models.ForeignKey(
        QuietPeriod, on_delete=models.PROTECT, related_name="exceptions"
    )
    note = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("granted_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("post", "quiet_period"), name="approvals_quietexception_one_per_post"
            ),
        )

    def __str__(self) -> str:
        return f"Exception for post #{self.post_id} in quiet period #{self.quiet_period_id}"


class GuidanceTerm(models.Model):
    """One entry of content guidance's editable word lists (edited in the admin)."""

    class Kind(models.TextChoices):
        HYPERBOLE = "hyperbole", "Hyperbole"
        PRESS_RELEASE = "press_release", "Press-release language"
        SENSITIVE = "sensitive", "Sensitive term (adds the legal stage)"
        SPONSORSHIP = "sponsorship", "Sign of sponsored content"
        DISCLOSURE = "disclosure", "Disclosure of sponsored content"
        RECRUITING = "recruiting", "Recruiting language (approval rules may add a stage)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    phrase = models.CharField(
        max_length=100,
        help_text="Matched as whole words, any case. End with * to match any ending (acqui*).",
    )
    advice = models.CharField(
        max_length=255,
        blank=True,
        help_text="For sensitive terms, the subject (e.g. 'financial results'); otherwise advice "
        "shown instead of the default message.",
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("kind", "phrase")
        constraints = (
            models.UniqueConstraint(
                "kind", Lower("phrase"), name="approvals_guidanceterm_unique_phrase"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.phrase}"


# --- Images on posts (docs/media.md) -----------------------------------------------------------


class MediaAttachment(AppendOnlyModel):
    """One image of one revision, with its alt text and place in the post.

    Attachments belong to a revision like its body: a new revision copies the rows it keeps
    (same stored file, possibly new alt text or order), so every revision shows exactly what was
    reviewed. The stored file is the re-encoded image without metadata; its checksum names the
    image across revisions (one image appears once per revision).
    """

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="media")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="media")
    # Storage names, never served by the storage itself: approvals.views.media_file streams them
    # to people who may see the post.
    file = models.FileField(max_length=255)
    thumbnail = models.FileField(max_length=255)
    alt_text = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField(help_text="Size of the stored file.")
    content_type = models.CharField(max_length=32)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the stored file.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("revision", "order")
        constraints = (
            models.UniqueConstraint(fields=("revision", "order"), name="approvals_media_order"),
            models.UniqueConstraint(
                fields=("revision", "checksum"), name="approvals_media_once_per_revision"
            ),
        )
        indexes = (models.Index(fields=("post", "checksum"), name="approvals_media_post_sum"),)

    def __str__(self) -> str:
        return f"Image {self.order + 1} of post #{self.post_id} revision {self.revision_id}"

    @property
    def number(self) -> int:
        """1-based, as people count images."""
        return self.order + 1


class PlatformMediaUpload(models.Model):
    """An image a platform accepted during a publish attempt: the platform's reference to it
    (media id, image URN, blob), so a retry attaches it instead of uploading it again."""

    key = models.CharField(max_length=64, unique=True)
    platform = models.CharField(max_length=16)
    reference = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.platform} upload {self.key[:12]}"
