from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENCY_ADMIN = "Agency admin"
ACCOUNT_MANAGER = "Account manager"
AUDITOR = "Auditor (read-only)"

APPS = ("businesses", "assets", "systemusers")
# Account managers run clients day to day; they do not register apps or rotate secrets.
ACCOUNT_MANAGER_EXCLUDED = {"delete_developerapp", "add_developerapp", "change_developerapp",
                            "delete_business", "delete_auditevent", "change_auditevent",
                            "add_auditevent", "delete_graphcall", "change_graphcall", "add_graphcall"}


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; make them now so groups can hold them.
    for app_label in APPS:
        create_permissions(global_apps.get_app_config(app_label), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.filter(content_type__app_label__in=APPS)
    admin, _ = Group.objects.get_or_create(name=AGENCY_ADMIN)
    admin.permissions.set(ours)
    manager, _ = Group.objects.get_or_create(name=ACCOUNT_MANAGER)
    manager.permissions.set(ours.exclude(codename__in=ACCOUNT_MANAGER_EXCLUDED))
    auditor, _ = Group.objects.get_or_create(name=AUDITOR)
    auditor.permissions.set(ours.filter(codename__startswith="view_"))


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0002_initial"),
        ("assets", "0002_initial"),
        ("systemusers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
