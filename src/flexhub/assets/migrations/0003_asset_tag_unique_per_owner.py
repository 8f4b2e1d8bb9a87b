# A tag is unique within its owner's register, not across flexhub (see Asset's docstring).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0002_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='asset',
            name='asset_tag',
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name='asset',
            constraint=models.UniqueConstraint(fields=('owner', 'asset_tag'), name='asset_tag_unique_per_owner'),
        ),
    ]
