"""The rows data migrations create (role groups, guidance word lists, review reasons), made
again.

Django empties every table after each transactional test, so a test that runs after one in the
same process finds no data-migration rows. Serialized rollback would restore them, but not for
tests driven by Playwright's sync API, whose context sees a database connection without the
serialized copy (and then also skips recreating content types on flush).
"""

from __future__ import annotations

import importlib


def restore_data_migration_rows() -> None:
    """Make the data-migration rows again where they are missing (four queries when present)."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from accounts.roles import GROUP_NAMES
    from approvals.models import GuidanceTerm, ReviewReason

    if Group.objects.filter(name__in=GROUP_NAMES.values()).count() < len(GROUP_NAMES):
        for name in GROUP_NAMES.values():
            Group.objects.get_or_create(name=name)
    if not GuidanceTerm.objects.exists():
        seed = importlib.import_module("approvals.migrations.0003_default_guidance_terms")
        seed.seed(apps, None)
    if not GuidanceTerm.objects.filter(kind=GuidanceTerm.Kind.RECRUITING).exists():
        recruiting = importlib.import_module("approvals.migrations.0017_default_recruiting_terms")
        recruiting.seed(apps, None)
    if not ReviewReason.objects.exists():
        reasons = importlib.import_module("approvals.migrations.0013_default_review_reasons")
        reasons.create(apps, None)
