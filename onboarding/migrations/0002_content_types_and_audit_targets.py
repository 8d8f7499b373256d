"""The onboardings and their steps moved from the businesses app: their content types (admin history, the staff
groups' permissions) and the audit rows that name them follow them here."""

from django.db import migrations

from core.moves import moved_models_operation


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [
        moved_models_operation(from_app="businesses", to_app="onboarding", models=('onboarding', 'onboardingstep'))
    ]
