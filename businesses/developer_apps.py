"""Developer apps: registering one (the app, its secret) and recording its access level."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import AccessLevel, AppPermission, DeveloperApp
from businesses.models.base import meta_id_validator
from businesses.services import developer_app_set_secret

AMSA = "Ads Management Standard Access"


def developer_app_register(
    *, app_meta_id: str, name: str, access_level: str, actor: Actor, secret: str | None = None
) -> tuple[DeveloperApp, bool]:
    app_meta_id = (app_meta_id or "").strip()
    try:
        meta_id_validator(app_meta_id)
    except ValidationError as exc:
        raise ValidationError({"app_id": exc.messages}) from None
    if access_level not in AccessLevel.values:
        raise ValidationError({"access_level": f"Choose one of {', '.join(AccessLevel.values)}."})
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise ValidationError({"name": "The app needs a name of 1 to 255 characters."})
    with transaction.atomic():
        app, created = DeveloperApp.objects.select_for_update().get_or_create(
            meta_id=app_meta_id, defaults={"name": name, "access_level": access_level}
        )
        before = app.access_level
        app.name = name
        app.access_level = access_level
        app.full_clean()
        app.save()
        AppPermission.objects.update_or_create(
            app=app,
            name=AMSA,
            defaults={
                "kind": AppPermission.Kind.FEATURE,
                "access_level": access_level,
                "review_status": AppPermission.ReviewStatus.APPROVED
                if access_level == AccessLevel.ADVANCED
                else AppPermission.ReviewStatus.NOT_REQUESTED,
            },
        )
        audit_record(
            actor=actor,
            action="developerapp.register",
            business=app.owner_business,
            target=app,
            summary=f"{'Registered' if created else 'Updated'} app {app}; access level {access_level}.",
            changes={"access_level": [before, access_level]} if before != access_level else {},
        )
        if secret:
            developer_app_set_secret(app=app, secret=secret, actor=actor)
    return app, created


def access_level_change_effects(*, app: DeveloperApp, access_level: str) -> list[str]:
    """What changing the app's recorded access level changes in the portal, in words: the
    system-user caps of every business using the app. Meta decides the real level."""
    caps = settings.META_SYSTEM_USER_CAPS
    before, after = caps[app.access_level], caps[access_level]
    old, new = AccessLevel(app.access_level).label, AccessLevel(access_level).label
    used_by = app.businesses.count()
    return [
        f"{app.name}: {old} → {new}.",
        f"System users allowed per business: {before['EMPLOYEE']} → {after['EMPLOYEE']}; "
        f"admin system users: {before['ADMIN']} → {after['ADMIN']} "
        f"({used_by} business{'es' if used_by != 1 else ''} use this app).",
        "This only changes what the portal allows and counts. Meta decides the app's real "
        "level (App Review in the App Dashboard): if Meta has not granted it, Meta still "
        "refuses system users over its own cap.",
    ]


def developer_app_set_access_level(
    *, app: DeveloperApp, access_level: str, actor: Actor
) -> DeveloperApp:
    """Record the app's access level as Meta shows it (a confirmed staff action)."""
    if access_level not in AccessLevel.values:
        raise ValidationError({"access_level": f"Choose one of {', '.join(AccessLevel.values)}."})
    with transaction.atomic():
        locked = DeveloperApp.objects.select_for_update().get(pk=app.pk)
        before = locked.access_level
        if before == access_level:
            return locked
        locked.access_level = access_level
        locked.save(update_fields=["access_level", "updated_at"])
        AppPermission.objects.filter(app=locked, name=AMSA).update(access_level=access_level)
        audit_record(
            actor=actor,
            action="developerapp.access_level",
            business=locked.owner_business,
            target=locked,
            summary=f"Access level of {locked} set to {access_level} (was {before}); Meta decides "
            "the real level.",
            changes={"access_level": [before, access_level]},
        )
    return locked
