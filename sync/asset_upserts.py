"""Writing what the listings hold: assets and this business's access to them.

Both are upserted in bulk per slice of a listing, writing only rows whose values changed. A
row changed in a listing has its per-asset edges read again in the same run (its access's
``edges_read_at`` is cleared)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from assets.models import Asset, AssetAccess, AssetKind, PushState
from graph.types import AssetNode
from sync.context import SyncContext
from sync.models import DriftEvent
from sync.writes import apply_changes

# One access row as a listing gives it: (asset pk, access type, access status, permitted
# tasks or None when the listing carries none, request id).
AccessRow = tuple[int, str, str, list[str] | None, str]


def assets_upsert(
    ctx: SyncContext,
    nodes: Iterable[AssetNode],
    kind: str,
    parent_id: int | None = None,
    owned: bool = False,
    parent_of: dict[str, int] | None = None,
) -> dict[str, int]:
    """Create or update assets from Meta; returns meta_id → pk. Writes only what changed.
    ``owned``: read from this business's owned_* listing, so it is the owner even where
    Meta's row names none (Instagram accounts carry no owner field). ``parent_of``: each
    node's parent pk by meta id (custom conversions of many ad accounts in one write)."""
    nodes = list(nodes)
    if not nodes:
        return {}
    if kind == AssetKind.INSTAGRAM_ACCOUNT:
        instagram_legacy_rows_adopt(ctx, nodes)
    existing = {
        a.meta_id: a for a in Asset.objects.filter(kind=kind, meta_id__in=[n.id for n in nodes])
    }
    now = timezone.now()
    to_create, to_update = [], []
    for node in nodes:
        if parent_of is not None:
            parent_id = parent_of.get(node.id)
        owner_meta = node.owner_business_id or (ctx.business.meta_id if owned else "")
        owner_pk = ctx.known_businesses.get(owner_meta)
        details = {k: v for k, v in node.extra.items() if isinstance(v, str | int | float | bool)}
        asset = existing.get(node.id)
        if asset is None:
            to_create.append(
                Asset(
                    kind=kind,
                    meta_id=node.id,
                    name=node.name[:255],
                    owner_business_id=owner_pk,
                    owner_meta_id=owner_meta,
                    parent_id=parent_id,
                    details=details,
                    last_seen_at=now,
                )
            )
            continue
        wanted: dict[str, Any] = {
            "name": node.name[:255] or asset.name,
            "owner_business_id": owner_pk if owner_meta else asset.owner_business_id,
            "owner_meta_id": owner_meta or asset.owner_meta_id,
            "details": {**asset.details, **details},
            "removed_at": None,
        }
        if parent_id is not None:
            wanted["parent_id"] = parent_id
        if apply_changes(asset, wanted, now):
            to_update.append(asset)
    with transaction.atomic():
        if to_create:
            Asset.objects.bulk_create(to_create, ignore_conflicts=True)
            ctx.run.created_count += len(to_create)
            for asset in to_create:
                if not ctx.first_sync:
                    ctx.note(
                        DriftEvent.Kind.ASSET_ADDED,
                        f"{asset.get_kind_display()} {asset.name} ({asset.meta_id}) appeared.",
                        asset=asset.meta_id,
                    )
        if to_update:
            Asset.objects.bulk_update(
                to_update,
                [
                    "name",
                    "owner_business",
                    "owner_meta_id",
                    "details",
                    "removed_at",
                    "parent",
                    "updated_at",
                ],
            )
            ctx.run.updated_count += len(to_update)
            # Changed in the listing: this business re-reads their edges in this run.
            AssetAccess.objects.filter(
                business=ctx.business, asset_id__in=[a.pk for a in to_update]
            ).update(edges_read_at=None)
    return dict(
        Asset.objects.filter(kind=kind, meta_id__in=[n.id for n in nodes]).values_list(
            "meta_id", "pk"
        )
    )


def instagram_legacy_rows_adopt(ctx: SyncContext, nodes: list[AssetNode]) -> None:
    """Instagram rows stored before the portal read InstagramBusinessAsset nodes carry the
    IGUser id as their Meta id. The asset node names that IGUser (`ig_user_id`): such a row
    takes the asset's id, keeping its grants, shares and history."""
    by_ig_user = {
        str(n.extra["ig_user_id"]): n.id
        for n in nodes
        if n.extra.get("ig_user_id") not in (None, "")
    }
    if not by_ig_user:
        return
    taken = set(
        Asset.objects.filter(
            kind=AssetKind.INSTAGRAM_ACCOUNT, meta_id__in=by_ig_user.values()
        ).values_list("meta_id", flat=True)
    )
    legacy = Asset.objects.filter(
        kind=AssetKind.INSTAGRAM_ACCOUNT, meta_id__in=list(by_ig_user)
    ).exclude(meta_id__in=by_ig_user.values())
    for asset in legacy:
        new_id = by_ig_user[asset.meta_id]
        if new_id in taken:
            continue
        Asset.objects.filter(pk=asset.pk).update(
            meta_id=new_id,
            details={**asset.details, "ig_user_id": asset.meta_id},
            updated_at=timezone.now(),
        )
        ctx.run.updated_count += 1


def accesses_upsert(ctx: SyncContext, rows: list[AccessRow]) -> None:
    """rows: (asset_pk, access_type, access_status, permitted_tasks, request_id); tasks are
    None when the listing does not carry them (pending requests): the known ones stay."""
    if not rows:
        return
    existing = {
        a.asset_id: a
        for a in AssetAccess.objects.filter(
            business=ctx.business, asset_id__in=[r[0] for r in rows]
        )
    }
    now = timezone.now()
    to_create, to_update = [], []
    for asset_pk, access_type, status, listed_tasks, request_id in rows:
        tasks = sorted(listed_tasks or []) if access_type == AssetAccess.AccessType.AGENCY else []
        access = existing.get(asset_pk)
        if access is None:
            to_create.append(
                AssetAccess(
                    asset_id=asset_pk,
                    business=ctx.business,
                    access_type=access_type,
                    access_status=status,
                    permitted_tasks=tasks,
                    request_meta_id=request_id,
                )
            )
            continue
        wanted: dict[str, Any] = {
            "access_type": access_type,
            "access_status": status,
            "request_meta_id": request_id,
            "removed_at": None,
        }
        # A share the portal is still pushing keeps its wanted tasks until it lands.
        if access.push_state in (PushState.IN_SYNC, PushState.REMOVED):
            if listed_tasks is not None:
                wanted["permitted_tasks"] = tasks
            wanted["push_state"] = PushState.IN_SYNC
        if apply_changes(access, wanted, now):
            access.edges_read_at = None  # changed in the listing: its edges are due now
            to_update.append(access)
    with transaction.atomic():
        if to_create:
            AssetAccess.objects.bulk_create(to_create, ignore_conflicts=True)
            ctx.run.created_count += len(to_create)
        if to_update:
            AssetAccess.objects.bulk_update(
                to_update,
                [
                    "access_type",
                    "access_status",
                    "request_meta_id",
                    "removed_at",
                    "permitted_tasks",
                    "push_state",
                    "updated_at",
                    "edges_read_at",
                ],
            )
            ctx.run.updated_count += len(to_update)
