"""Drop the empty `knox_authtoken` table that django-rest-knox's own migrations created.

SocialHub's tokens live in `accounts_apitoken` (KNOX_TOKEN_MODEL); knox's migrations predate
its swappable model, so they created a table nothing uses, with a foreign key to the user
table. On PostgreSQL that key blocks TRUNCATE of the user table (flush, test teardown). The
knox app is now unmigrated (MIGRATION_MODULES), so new databases never get the table.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS knox_authtoken", migrations.RunSQL.noop),
    ]
