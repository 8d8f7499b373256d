from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENCY_ADMIN = "Agency admin"


def grant(apps, schema_editor):
    """Agency admins may turn two-person approval on or off; nobody else (superusers aside)."""
    create_permissions(global_apps.get_app_config("approvals"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=AGENCY_ADMIN).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="approvals", codename="change_approvalpolicy"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_approval_requests"),
        ("businesses", "0003_staff_groups"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
