from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_GROUPS = ("Agency admin", "Account manager", "Auditor (read-only)")


def grant(apps, schema_editor):
    """Every staff group reads which of its clients' ad accounts are live (scoped by the admin,
    read-only: the rows are written only by the scheduled read)."""
    create_permissions(global_apps.get_app_config("liveaccounts"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(
        content_type__app_label="liveaccounts", codename="view_accountactivity"
    )
    for group in Group.objects.filter(name__in=STAFF_GROUPS):
        group.permissions.add(*view)


class Migration(migrations.Migration):
    dependencies = [
        ("liveaccounts", "0001_account_activity"),
        ("businesses", "0003_staff_groups"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
