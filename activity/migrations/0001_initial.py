# The audit trail and notifications move here from the approvals app. Their tables stay where
# they are (db_table keeps the old names): this migration only tells Django's model state that
# the models now belong to activity; approvals' 0008 removes them from approvals' state. An
# existing database upgrades without copying a row.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_types(apps, schema_editor):
    """Keep each moved model's content type (and the permissions that point at it)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("auditevent", "notification"):
        if not ContentType.objects.filter(app_label="activity", model=model).exists():
            ContentType.objects.filter(app_label="approvals", model=model).update(
                app_label="activity"
            )


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("auditevent", "notification"):
        if not ContentType.objects.filter(app_label="approvals", model=model).exists():
            ContentType.objects.filter(app_label="activity", model=model).update(
                app_label="approvals"
            )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0002_org_role_groups"),
        ("approvals", "0007_notification_connection"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("action", models.CharField(max_length=64)),
                        ("target_type", models.CharField(max_length=100)),
                        ("target_id", models.CharField(max_length=64)),
                        ("target_label", models.CharField(blank=True, max_length=255)),
                        ("from_state", models.CharField(blank=True, max_length=32)),
                        ("to_state", models.CharField(blank=True, max_length=32)),
                        ("note", models.TextField(blank=True)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("department", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.department")),
                    ],
                    options={
                        "db_table": "approvals_auditevent",
                        "ordering": ("-created_at", "-id"),
                        "indexes": [models.Index(fields=["target_type", "target_id", "created_at"], name="approvals_a_target__a3c800_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("submitted", "Submitted for review"), ("decision", "Decision"), ("comment", "Comment"), ("schedule_missed", "Schedule missed"), ("publish_failed", "Publishing failed"), ("crisis", "Crisis pause"), ("connection", "Brand account connection")], max_length=16)),
                        ("message", models.CharField(max_length=300)),
                        ("url", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL)),
                        # Still the column of the old layout; 0002 turns it into a target.
                        ("post", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="approvals.post")),
                    ],
                    options={
                        "db_table": "approvals_notification",
                        "ordering": ("-created_at", "-id"),
                        "indexes": [models.Index(fields=["recipient", "read_at"], name="approvals_notif_unread")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
