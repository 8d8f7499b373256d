"""Staff groups, second pass: the Onboarding admin was added after the groups were made, so no
group could open it (403 for everyone); account managers could add or delete any staff user's
assignments and read the Graph call ledger, which spans every client."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENCY_ADMIN = "Agency admin"
ACCOUNT_MANAGER = "Account manager"
AUDITOR = "Auditor (read-only)"

ONBOARDING_MODELS = ("onboarding", "onboardingstep")
# Who may see which client is decided by assignments: only agency admins change them.
MANAGER_REVOKED = (
    "add_staffassignment",
    "change_staffassignment",
    "delete_staffassignment",
    "view_graphcall",
)


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("businesses"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    onboarding = Permission.objects.filter(
        content_type__app_label="businesses", content_type__model__in=ONBOARDING_MODELS
    )
    groups = {g.name: g for g in Group.objects.filter(name__in=[AGENCY_ADMIN, ACCOUNT_MANAGER, AUDITOR])}
    if AGENCY_ADMIN in groups:
        groups[AGENCY_ADMIN].permissions.add(*onboarding)
    if ACCOUNT_MANAGER in groups:
        groups[ACCOUNT_MANAGER].permissions.add(*onboarding)
        groups[ACCOUNT_MANAGER].permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="businesses", codename__in=MANAGER_REVOKED
            )
        )
    if AUDITOR in groups:
        groups[AUDITOR].permissions.add(*onboarding.filter(codename__startswith="view_"))


class Migration(migrations.Migration):
    dependencies = [("businesses", "0004_onboarding")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
