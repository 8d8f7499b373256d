"""SyncRun and DriftEvent move to the sync app, Onboarding and OnboardingStep to the onboarding
app (issue 11's layers). State only: the tables keep their names and their rows."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('businesses', '0009_merge_0005_syncrun_full_read_0008_merge_20261128_0603'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are (db_table); only Django's state moves.
            state_operations=[
                migrations.RemoveField(
                    model_name='onboarding',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='onboarding',
                    name='client_business',
                ),
                migrations.RemoveField(
                    model_name='onboarding',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='onboarding',
                    name='login_token',
                ),
                migrations.RemoveField(
                    model_name='onboardingstep',
                    name='onboarding',
                ),
                migrations.RemoveField(
                    model_name='syncrun',
                    name='business',
                ),
                migrations.RemoveField(
                    model_name='syncrun',
                    name='requested_by',
                ),
                migrations.DeleteModel(
                    name='DriftEvent',
                ),
                migrations.DeleteModel(
                    name='Onboarding',
                ),
                migrations.DeleteModel(
                    name='OnboardingStep',
                ),
                migrations.DeleteModel(
                    name='SyncRun',
                ),
            ],
            database_operations=[],
        ),
    ]
