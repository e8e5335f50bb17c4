"""Seed content guidance's recruiting language (the content rule approval rules route recruiting
posts with), editable in the admin afterwards. Frozen here, as a migration's data must be."""

from __future__ import annotations

from typing import Any

from django.db import migrations

RECRUITING = (
    "we're hiring",
    "we’re hiring",
    "we are hiring",
    "now hiring",
    "join our team",
    "job opening*",
    "open position*",
    "vacanc*",
)


def seed(apps: Any, schema_editor: Any) -> None:
    term = apps.get_model("approvals", "GuidanceTerm")
    for phrase in RECRUITING:
        if not term.objects.filter(kind="recruiting", phrase__iexact=phrase).exists():
            term.objects.create(kind="recruiting", phrase=phrase)


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("approvals", "GuidanceTerm").objects.filter(kind="recruiting").delete()


class Migration(migrations.Migration):
    dependencies = [("approvals", "0016_approval_rules")]

    operations = [migrations.RunPython(seed, unseed)]
