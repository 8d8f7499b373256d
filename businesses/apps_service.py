"""Developer app registration (the app, its secret and its access level)."""

from __future__ import annotations

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
