"""What each step of a run does in Meta, and what it records. On Behalf Of:
managed_business → system_user → partner → assets:<kind> / asset:<kind>:<id> → sync.
Client grants: client_login → asset:<kind>:<id> → partner → connection → sync."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from assets.models import Asset, AssetAccess, Grant, PushState
from businesses.audit import audit_record
from businesses.connect import business_connect
from businesses.models import AccessToken, PartnerRelationship
from graph import operations as ops
from graph.types import AssetNode
from onboarding.models import Onboarding, OnboardingStep
from onboarding.services.context import RunContext, Waiting, step_set
from onboarding.services.plan import asset_step, kind_label, tasks_text
from sync.services import business_sync_request
from systemusers.models import SystemUser
from systemusers.obo import (
    obo_asset_assign,
    obo_partner_record,
    obo_relationship_create,
    obo_scopes,
    obo_system_user,
    obo_system_user_create,
)

Step = OnboardingStep.Status


def run_step(ctx: RunContext, step: OnboardingStep) -> str:
    key = step.key
    if key == "managed_business":
        return _step_managed_business(ctx)
    if key == "system_user":
        return _step_system_user(ctx)
    if key == "partner":
        return _step_partner(ctx)
    if key == "client_login":
        return _step_client_login(ctx)
    if key == "connection":
        return _step_connection(ctx)
    if key == "sync":
        return _step_sync(ctx)
    if key.startswith("assets:"):
        return _step_discover(ctx, step)
    if key.startswith("asset:"):
        if ctx.onboarding.method == Onboarding.Method.ON_BEHALF_OF:
            return _step_assign(ctx, step)
        return _step_share(ctx, step)
    raise ValueError(f"Unknown onboarding step {key!r}.")


def _step_managed_business(ctx: RunContext) -> str:
    token = ctx.user_token
    if token is None:
        raise Waiting(
            "Waiting for a client admin's user token: paste it in the wizard, or send the "
            "client's admin the Facebook Login link on this page."
        )
    name = obo_relationship_create(
        agency=ctx.agency, client=ctx.client, user_token=token, app=ctx.app
    )
    return f"Meta created the relationship with {name or ctx.client.name}."


def _obo_kinds(ctx: RunContext) -> list[str]:
    return [item["kind"] for item in ctx.onboarding.requested]


def _step_system_user(ctx: RunContext) -> str:
    system_user = obo_system_user_create(
        agency=ctx.agency,
        client=ctx.client,
        app=ctx.app,
        scopes=obo_scopes(_obo_kinds(ctx)),
        actor=ctx.actor,
    )
    ctx.client.refresh_from_db()
    return (
        f"System user '{system_user.name}' ({system_user.meta_id}) created; its token is the "
        f"client's connection."
    )


def _step_partner(ctx: RunContext) -> str:
    if ctx.onboarding.method == Onboarding.Method.ON_BEHALF_OF:
        obo_partner_record(agency=ctx.agency, client=ctx.client, actor=ctx.actor)
        return "Active, On Behalf Of."
    confirmed = AssetAccess.objects.filter(
        business=ctx.agency,
        asset__owner_business=ctx.client,
        access_status=AssetAccess.AccessStatus.CONFIRMED,
        removed_at__isnull=True,
    ).exists()
    status = PartnerRelationship.Status.ACTIVE if confirmed else PartnerRelationship.Status.PENDING
    with transaction.atomic():
        relationship, _ = PartnerRelationship.objects.update_or_create(
            agency=ctx.agency,
            client=ctx.client,
            defaults={"origin": PartnerRelationship.Origin.CLIENT_GRANT, "status": status},
        )
        audit_record(
            actor=ctx.actor,
            action="partner.client_grant",
            business=ctx.client,
            target=relationship,
            summary=f"{ctx.client.name} shares assets with {ctx.agency.name} "
            f"({relationship.get_status_display().lower()}).",
        )
    if not confirmed:
        raise Waiting(
            "Waiting until at least one shared asset is confirmed (an admin of the agency "
            "accepts new shares in Meta Business Settings → Requests)."
        )
    return "Active: the client shares assets with the agency."


def _step_client_login(ctx: RunContext) -> str:
    # Done by onboarding_client_share when the client confirms on our page; until then the
    # onboarding waits for them.
    raise Waiting(
        "Waiting for the client's admin: send them the Login link on this page. They log in, "
        "tick the assets to share and confirm."
    )


def _step_connection(ctx: RunContext) -> str:
    token = ctx.user_token
    if token is None:
        if AccessToken.objects.filter(
            business=ctx.client, purpose=AccessToken.Purpose.CONNECTION, is_active=True
        ).exists():
            return "The client already has a connection token."
        raise Waiting(
            "No token for the client's own Business Manager yet: the client's admin can log in "
            "with the link on this page (the agency still reaches the shared assets)."
        )
    business_connect(
        business_meta_id=ctx.client.meta_id,
        app=ctx.app,
        token=token,
        actor=ctx.actor,
        name=ctx.client.name,
        staff=ctx.onboarding.created_by,
    )
    return "The client admin's long-lived token is the client's connection."


def _step_sync(ctx: RunContext) -> str:
    run = business_sync_request(business=ctx.client, trigger="onboarding", actor=ctx.actor)
    return f"Sync #{run.pk} queued; the client's assets appear when it finishes."


def _step_discover(ctx: RunContext, step: OnboardingStep) -> str:
    """Expand "every <kind> the client owns" into one step per asset, with the client's token."""
    kind = step.asset_kind
    graph = ctx.user_graph()
    nodes = list(ops.iter_assets(graph, ctx.client.meta_id, kind, "owned"))
    how = (
        "system user gets"
        if ctx.onboarding.method == Onboarding.Method.ON_BEHALF_OF
        else "agency gets"
    )
    existing = set(ctx.onboarding.steps.values_list("key", flat=True))
    new = []
    for node in nodes:
        if f"asset:{kind}:{node.id}" in existing:
            continue
        new_step = asset_step(ctx.onboarding, kind, node.id, step.tasks, step.position, how)
        new_step.label = (
            f"{kind_label(kind)} '{node.name}' ({node.id}): {how} {tasks_text(kind, step.tasks)}"
        )
        new_step.data = {"name": node.name}
        new.append(new_step)
    OnboardingStep.objects.bulk_create(new)
    if not nodes:
        return f"The client owns no {kind_label(kind).lower()}s."
    return f"Found {len(nodes)} {kind_label(kind).lower()}{'s' if len(nodes) != 1 else ''}."


def _step_assign(ctx: RunContext, step: OnboardingStep) -> str:
    system_user = obo_system_user(ctx.client)
    if system_user is None or not system_user.meta_id:
        raise Waiting("Waits for the client's system user.")
    token = ctx.user_token
    if token is None:
        raise Waiting("Waiting for the client admin's user token to assign assets.")
    applied = obo_asset_assign(
        client=ctx.client,
        system_user=system_user,
        asset_id=step.asset_meta_id,
        tasks=step.tasks,
        user_token=token,
        app=ctx.app,
    )
    onboarding_record_asset(
        ctx=ctx,
        kind=step.asset_kind,
        asset_id=step.asset_meta_id,
        name=step.data.get("name", ""),
        system_user=system_user,
        tasks=step.tasks,
        applied=applied,
    )
    return f"Applied: {tasks_text(step.asset_kind, applied)}."


def _agency_sees(ctx: RunContext, kind: str) -> dict[str, AssetNode]:
    """The client's assets of one kind the agency has access to, by id (one listing per kind)."""
    if kind not in ctx.listings:
        ctx.listings[kind] = {
            node.id: node
            for node in ops.iter_assets(ctx.agency_graph(), ctx.agency.meta_id, kind, "client")
        }
    return ctx.listings[kind]


def _step_share(ctx: RunContext, step: OnboardingStep) -> str:
    """Client grants: with the client admin's token, share from the owner's side (POST
    /{asset}/agencies, DOMAIN decision 7); without it, look whether the client shared it."""
    kind, asset_id, tasks = step.asset_kind, step.asset_meta_id, step.tasks
    needs_approval = False
    if ctx.user_token is not None and not step.data.get("shared"):
        # A preset never takes away what the agency is already permitted on the asset: send
        # the union (the agencies POST sets the permitted tasks, like assigned_users).
        shared = _agency_sees(ctx, kind).get(asset_id)
        held = list(shared.permitted_tasks) if shared is not None else []
        needs_approval = ops.share_with_agency(
            ctx.user_graph(), asset_id, ctx.agency.meta_id, list(dict.fromkeys([*held, *tasks]))
        )
        step_set(step, Step.RUNNING, "", shared=True)
    node = _agency_sees(ctx, kind).get(asset_id)
    if node is None:
        # The listing above was read before this share; read once more for this asset.
        ctx.listings.pop(kind, None)
        node = _agency_sees(ctx, kind).get(asset_id)
    # client_* edges list only assets the agency holds; a request waits in pending_client_*.
    if node is None:
        if needs_approval or step.data.get("shared"):
            raise Waiting(
                f"Shared; waiting for an admin of {ctx.agency.name} to accept it in Meta "
                "Business Settings → Requests."
            )
        raise Waiting(
            f"Waiting for the client to share it with Business ID {ctx.agency.meta_id} "
            f"({tasks_text(kind, tasks)})."
        )
    missing = set(tasks) - set(node.permitted_tasks)
    if node.permitted_tasks and missing:
        raise ValueError(
            f"Shared with {tasks_text(kind, node.permitted_tasks)}, but "
            f"{tasks_text(kind, sorted(missing))} "
            "is missing: ask the client to share it again with the full access."
        )
    onboarding_record_asset(
        ctx=ctx,
        kind=kind,
        asset_id=asset_id,
        name=node.name,
        permitted=list(node.permitted_tasks) or tasks,
    )
    return f"Shared with the agency: {tasks_text(kind, node.permitted_tasks or tasks)}."


def onboarding_record_asset(
    *,
    ctx: RunContext,
    kind: str,
    asset_id: str,
    name: str = "",
    system_user: SystemUser | None = None,
    tasks: list[str] | None = None,
    applied: list[str] | None = None,
    permitted: list[str] | None = None,
) -> Asset:
    """Record what onboarding just did in Meta (read back), so the asset shows up before the
    first sync finishes; the sync upserts the same rows by the same keys."""
    now = timezone.now()
    with transaction.atomic():
        asset, _ = Asset.objects.get_or_create(
            kind=kind,
            meta_id=asset_id,
            defaults={
                "name": name,
                "owner_business": ctx.client,
                "owner_meta_id": ctx.client.meta_id,
                "last_seen_at": now,
            },
        )
        if name and not asset.name:
            asset.name = name
            asset.save(update_fields=["name", "updated_at"])
        AssetAccess.objects.get_or_create(
            asset=asset,
            business=ctx.client,
            defaults={"access_type": AssetAccess.AccessType.OWNER},
        )
        if permitted is not None:
            AssetAccess.objects.update_or_create(
                asset=asset,
                business=ctx.agency,
                defaults={
                    "access_type": AssetAccess.AccessType.AGENCY,
                    "access_status": AssetAccess.AccessStatus.CONFIRMED,
                    "permitted_tasks": permitted,
                    "removed_at": None,
                },
            )
        if system_user is not None:
            grant = (
                Grant.objects.filter(asset=asset, system_user=system_user, asset_group=None)
                .exclude(push_state=PushState.REMOVED)
                .first()
            ) or Grant(asset=asset, system_user=system_user, business=ctx.client)
            grant.tasks = tasks or []
            grant.applied_tasks = applied or []
            grant.push_state = PushState.IN_SYNC
            grant.push_error = ""
            grant.last_pushed_at = grant.verified_at = now
            grant.save()
        audit_record(
            actor=ctx.actor,
            action="onboarding.asset",
            business=ctx.client,
            target=asset,
            summary=(
                f"Onboarding: {system_user.name} holds {', '.join(applied or [])} on {asset}."
                if system_user is not None
                else f"Onboarding: {ctx.agency.name} has {', '.join(permitted or [])} on {asset}."
            ),
        )
    return asset
