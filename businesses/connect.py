"""Connecting a Business Manager: check the token with Meta, then store it encrypted.

The first sync is not requested here: the sync sits above the kernel, so whoever connects
(the admin page, ``connect_business``) asks for it once this returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import business_client, graph_client
from businesses.models import AccessToken, Business, DeveloperApp
from businesses.models.base import meta_id_validator
from businesses.services import staff_assign, token_store, validate_token_text
from graph import GraphError, NotFoundError, PermissionMissingError, TokenInfo
from graph import operations as ops
from graph.types import BusinessNode

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_KINDS = {kind.value for kind in AccessToken.Kind}


def _validate_meta_id(value: str, field: str = "business_meta_id") -> str:
    value = (value or "").strip()
    try:
        meta_id_validator(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return value


def token_inspect(*, token: str, app: DeveloperApp) -> TokenInfo:
    """Ask Meta (debug_token with the app token) what a token is and may do."""
    token = validate_token_text(token)
    if not app.has_secret:
        raise ValidationError(
            {"app": f"The app {app.name} has no secret on file; register it with its secret first."}
        )
    with graph_client(token=token, app=app) as (client, _ledger):
        try:
            info = client.debug_token(token, app_id=app.meta_id, app_secret=app.reveal_secret())
        except GraphError as err:
            raise ValidationError(
                {"token": f"Meta could not check the token. {err.describe()}"}
            ) from None
    if not info.is_valid:
        raise ValidationError({"token": "Meta says this token is not valid (expired or revoked)."})
    if info.app_id and info.app_id != app.meta_id:
        raise ValidationError(
            {
                "token": f"This token belongs to app {info.app_id}, not to {app.name} ({app.meta_id})."
            }
        )
    return info


def not_found_message(business_meta_id: str) -> str:
    return (
        f"Meta shows no Business Manager {business_meta_id} to this token: "
        "check the id, or ask the client to add the agency as a partner first."
    )


def business_lookup(
    *,
    agency: Business | None,
    business_meta_id: str,
    token: str | None = None,
    app: DeveloperApp | None = None,
) -> BusinessNode:
    """Read a Business Manager from Meta, with a given token or the agency's connection."""
    business_meta_id = _validate_meta_id(business_meta_id)
    try:
        if token is not None:
            with graph_client(token=token, app=app, business_meta_id=business_meta_id) as (
                client,
                _,
            ):
                return ops.get_business(client, business_meta_id)
        if agency is None:
            raise ValidationError({"business_meta_id": "No agency connection to look it up with."})
        with business_client(agency) as (client, _):
            return ops.get_business(client, business_meta_id)
    except (NotFoundError, PermissionMissingError):
        raise ValidationError({"business_meta_id": not_found_message(business_meta_id)}) from None
    except GraphError as err:
        raise ValidationError({"business_meta_id": err.describe()}) from None


def business_connect(
    *,
    business_meta_id: str,
    app: DeveloperApp,
    token: str,
    actor: Actor,
    is_agency: bool = False,
    name: str | None = None,
    staff: User | None = None,
) -> Business:
    """Check a token and the business it reaches, then keep both.

    1. debug_token: the token must be valid and belong to the app.
    2. Read the business node with the token: it must exist and be visible to it.
    3. In one transaction: create or update the Business, store the token encrypted as the
       business's connection (replacing the previous one), assign ``staff`` (the member
       connecting it, so they see it; superusers see everything and get none), and audit it."""
    business_meta_id = _validate_meta_id(business_meta_id)
    token = validate_token_text(token)
    info = token_inspect(token=token, app=app)
    node = business_lookup(agency=None, business_meta_id=business_meta_id, token=token, app=app)
    with transaction.atomic():
        business, created = Business.objects.select_for_update().get_or_create(
            meta_id=business_meta_id, defaults={"name": name or node.name, "app": app}
        )
        business.name = name or node.name or business.name
        business.app = app
        business.is_agency = business.is_agency or is_agency
        if node.verification_status:
            business.verification_status = node.verification_status
        if node.two_factor_type:
            business.two_factor_type = node.two_factor_type
        if node.timezone_id is not None:
            business.timezone_id = node.timezone_id
        business.vertical = node.vertical or business.vertical
        business.full_clean()
        business.save()
        if is_agency and app.owner_business_id is None:
            app.owner_business = business
            app.save(update_fields=["owner_business", "updated_at"])
        token_store(
            token=token,
            kind=info.type if info.type in _KINDS else AccessToken.Kind.USER,
            purpose=AccessToken.Purpose.CONNECTION,
            business=business,
            app=app,
            meta_user_id=info.user_id or "",
            scopes=list(info.scopes),
            granular_scopes=[
                {"scope": g.scope, "target_ids": list(g.target_ids)} for g in info.granular_scopes
            ],
            issued_at=info.issued_at,
            expires_at=info.expires_at,
            verified_at=timezone.now(),
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="business.connect",
            business=business,
            target=business,
            summary=f"{'Connected' if created else 'Reconnected'} {business}.",
            changes={"scopes": list(info.scopes)},
        )
        if staff is not None and not staff.is_superuser:
            staff_assign(user=staff, business=business, actor=actor)
    return business
