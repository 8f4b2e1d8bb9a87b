# An email is unique within an organisation's directory, not across flexhub (see StaffMember's
# docstring); a staged upload is kept in parts instead of one value, so it is never held whole.

import django.db.models.deletion
from django.db import migrations, models

PART_BYTES = 1 << 20


def content_to_parts(apps, schema_editor):
    """Carry an upload still waiting for its apply into parts."""
    StagedImport = apps.get_model("directory", "StagedImport")
    StagedImportPart = apps.get_model("directory", "StagedImportPart")
    for staged in StagedImport.objects.filter(applied_at__isnull=True).iterator():
        content = bytes(staged.content or b"")
        for seq, start in enumerate(range(0, len(content), PART_BYTES)):
            StagedImportPart.objects.create(staged=staged, seq=seq, data=content[start : start + PART_BYTES])
        staged.size = len(content)
        staged.save(update_fields=["size"])


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0003_delete_machinerychange'),
    ]

    operations = [
        migrations.CreateModel(
            name='StagedImportPart',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveIntegerField()),
                ('data', models.BinaryField()),
                ('staged', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='parts', to='directory.stagedimport')),
            ],
            options={
                'ordering': ['staged', 'seq'],
            },
        ),
        migrations.AddConstraint(
            model_name='stagedimportpart',
            constraint=models.UniqueConstraint(fields=('staged', 'seq'), name='staged_part_once'),
        ),
        migrations.AddField(
            model_name='stagedimport',
            name='size',
            field=models.PositiveBigIntegerField(default=0, help_text='Bytes uploaded'),
        ),
        migrations.AlterField(
            model_name='staffmember',
            name='email',
            field=models.EmailField(max_length=254),
        ),
        migrations.AddConstraint(
            model_name='staffmember',
            constraint=models.UniqueConstraint(fields=('organisation', 'email'), name='staff_email_unique_in_organisation'),
        ),
        migrations.RunPython(content_to_parts, migrations.RunPython.noop),
    ]
