"""The post workflow's vocabularies: states, review stages and verdicts.

Apart from the models, so querysets name them without importing the models that use those
querysets.
"""

from __future__ import annotations

from django.db import models


class PostState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Stage(models.TextChoices):
    """Review stages: comms always, legal when content guidance flags the post."""

    COMMS = "comms", "Comms"
    LEGAL = "legal", "Legal"


class Verdict(models.TextChoices):
    APPROVE = "approve", "Approved"
    CHANGES = "changes", "Changes requested"
    REJECT = "reject", "Rejected"
