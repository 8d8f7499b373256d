"""Onboarding, OnboardingStep, moved here from the businesses app with their tables (db_table):
state only, nothing in the database changes."""

import django.core.validators
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
                    name='Onboarding',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('client_meta_id', models.CharField(blank=True, max_length=32, validators=[django.core.validators.RegexValidator('^[0-9]{1,32}$', 'A Meta id is digits only (1 to 32), e.g. 1234567890123456.')], verbose_name="client's Business Manager ID")),
                        ('name', models.CharField(max_length=255, verbose_name='client name')),
                        ('contact_name', models.CharField(blank=True, max_length=255)),
                        ('contact_email', models.EmailField(blank=True, max_length=254)),
                        ('method', models.CharField(blank=True, choices=[('on_behalf_of', 'Business On Behalf Of'), ('client_grant', 'Client grants partner access')], max_length=16)),
                        ('requested', models.JSONField(blank=True, default=list)),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Queued'), ('running', 'Running'), ('waiting', 'Waiting for the client'), ('done', 'Done'), ('failed', 'Failed')], default='draft', max_length=16)),
                        ('oauth_state', models.CharField(blank=True, editable=False, max_length=64)),
                        ('oauth_state_expires_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('oauth_state_used_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('meta_facts', models.JSONField(blank=True, default=dict)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('run_lease_until', models.DateTimeField(blank=True, null=True)),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='onboardings_as_agency', to='businesses.business')),
                        ('client_business', models.ForeignKey(blank=True, help_text='Set when the onboarding is submitted.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='onboardings', to='businesses.business')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='onboardings', to=settings.AUTH_USER_MODEL)),
                        ('login_token', models.ForeignKey(blank=True, help_text="The client admin's user token (encrypted elsewhere), from the wizard or Login.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='businesses.accesstoken')),
                    ],
                    options={
                        'db_table': 'businesses_onboarding',
                        'ordering': ('-created_at',),
                    },
                ),
                migrations.CreateModel(
                    name='OnboardingStep',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(help_text="e.g. 'managed_business' or 'asset:page:1'.", max_length=128)),
                        ('label', models.CharField(max_length=255)),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('asset_kind', models.CharField(blank=True, max_length=32)),
                        ('asset_meta_id', models.CharField(blank=True, max_length=40)),
                        ('tasks', models.JSONField(blank=True, default=list)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=16)),
                        ('message', models.TextField(blank=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('onboarding', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='onboarding.onboarding')),
                    ],
                    options={
                        'db_table': 'businesses_onboardingstep',
                        'ordering': ('onboarding', 'position', 'pk'),
                    },
                ),
                migrations.AddIndex(
                    model_name='onboarding',
                    index=models.Index(fields=['created_by', '-created_at'], name='onboarding_mine_idx'),
                ),
                migrations.AddIndex(
                    model_name='onboarding',
                    index=models.Index(fields=['status'], name='onboarding_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='onboarding',
                    constraint=models.CheckConstraint(condition=models.Q(('client_meta_id__regex', '^[0-9]{1,32}$'), ('client_meta_id', ''), _connector='OR'), name='onboarding_client_meta_id_digits'),
                ),
                migrations.AddConstraint(
                    model_name='onboarding',
                    constraint=models.CheckConstraint(condition=models.Q(('method__in', ['', 'on_behalf_of', 'client_grant'])), name='onboarding_method_known'),
                ),
                migrations.AddConstraint(
                    model_name='onboarding',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'draft'), models.Q(models.Q(('method', ''), _negated=True), models.Q(('client_business__isnull', False), ('method', 'client_grant'), _connector='OR')), _connector='OR'), name='onboarding_submitted_is_complete'),
                ),
                migrations.AddConstraint(
                    model_name='onboarding',
                    constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['submitted', 'running', 'waiting']), models.Q(('client_meta_id', ''), _negated=True)), fields=('client_meta_id',), name='onboarding_one_in_progress_per_client'),
                ),
                migrations.AddConstraint(
                    model_name='onboarding',
                    constraint=models.UniqueConstraint(condition=models.Q(('oauth_state', ''), _negated=True), fields=('oauth_state',), name='onboarding_oauth_state_unique'),
                ),
                migrations.AddIndex(
                    model_name='onboardingstep',
                    index=models.Index(fields=['onboarding', 'position'], name='onboarding_step_order_idx'),
                ),
                migrations.AddConstraint(
                    model_name='onboardingstep',
                    constraint=models.UniqueConstraint(fields=('onboarding', 'key'), name='onboarding_step_unique'),
                ),
            ],
            database_operations=[],
        ),
    ]
