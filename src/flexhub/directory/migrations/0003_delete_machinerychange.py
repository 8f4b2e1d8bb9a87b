# The register of machinery-of-government changes moved to the government app; its table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_stagedimport"),
        ("government", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MachineryChange")],
            database_operations=[],
        ),
    ]
