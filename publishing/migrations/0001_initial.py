# The engine's attempts and the internal feed move here from the approvals app. Their tables
# stay where they are (db_table keeps the old names): this migration only tells Django's model
# state that the models now belong to publishing; approvals' 0008 removes them from approvals'
# state. An existing database upgrades without copying a row.

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("publishattempt", "feedentry", "feedimage")


def rename_content_types(apps, schema_editor):
    """Keep each moved model's content type (and the permissions that point at it)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="publishing", model=model).exists():
            ContentType.objects.filter(app_label="approvals", model=model).update(
                app_label="publishing"
            )


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="approvals", model=model).exists():
            ContentType.objects.filter(app_label="publishing", model=model).update(
                app_label="approvals"
            )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0002_org_role_groups"),
        ("approvals", "0007_notification_connection"),
        ("channels_app", "0004_connection_identity"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FeedEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("org_wide", models.BooleanField(default=False)),
                        ("text", models.TextField()),
                        ("idempotency_key", models.CharField(max_length=64, unique=True)),
                        ("published_at", models.DateTimeField()),
                        ("brand_account", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="feed_entries", to="channels_app.brandaccount")),
                        ("department", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="feed_entries", to="accounts.department")),
                    ],
                    options={
                        "db_table": "approvals_feedentry",
                        "verbose_name_plural": "feed entries",
                        "ordering": ("-published_at", "-id"),
                        "indexes": [models.Index(fields=["department", "-published_at"], name="approvals_feed_dept"), models.Index(fields=["org_wide", "-published_at"], name="approvals_feed_org")],
                    },
                ),
                migrations.CreateModel(
                    name="FeedImage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("file", models.FileField(max_length=255, upload_to="")),
                        ("alt_text", models.TextField(blank=True)),
                        ("order", models.PositiveSmallIntegerField()),
                        ("width", models.PositiveIntegerField(default=0)),
                        ("height", models.PositiveIntegerField(default=0)),
                        ("content_type", models.CharField(max_length=32)),
                        ("checksum", models.CharField(help_text="SHA-256 of the stored file.", max_length=64)),
                        ("entry", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="images", to="publishing.feedentry")),
                    ],
                    options={
                        "db_table": "approvals_feedimage",
                        "ordering": ("entry", "order"),
                        "constraints": [models.UniqueConstraint(fields=("entry", "order"), name="approvals_feedimage_order")],
                    },
                ),
                migrations.CreateModel(
                    name="PublishAttempt",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.PositiveIntegerField()),
                        ("kind", models.CharField(choices=[("send", "Send"), ("check", "Check on the platform")], default="send", max_length=8)),
                        ("started_at", models.DateTimeField()),
                        ("lease_expires_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("outcome", models.CharField(blank=True, choices=[("published", "Published"), ("found", "Found on the platform"), ("not_found", "Not on the platform"), ("retry", "Temporary error"), ("failed", "Refused"), ("unknown", "Outcome unknown"), ("interrupted", "Interrupted")], max_length=12)),
                        ("message", models.TextField(blank=True)),
                        ("external_id", models.CharField(blank=True, max_length=255)),
                        ("external_url", models.URLField(blank=True, max_length=500)),
                        ("retry_after", models.FloatField(blank=True, help_text="Seconds the platform asked to wait.", null=True)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("worker", models.CharField(blank=True, max_length=200)),
                        ("post", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="attempts", to="approvals.post")),
                    ],
                    options={
                        "db_table": "approvals_publishattempt",
                        "ordering": ("post", "number"),
                        "constraints": [models.UniqueConstraint(fields=("post", "number"), name="approvals_attempt_number"), models.UniqueConstraint(condition=models.Q(("finished_at__isnull", True)), fields=("post",), name="approvals_attempt_one_running")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
