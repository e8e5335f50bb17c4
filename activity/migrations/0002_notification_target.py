# A notification names what it is about by model label and id, like the audit trail, instead
# of a foreign key to approvals' posts: activity sits below approvals and may not depend on it.
# Every notification on a post keeps that post as its target.

from django.db import migrations, models
from django.db.models.functions import Cast

POST = "approvals.post"


def post_to_target(apps, schema_editor):
    Notification = apps.get_model("activity", "Notification")
    Notification.objects.filter(post__isnull=False).update(
        target_type=POST, target_id=Cast("post_id", output_field=models.CharField())
    )


def target_to_post(apps, schema_editor):
    Notification = apps.get_model("activity", "Notification")
    Notification.objects.filter(target_type=POST).exclude(target_id="").update(
        post_id=Cast("target_id", output_field=models.BigIntegerField())
    )


class Migration(migrations.Migration):

    dependencies = [
        ("activity", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="target_type",
            field=models.CharField(blank=True, default="", max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notification",
            name="target_id",
            field=models.CharField(blank=True, default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(post_to_target, target_to_post),
        migrations.RemoveField(
            model_name="notification",
            name="post",
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["target_type", "target_id"], name="activity_notif_target"),
        ),
    ]
