# The audit trail and notifications moved to the activity app, the engine's attempts and the
# internal feed to the publishing app (their 0001 migrations take the models over, tables and
# rows unchanged). Here they leave approvals' model state; the database is not touched.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0007_notification_connection"),
        ("activity", "0001_initial"),
        ("publishing", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="AuditEvent"),
                migrations.DeleteModel(name="FeedImage"),
                migrations.DeleteModel(name="FeedEntry"),
                migrations.DeleteModel(name="PublishAttempt"),
            ],
            database_operations=[],
        ),
    ]
