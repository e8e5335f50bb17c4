"""Training and certification: courses with lessons and a quiz, the certificates a pass earns,
which courses each platform or brand account requires, assignments, and the social media policy
everyone acknowledges (docs/design.md §2).

Times are stored in UTC and compared as instants, so an expiry is exact to the second whatever
time zone a person reads it in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from channels_app.platforms import Platform
from training.querysets import CertificationQuerySet, CourseQuerySet, PolicyQuerySet
from training.rendering import render_markdown

# A certificate counts as "expiring" this long before it expires (matrix, My training, API).
EXPIRING_WITHIN = timedelta(days=30)


class CertStatus(models.TextChoices):
    """A person's standing in one course, as the matrix, the API and the CSV report it."""

    VALID = "valid", "Valid"
    EXPIRING = "expiring", "Expiring within 30 days"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    MISSING = "missing", "Missing"


class Course(models.Model):
    title = models.CharField(max_length=200, unique=True)
    summary = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Share of questions to answer correctly to pass, in per cent.",
    )
    validity_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="A certificate expires this many days after the pass that issued it.",
    )
    retake_cooldown_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MaxValueValidator(60 * 24 * 30)],
        help_text="After a failed attempt, the person may try again after this many minutes.",
    )
    # Set only by the publish service, which checks the quiz can be passed first.
    is_published = models.BooleanField(default=False, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ("title", "id")
        constraints = (
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100), name="course_pass_mark_range"
            ),
            models.CheckConstraint(condition=Q(validity_days__gte=1), name="course_validity_min"),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def validity(self) -> timedelta:
        return timedelta(days=self.validity_days)

    @property
    def retake_cooldown(self) -> timedelta:
        return timedelta(minutes=self.retake_cooldown_minutes)


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown. Raw HTML is removed when the lesson is shown.")

    class Meta:
        ordering = ("course", "order", "id")

    def __str__(self) -> str:
        return self.title

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(default=0)
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    explanation = models.TextField(
        blank=True, help_text="Shown with the result, after the attempt is finished."
    )

    class Meta:
        ordering = ("course", "order", "id")

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=500)
    # Never serialised or rendered before the person has finished their attempt.
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ("question", "order", "id")

    def __str__(self) -> str:
        return self.text[:80]


class Attempt(models.Model):
    """One go at a course's quiz. Open until submitted; scored on the server only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_attempts"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"<question id>": [<choice id>, ...]} as submitted (validated against the course).
    answers = models.JSONField(default=dict, blank=True)
    # [{"question": id, "correct": bool, "selected": [...], "correct_choices": [...]}]: a
    # snapshot, so a later edit of the quiz does not rewrite a past result.
    results = models.JSONField(default=list, blank=True)
    correct_count = models.PositiveIntegerField(null=True, blank=True)
    question_count = models.PositiveIntegerField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Per cent.")
    passed = models.BooleanField(null=True, blank=True)
    certification = models.ForeignKey(
        "Certification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-started_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("user", "course"),
                condition=Q(finished_at__isnull=True),
                name="attempt_one_open_per_course",
            ),
        )
        indexes = (models.Index(fields=("user", "course", "-finished_at")),)

    def __str__(self) -> str:
        return f"{self.user} · {self.course} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class Certification(models.Model):
    """A person's certificate in a course. Renewal moves the dates of the same row; a revoked
    one stays as history and a new pass issues a new one (one unrevoked row per person and
    course)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certifications")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    first_issued_at = models.DateTimeField()
    renewal_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.TextField(blank=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ("course__title", "-issued_at")
        constraints = (
            models.UniqueConstraint(
                fields=("user", "course"),
                condition=Q(revoked_at__isnull=True),
                name="certification_one_active_per_course",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")),
                name="certification_expires_after_issue",
            ),
        )
        indexes = (
            models.Index(fields=("course", "expires_at")),
            # A person's certificates for one course, newest first: the matrix and its export.
            models.Index(fields=("user", "course", "-issued_at"), name="cert_user_course_issued"),
        )

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"

    def status_at(self, now: datetime) -> str:
        """valid / expiring / expired / revoked at the instant now (exact to the microsecond)."""
        if self.revoked_at is not None:
            return CertStatus.REVOKED
        if self.expires_at <= now:
            return CertStatus.EXPIRED
        if self.expires_at <= now + EXPIRING_WITHIN:
            return CertStatus.EXPIRING
        return CertStatus.VALID


class CertificationRequirement(models.Model):
    """A course a person must hold to submit posts on a platform, on one brand account, or
    (neither set) on every brand account."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="requirements")
    platform = models.CharField(
        max_length=16,
        choices=Platform.choices,
        blank=True,
        help_text="Every account on this platform. Leave empty with no account for all accounts.",
    )
    brand_account = models.ForeignKey(
        "channels_app.BrandAccount",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="certification_requirements",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("course__title", "platform", "id")
        constraints = (
            models.CheckConstraint(
                condition=Q(platform="") | Q(brand_account__isnull=True),
                name="requirement_platform_or_account",
            ),
            models.UniqueConstraint(
                fields=("course",),
                condition=Q(platform="", brand_account__isnull=True),
                name="requirement_unique_everywhere",
            ),
            models.UniqueConstraint(
                fields=("course", "platform"),
                condition=~Q(platform=""),
                name="requirement_unique_platform",
            ),
            models.UniqueConstraint(
                fields=("course", "brand_account"),
                condition=Q(brand_account__isnull=False),
                name="requirement_unique_account",
            ),
        )

    def __str__(self) -> str:
        return f"{self.course} for {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.brand_account_id is not None:
            return str(self.brand_account)
        if self.platform:
            return f"every {Platform(self.platform).label} account"
        return "every brand account"


class Assignment(models.Model):
    """A course assigned to one person or to every member of a department, with a due date."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="training_assignments",
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="training_assignments",
    )
    due_on = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_on", "id")
        constraints = (
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(department__isnull=True))
                | (Q(user__isnull=True) & Q(department__isnull=False)),
                name="assignment_person_or_department",
            ),
            models.UniqueConstraint(
                fields=("course", "user"),
                condition=Q(cancelled_at__isnull=True, user__isnull=False),
                name="assignment_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=("course", "department"),
                condition=Q(cancelled_at__isnull=True, department__isnull=False),
                name="assignment_one_open_per_department",
            ),
        )

    def __str__(self) -> str:
        return f"{self.course} → {self.assignee_label} (due {self.due_on:%Y-%m-%d})"

    @property
    def assignee_label(self) -> str:
        if self.user_id is not None:
            return str(self.user)
        return f"everyone in {self.department}"


class Policy(models.Model):
    """One version of the social media policy. Published versions are never edited: a change
    is a new version, which everyone acknowledges again once it takes effect."""

    version = models.PositiveIntegerField(unique=True, editable=False)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown. Raw HTML is removed when the policy is shown.")
    summary_of_changes = models.TextField(
        blank=True, help_text="What changed since the previous version, shown to everyone."
    )
    effective_at = models.DateTimeField(
        help_text="From this moment the version is current and must be acknowledged."
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ("-version",)
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class PolicyAcknowledgement(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acknowledgements"
    )
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ("-acknowledged_at",)
        constraints = (models.UniqueConstraint(fields=("user", "policy"), name="policy_ack_once"),)

    def __str__(self) -> str:
        return f"{self.user} acknowledged v{self.policy.version}"


class TrainingNotice(models.Model):
    """An in-app notice (reminder, revocation, assignment). key makes each one unique, so a
    reminder task that runs twice cannot tell a person the same thing twice."""

    class Kind(models.TextChoices):
        EXPIRING_30 = "expiring_30", "Expires in 30 days"
        EXPIRING_7 = "expiring_7", "Expires in 7 days"
        ASSIGNMENT_OVERDUE = "assignment_overdue", "Assignment overdue"
        ASSIGNED = "assigned", "Course assigned"
        REVOKED = "revoked", "Certification revoked"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_notices"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True)
    message = models.CharField(max_length=500)
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("user", "read_at")),)

    def __str__(self) -> str:
        return f"{self.user}: {self.message}"
