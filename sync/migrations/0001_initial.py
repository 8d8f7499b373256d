"""SyncRun, DriftEvent, moved here from the businesses app with their tables (db_table):
state only, nothing in the database changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('businesses', '0010_move_sync_and_onboarding_models'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are (db_table); only Django's state moves.
            state_operations=[
                migrations.CreateModel(
                    name='SyncRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('with_warnings', 'Succeeded with warnings'), ('failed', 'Failed'), ('skipped', 'Skipped (another sync was running)'), ('paused', 'Paused (throttled by Meta)')], default='queued', max_length=16)),
                        ('trigger', models.CharField(choices=[('schedule', 'Schedule'), ('manual', 'Staff request'), ('onboarding', 'Onboarding'), ('command', 'Operator command')], default='schedule', max_length=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('progress_done', models.PositiveIntegerField(default=0)),
                        ('progress_total', models.PositiveIntegerField(default=0)),
                        ('created_count', models.PositiveIntegerField(default=0)),
                        ('updated_count', models.PositiveIntegerField(default=0)),
                        ('removed_count', models.PositiveIntegerField(default=0)),
                        ('graph_calls', models.PositiveIntegerField(default=0)),
                        ('max_usage_pct', models.PositiveSmallIntegerField(default=0)),
                        ('paused_until', models.DateTimeField(blank=True, null=True)),
                        ('error', models.TextField(blank=True)),
                        ('held_back', models.TextField(blank=True, help_text='Removals not applied because they exceeded the safe share.')),
                        ('warnings', models.TextField(blank=True, help_text='What the sync could not read because Meta no longer serves it (one a line); rows read from it before are kept.')),
                        ('waiting_for_queue', models.BooleanField(default=False)),
                        ('sent_again_at', models.DateTimeField(blank=True, help_text='When the queue sweeper last sent this run again.', null=True)),
                        ('full_read', models.BooleanField(default=False, help_text="Re-read every asset's users, partner shares and conversions, not only those due (the first sync of a business always does).")),
                        ('business', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sync_runs', to='businesses.business')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'businesses_syncrun',
                        'ordering': ('-created_at',),
                    },
                ),
                migrations.CreateModel(
                    name='DriftEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('asset_added', 'Asset appeared'), ('asset_lost', 'Asset lost'), ('person_added', 'Person added'), ('admin_added', 'New admin'), ('person_removed', 'Person removed'), ('system_user_added', 'System user appeared'), ('grant_added', 'Grant made outside the portal'), ('grant_changed', 'Grant changed outside the portal'), ('grant_removed', 'Grant removed outside the portal'), ('share_changed', 'Partner share changed')], max_length=32)),
                        ('summary', models.CharField(max_length=500)),
                        ('details', models.JSONField(blank=True, default=dict)),
                        ('detected_at', models.DateTimeField(auto_now_add=True)),
                        ('business', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='drift_events', to='businesses.business')),
                        ('sync_run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='drift_events', to='sync.syncrun')),
                    ],
                    options={
                        'db_table': 'businesses_driftevent',
                        'ordering': ('-detected_at',),
                    },
                ),
                migrations.AddIndex(
                    model_name='syncrun',
                    index=models.Index(fields=['business', '-created_at'], name='syncrun_business_latest_idx'),
                ),
                migrations.AddIndex(
                    model_name='syncrun',
                    index=models.Index(fields=['status'], name='syncrun_status_idx'),
                ),
                migrations.AddIndex(
                    model_name='driftevent',
                    index=models.Index(fields=['business', '-detected_at'], name='drift_business_latest_idx'),
                ),
                migrations.AddIndex(
                    model_name='driftevent',
                    index=models.Index(fields=['kind'], name='drift_kind_idx'),
                ),
            ],
            database_operations=[],
        ),
    ]
