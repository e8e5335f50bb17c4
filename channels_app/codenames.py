"""Object permissions on a brand account (django-guardian codenames).

Apart from the models, so querysets and permission checks name them without importing the
models that use those querysets.
"""

from __future__ import annotations

from django.db import models


class BrandAccountPerm(models.TextChoices):
    """Object permissions on a brand account (django-guardian codenames)."""

    DRAFT_ON = "draft_on", "Draft"
    REVIEW_ON = "review_on", "Review"
    PUBLISH_ON = "publish_on", "Publish"
    MANAGE = "manage", "Manage"


ALL_PERMS: tuple[str, ...] = tuple(BrandAccountPerm.values)
