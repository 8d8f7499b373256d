"""The onboardings and their steps moved from the businesses app: their content types (admin history, the staff
groups' permissions) and the audit rows that name them follow them here."""

from django.apps import apps as global_apps
from django.db import migrations

from core.moves import moved_models_follow

MODELS = ('onboarding', 'onboardingstep')


def forwards(apps, schema_editor):
    moved_models_follow(
        apps,
        from_app="businesses",
        to_app="onboarding",
        models=MODELS,
        global_app_config=global_apps.get_app_config("onboarding"),
    )


def backwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("businesses", "AuditEvent")
    ContentType.objects.filter(app_label="onboarding", model__in=MODELS).update(app_label="businesses")
    for model in MODELS:
        AuditEvent.objects.filter(target_type=f"onboarding.{model}").update(
            target_type=f"businesses.{model}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
