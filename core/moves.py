"""What a model keeps when it moves from one app to another: its content type (so admin history
and group permissions follow it) and the audit rows that name it. Used by data migrations."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS_WITH_EVERY_PERMISSION = ("Agency admin", "Account manager")
GROUP_WITH_VIEW_ONLY = "Auditor (read-only)"


def moved_models_follow(
    apps: Any, *, from_app: str, to_app: str, models: tuple[str, ...], global_app_config: Any
) -> None:
    """Point the content types and audit rows of ``models`` at ``to_app``.

    A database that had the models under ``from_app`` keeps its content types (renamed, so the
    permissions the staff groups hold follow them unchanged). A fresh database never made them
    under ``from_app``: there the permissions are created and given to the staff groups as the
    earlier group migrations did (agency admins and account managers all, auditors view only).
    """
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    audit_event_model = apps.get_model("businesses", "AuditEvent")

    renamed = False
    for model in models:
        old = content_type_model.objects.filter(app_label=from_app, model=model).first()
        new = content_type_model.objects.filter(app_label=to_app, model=model).first()
        if old is not None and new is None:
            old.app_label = to_app
            old.save(update_fields=["app_label"])
            renamed = True
        elif old is not None and new is not None:
            # Both exist (post_migrate ran in between): keep the new one, move who held what.
            for perm in permission_model.objects.filter(content_type=old):
                twin = permission_model.objects.filter(
                    content_type=new, codename=perm.codename
                ).first()
                if twin is not None:
                    for group in perm.group_set.all():
                        group.permissions.add(twin)
            old.delete()
            renamed = True
        audit_event_model.objects.filter(target_type=f"{from_app}.{model}").update(
            target_type=f"{to_app}.{model}"
        )

    if renamed:
        return
    create_permissions(global_app_config, verbosity=0, apps=apps)
    ours = permission_model.objects.filter(
        content_type__app_label=to_app, content_type__model__in=models
    )
    for group in group_model.objects.filter(name__in=GROUPS_WITH_EVERY_PERMISSION):
        group.permissions.add(*ours)
    for group in group_model.objects.filter(name=GROUP_WITH_VIEW_ONLY):
        group.permissions.add(*ours.filter(codename__startswith="view_"))


def moved_models_return(apps: Any, *, from_app: str, to_app: str, models: tuple[str, ...]) -> None:
    """The way back (unapplying the move): content types and audit rows name ``from_app`` again."""
    content_type_model = apps.get_model("contenttypes", "ContentType")
    audit_event_model = apps.get_model("businesses", "AuditEvent")
    content_type_model.objects.filter(app_label=to_app, model__in=models).update(app_label=from_app)
    for model in models:
        audit_event_model.objects.filter(target_type=f"{to_app}.{model}").update(
            target_type=f"{from_app}.{model}"
        )


def moved_models_operation(
    *, from_app: str, to_app: str, models: tuple[str, ...]
) -> migrations.RunPython:
    """The data migration of a move, both ways: ``moved_models_follow`` / ``moved_models_return``."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        moved_models_follow(
            apps,
            from_app=from_app,
            to_app=to_app,
            models=models,
            global_app_config=global_apps.get_app_config(to_app),
        )

    def backwards(apps: Any, schema_editor: Any) -> None:
        moved_models_return(apps, from_app=from_app, to_app=to_app, models=models)

    return migrations.RunPython(forwards, backwards)
