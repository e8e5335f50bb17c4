"""The triage organisation role: its group, given by default to the members of the
communications department (org admins change it on the people and roles page)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

GROUP = "Triage"
DEFAULT_DEPARTMENT = "communications"


def create_group(apps: Any, schema_editor: Any) -> None:
    group_model = apps.get_model("auth", "Group")
    group, _created = group_model.objects.get_or_create(name=GROUP)
    membership_model = apps.get_model("accounts", "Membership")
    user_ids = membership_model.objects.filter(
        department__slug=DEFAULT_DEPARTMENT
    ).values_list("user_id", flat=True)
    group.user_set.add(*user_ids)


def remove_group(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_drop_unused_knox_table"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
