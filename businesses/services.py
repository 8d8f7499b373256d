"""Writes on businesses, people, apps and tokens. Every entry point calls these."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from businesses import crypto
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import AccessToken, Business, DeveloperApp, GraphCall, StaffAssignment

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Fields never written to the audit trail, whatever the model.
_SECRET_FIELDS = frozenset({"ciphertext", "secret_ciphertext", "last4", "secret_last4"})


def _business_of(obj: models.Model) -> Business | None:
    if isinstance(obj, Business):
        return obj
    business = getattr(obj, "business", None)
    if isinstance(business, Business):
        return business
    return getattr(obj, "owner_business", None)


def record_save(
    *, obj: models.Model, actor: Actor, created: bool, changed_fields: list[str] | None = None
) -> models.Model:
    """Validate and save a plain record (no Meta side effect) and write its audit row."""
    with transaction.atomic():
        obj.full_clean()
        obj.save()
        changes: dict[str, Any] = {
            name: str(getattr(obj, name, ""))
            for name in (changed_fields or [])
            if name not in _SECRET_FIELDS and not name.startswith("token")
        }
        verb = "Created" if created else "Changed"
        audit_record(
            actor=actor,
            action=f"{obj._meta.model_name}.{'create' if created else 'update'}",
            business=_business_of(obj),
            target=obj,
            summary=f"{verb} {obj._meta.verbose_name} {obj}.",
            changes=changes,
        )
    return obj


def record_delete(*, obj: models.Model, actor: Actor) -> None:
    with transaction.atomic():
        description = f"Deleted {obj._meta.verbose_name} {obj}."
        business = _business_of(obj)
        audit_record(
            actor=actor,
            action=f"{obj._meta.model_name}.delete",
            business=business,
            target=obj,
            summary=description,
        )
        obj.delete()


def staff_assign(*, user: User, business: Business, actor: Actor) -> StaffAssignment:
    """Let a staff member work on a business (they then see its rows). Assigning twice keeps the
    one assignment and records nothing new."""
    with transaction.atomic():
        assignment, created = StaffAssignment.objects.get_or_create(user=user, business=business)
        if created:
            audit_record(
                actor=actor,
                action="staffassignment.create",
                business=business,
                target=assignment,
                summary=f"Assigned {user.get_username()} to {business.name}.",
            )
    return assignment


def validate_token_text(token: str) -> str:
    token = (token or "").strip()
    if not token:
        raise ValidationError({"token": "The token is empty."})
    if any(ch.isspace() for ch in token) or len(token) < 20 or len(token) > 1024:
        raise ValidationError(
            {"token": "This is not a Meta access token (expected 20–1024 characters, no spaces)."}
        )
    return token


def developer_app_set_secret(*, app: DeveloperApp, secret: str, actor: Actor) -> DeveloperApp:
    secret = (secret or "").strip()
    if not secret or any(ch.isspace() for ch in secret) or len(secret) > 256:
        raise ValidationError({"secret": "The app secret is empty or malformed."})
    with transaction.atomic():
        app.set_secret(secret)
        app.save(update_fields=["secret_ciphertext", "secret_last4", "updated_at"])
        audit_record(
            actor=actor,
            action="developerapp.secret",
            business=app.owner_business,
            target=app,
            summary=f"Set the app secret of {app.name} (…{app.secret_last4}).",
        )
    return app


def token_store(
    *,
    token: str,
    kind: str,
    actor: Actor,
    business: Business | None = None,
    app: DeveloperApp | None = None,
    system_user_id: int | None = None,
    purpose: str = AccessToken.Purpose.CONNECTION,
    meta_user_id: str = "",
    scopes: list[str] | None = None,
    granular_scopes: list[dict[str, Any]] | None = None,
    issued_at: datetime | None = None,
    expires_at: datetime | None = None,
    verified_at: datetime | None = None,
) -> AccessToken:
    """Store a token encrypted. A new connection token for a business replaces the old one
    (kept, inactive, until revoked) in the same transaction.

    A system user's token names it by id: the kernel sits below the system-users app and
    never imports its model."""
    token = validate_token_text(token)
    if kind not in AccessToken.Kind.values:
        raise ValidationError({"kind": f"Unknown token kind {kind!r}."})
    with transaction.atomic():
        if business is not None and purpose == AccessToken.Purpose.CONNECTION:
            AccessToken.objects.filter(business=business, purpose=purpose, is_active=True).update(
                is_active=False
            )
        record = AccessToken(
            kind=kind,
            purpose=purpose,
            business=business,
            app=app,
            system_user_id=system_user_id,
            meta_user_id=meta_user_id,
            scopes=scopes or [],
            granular_scopes=granular_scopes or [],
            issued_at=issued_at,
            expires_at=expires_at,
            last_verified_at=verified_at,
        )
        record.set_token(token)
        record.save()
        audit_record(
            actor=actor,
            action="accesstoken.store",
            business=business,
            target=record,
            summary=f"Stored a {record.get_kind_display().lower()} token {record.masked}.",
        )
    return record


def secrets_rotate(*, actor: Actor, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every secret under the first key, all or nothing."""
    counts = {"tokens": 0, "app_secrets": 0}
    with transaction.atomic():
        for token in AccessToken.objects.only("pk", "ciphertext").iterator(chunk_size=batch_size):
            token.ciphertext = crypto.rotate(token.ciphertext)
            token.save(update_fields=["ciphertext"])
            counts["tokens"] += 1
        for app in DeveloperApp.objects.exclude(secret_ciphertext="").only(
            "pk", "secret_ciphertext"
        ):
            app.secret_ciphertext = crypto.rotate(app.secret_ciphertext)
            app.save(update_fields=["secret_ciphertext"])
            counts["app_secrets"] += 1
        audit_record(
            actor=actor,
            action="secrets.rotate",
            summary=f"Re-encrypted {counts['tokens']} tokens and {counts['app_secrets']} app secrets.",
        )
    return counts


def graph_calls_prune(*, keep_days: int, batch_size: int = 10_000) -> int:
    """Delete ledger rows older than ``keep_days`` in batches (short transactions, no long
    lock on a table every Graph call writes to). The eligibility rule needs 15 days."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted = 0
    while True:
        ids = list(
            GraphCall.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        deleted += GraphCall.objects.filter(pk__in=ids).delete()[0]
