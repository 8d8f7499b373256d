"""Business On Behalf Of (DOMAIN.md §4): the agency creates the relationship with a client's
Business Manager, a system user in the client's business, installs its app there and keeps
that system user's token as the client's connection.

Each function is one idempotent step of onboarding and calls Meta outside any transaction:

1. ``obo_relationship_create`` — POST /{agency}/managed_businesses?existing_client_business_id=
   with the client admin's user token;
2. ``obo_system_user_create`` — the cap slot is reserved first (``system_user_reserve``), then
   POST /{client}/access_token?app_id=&scope= with the agency's admin-system-user connection
   token, GET /me with the new token, and the token stored encrypted as the client's connection
   (kind SYSTEM_USER); on Meta's refusal the slot is released;
3. ``obo_partner_record`` — PartnerRelationship(origin=on_behalf_of, status=active);
4. ``obo_asset_assign`` — POST /{asset}/assigned_users (the system user, the preset's tasks)
   with the client admin's token, read back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assets.models import AssetKind
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.connect import business_connect
from businesses.graph_access import business_client, graph_client
from businesses.models import AccessToken, Business, DeveloperApp, PartnerRelationship
from graph import GraphError
from graph import operations as ops
from systemusers.models import SystemUser
from systemusers.push import system_user_mark_created, system_user_release
from systemusers.services import system_user_reserve

BASE_SCOPES = ("business_management", "ads_management", "ads_read")
# Extra scopes the client's system user needs for some kinds of assets (DOMAIN §3.5 list).
KIND_SCOPES = {
    AssetKind.PAGE: ("pages_show_list", "pages_read_engagement"),
    AssetKind.CATALOG: ("catalog_management",),
    AssetKind.INSTAGRAM_ACCOUNT: ("instagram_basic",),
}


def obo_scopes(kinds: list[str]) -> list[str]:
    scopes = list(BASE_SCOPES)
    for kind in kinds:
        for scope in KIND_SCOPES.get(kind, ()):
            if scope not in scopes:
                scopes.append(scope)
    return scopes


def obo_system_user_name(client: Business) -> str:
    # Meta's own default name for the On Behalf Of system user (DOMAIN §4 step 2).
    return f"{client.name} SYSTEM USER"[:255]


def obo_system_user(client: Business) -> SystemUser | None:
    """The client's On Behalf Of system user the portal holds, if any (failed ones excluded)."""
    return (
        SystemUser.objects.filter(business=client, origin=SystemUser.Origin.ON_BEHALF_OF)
        .exclude(status=SystemUser.Status.FAILED)
        .order_by("-pk")
        .first()
    )


def obo_system_user_reserve(*, client: Business, actor: Actor) -> SystemUser:
    """Reserve the client's cap slot for the On Behalf Of system user before anything is sent
    to Meta (it counts against the client business's cap); reuse one already held."""
    existing = obo_system_user(client)
    if existing is not None:
        return existing
    with transaction.atomic():
        system_user = system_user_reserve(
            business=client,
            name=obo_system_user_name(client),
            role=SystemUser.Role.EMPLOYEE,
            actor=actor,
        )
        system_user.origin = SystemUser.Origin.ON_BEHALF_OF
        system_user.save(update_fields=["origin", "updated_at"])
    return system_user


def obo_relationship_create(
    *, agency: Business, client: Business, user_token: str, app: DeveloperApp
) -> str:
    """Step 1. Meta answers with the client business; re-sending for an existing relationship
    changes nothing, so a retry is safe."""
    with graph_client(token=user_token, app=app, business_meta_id=client.meta_id) as (graph, _):
        node = ops.create_managed_business(graph, agency.meta_id, client.meta_id)
    return node.name


def obo_system_user_create(
    *,
    agency: Business,
    client: Business,
    app: DeveloperApp,
    scopes: list[str],
    actor: Actor,
) -> SystemUser:
    """Step 2 and 3: create the client's system user with its token and keep the token.

    1. Hold a cap slot (reserve, or reuse the reservation of an earlier attempt).
    2. POST /{client}/access_token with the agency's connection (its admin system user):
       Meta installs the app in the client's business and creates the system user.
    3. GET /me with the new token: the system user's id.
    4. Check and store the token as the client's connection (encrypted), mark the system user
       created and link the token to it.
    A refusal by Meta in 2 releases the slot; the caller records Meta's words."""
    system_user = obo_system_user_reserve(client=client, actor=actor)
    if system_user.status == SystemUser.Status.ACTIVE and system_user.meta_id:
        active = AccessToken.objects.filter(
            business=client, purpose=AccessToken.Purpose.CONNECTION, is_active=True, is_valid=True
        ).exists()
        if active:
            return system_user
    try:
        with business_client(agency) as (graph, _):
            token = ops.create_client_system_user_token(graph, client.meta_id, app.meta_id, scopes)
        with graph_client(token=token, app=app, business_meta_id=client.meta_id) as (graph, _):
            su_id, su_name = ops.get_me(graph)
    except GraphError as err:
        if system_user.status == SystemUser.Status.RESERVED:
            system_user_release(system_user=system_user, reason=err.describe(), actor=actor)
        raise
    business_connect(
        business_meta_id=client.meta_id, app=app, token=token, actor=actor, name=client.name
    )
    with transaction.atomic():
        system_user.refresh_from_db()
        if su_name and su_name != system_user.name:
            system_user.name = su_name[:255]
            system_user.save(update_fields=["name", "updated_at"])
        if system_user.status == SystemUser.Status.RESERVED:
            try:
                with transaction.atomic():
                    system_user_mark_created(system_user=system_user, meta_id=su_id, actor=actor)
            except (IntegrityError, ValidationError):
                # A sync already recorded this system user from Meta: adopt that row and give
                # the reserved slot back, so it is not counted twice.
                system_user_release(
                    system_user=system_user, reason="already known from a sync", actor=actor
                )
                system_user = SystemUser.objects.get(business=client, meta_id=su_id)
                system_user.origin = SystemUser.Origin.ON_BEHALF_OF
                system_user.save(update_fields=["origin", "updated_at"])
        AccessToken.objects.filter(
            business=client, purpose=AccessToken.Purpose.CONNECTION, is_active=True
        ).update(system_user=system_user, meta_user_id=su_id)
    return system_user


def obo_partner_record(*, agency: Business, client: Business, actor: Actor) -> PartnerRelationship:
    """Step 4 in the portal: the relationship Meta now holds, as a row."""
    with transaction.atomic():
        relationship, created = PartnerRelationship.objects.get_or_create(
            agency=agency,
            client=client,
            defaults={
                "origin": PartnerRelationship.Origin.ON_BEHALF_OF,
                "status": PartnerRelationship.Status.ACTIVE,
            },
        )
        if not created:
            relationship.origin = PartnerRelationship.Origin.ON_BEHALF_OF
            relationship.status = PartnerRelationship.Status.ACTIVE
            relationship.save(update_fields=["origin", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="partner.on_behalf_of",
            business=client,
            target=relationship,
            summary=f"{agency.name} manages {client.name} On Behalf Of.",
        )
    return relationship


def obo_asset_assign(
    *,
    client: Business,
    system_user: SystemUser,
    asset_id: str,
    tasks: list[str],
    user_token: str,
    app: DeveloperApp,
) -> list[str]:
    """Give the client's system user ``tasks`` on one client asset with the client admin's
    token (DOMAIN §4 step 4), then read back what Meta holds. Returns the applied tasks;
    raises ValueError when Meta holds fewer than asked."""
    with graph_client(token=user_token, app=app, business_meta_id=client.meta_id) as (graph, _):
        # Meta's POST replaces the holder's task list: send what it holds plus the preset,
        # so a preset never takes a task away (the grant service's ADD rule).
        before = ops.read_assigned_users(graph, client.meta_id, [asset_id]).get(asset_id)
        if isinstance(before, GraphError):
            raise before
        held = next((u for u in before or [] if u.id == system_user.meta_id), None)
        union = list(dict.fromkeys([*(held.tasks if held else []), *tasks]))
        ops.assign_user(graph, asset_id, system_user.meta_id, union, client.meta_id)
        read = ops.read_assigned_users(graph, client.meta_id, [asset_id]).get(asset_id)
    if isinstance(read, GraphError):
        raise read
    holder = next((u for u in read or [] if u.id == system_user.meta_id), None)
    applied = list(holder.tasks) if holder else []
    # Meta may add implied tasks: a superset counts as applied (DOMAIN decision 6).
    if not set(union) <= set(applied):
        raise ValueError(
            f"Meta holds {', '.join(applied) or 'no tasks'} for the system user, not "
            f"{', '.join(tasks)}."
        )
    return applied
