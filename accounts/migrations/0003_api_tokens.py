"""API tokens move to django-rest-knox (hashed, expiring): accounts.ApiToken.

The keys of DRF's old tokens (rest_framework.authtoken, stored in clear) are not carried over:
their table is dropped and scripts ask for a new token once (docs/security.md).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_org_role_groups'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('token_key', models.CharField(db_index=True, max_length=25)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('digest', models.CharField(max_length=128, unique=True)),
                ('stamp', models.CharField(max_length=64)),
                ('user_agent', models.CharField(blank=True, help_text='The client that asked for it, as it said.', max_length=200)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'ordering': ('-created', '-id'),
            },
        ),
        # Left by rest_framework.authtoken, no longer installed; absent on new databases.
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
