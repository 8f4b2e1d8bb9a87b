# The model moved here from the directory app: only Django's state changes, the table
# (directory_machinerychange) and its rows stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0002_initial'),
        ('directory', '0002_stagedimport'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='MachineryChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('form', 'New organisation formed from predecessors'), ('merge', 'Organisation merged into another')], max_length=10)),
                ('effective', models.DateField()),
                ('reason', models.TextField()),
                ('performed_by', models.CharField(max_length=200)),
                ('performed_at', models.DateTimeField()),
                ('moved', models.JSONField(default=dict, help_text='Counts and keys of what moved, by kind')),
                ('predecessors', models.ManyToManyField(related_name='+', to='core.organisation')),
                ('successor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organisation')),
            ],
            options={
                'db_table': 'directory_machinerychange',
                'ordering': ['-effective', '-pk'],
            },
        ),
            ],
        ),
    ]
