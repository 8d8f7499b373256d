from django.db import migrations

# A frozen copy of the seed vocabulary at the time of this migration; later changes to the
# vocabulary are data edits in the admin, not code.
from assets.vocabulary import PRESETS, TASKS


def seed(apps, schema_editor):
    TaskDefinition = apps.get_model("assets", "TaskDefinition")
    TaskPreset = apps.get_model("assets", "TaskPreset")
    for kind, tasks in TASKS.items():
        for name, label in tasks:
            TaskDefinition.objects.get_or_create(asset_kind=kind, name=name, defaults={"label": label})
    for slug, (label, description, per_kind) in PRESETS.items():
        for kind, tasks in per_kind.items():
            TaskPreset.objects.get_or_create(
                slug=slug,
                asset_kind=kind,
                defaults={"label": label, "description": description, "tasks": tasks},
            )


class Migration(migrations.Migration):
    dependencies = [("assets", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
