# Apart from 0004, whose data step must be committed before the column goes on PostgreSQL.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0004_email_unique_per_organisation_staged_parts'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='stagedimport',
            name='content',
        ),
    ]
