"""Create the organisation-wide role groups. Names are frozen here, as migrations must be."""

from __future__ import annotations

from typing import Any

from django.db import migrations

ROLE_GROUPS = ("Comms reviewers", "Legal reviewers", "HR", "Org admins")


def create_groups(apps: Any, schema_editor: Any) -> None:
    group_model = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        group_model.objects.get_or_create(name=name)


def remove_groups(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
