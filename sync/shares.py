"""Partner shares: which partner businesses this business's own assets are shared with.

Read per owned asset (its agencies, a per-asset edge). The share is stored as the partner's
access to the asset when the partner is in the portal; a share Meta no longer lists on an
asset whose answer came back is marked withdrawn."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from assets.models import SHAREABLE_KINDS, AssetAccess, PushState
from graph import GraphError
from graph import operations as ops
from sync.context import SyncContext
from sync.models import DriftEvent
from sync.writes import IN_CHUNK

# A partner's listed share of one asset: (asset pk, access status, permitted tasks).
ShareRow = tuple[int, str, list[str]]


def partner_shares_sync(ctx: SyncContext) -> None:
    """Which partner businesses this business's own assets are shared with."""
    with ctx.edges.section():
        _partner_shares_read(ctx)


def _partner_shares_read(ctx: SyncContext) -> None:
    for chunk in ctx.edges.owned_assets(SHAREABLE_KINDS, only_owned=True):
        owned = [(pk, meta) for pk, meta, _ in chunk]
        results = ops.read_asset_agencies(ctx.client, [meta for _, meta in owned])
        pks = dict((meta, pk) for pk, meta in owned)
        rows_by_business: dict[int, list[ShareRow]] = defaultdict(list)
        answered: set[int] = set()
        for asset_meta, result in results.items():
            if isinstance(result, GraphError):
                ctx.answer_failed(result, f"Partner shares of {asset_meta}")
                ctx.edges.failed.add(pks[asset_meta])
                continue
            answered.add(pks[asset_meta])
            for share in result:
                partner = ctx.known_businesses.get(share.business_id)
                if partner is None or partner == ctx.business.pk:
                    continue
                status = (share.access_status or AssetAccess.AccessStatus.CONFIRMED).upper()
                if status not in AssetAccess.AccessStatus.values:
                    status = AssetAccess.AccessStatus.PENDING
                rows_by_business[partner].append(
                    (pks[asset_meta], status, sorted(share.permitted_tasks))
                )
        for partner_pk, rows in rows_by_business.items():
            existing = {
                a.asset_id: a
                for a in AssetAccess.objects.filter(
                    business_id=partner_pk, asset_id__in=[r[0] for r in rows]
                ).select_related("asset", "business")
            }
            new_shares = [
                AssetAccess(
                    asset_id=asset_pk,
                    business_id=partner_pk,
                    access_type=AssetAccess.AccessType.AGENCY,
                    access_status=status,
                    permitted_tasks=tasks,
                )
                for asset_pk, status, tasks in rows
                if asset_pk not in existing
            ]
            AssetAccess.objects.bulk_create(new_shares, ignore_conflicts=True)
            ctx.run.created_count += len(new_shares)
            changed_shares: list[AssetAccess] = []
            for asset_pk, status, tasks in rows:
                access = existing.get(asset_pk)
                if access is None:
                    continue
                if access.push_state == PushState.IN_SYNC and (
                    access.permitted_tasks != tasks
                    or access.access_status != status
                    or access.removed_at
                ):
                    access.permitted_tasks = tasks
                    access.access_status = status
                    access.removed_at = None
                    access.updated_at = timezone.now()
                    changed_shares.append(access)
                    ctx.run.updated_count += 1
                    ctx.note(
                        DriftEvent.Kind.SHARE_CHANGED,
                        f"Share of {access.asset} with {access.business.name} changed to "
                        f"{', '.join(tasks)}.",
                        asset_pk=asset_pk,
                        tasks=list(tasks),
                    )
            AssetAccess.objects.bulk_update(
                changed_shares,
                ["permitted_tasks", "access_status", "removed_at", "updated_at"],
                batch_size=IN_CHUNK,
            )
        _withdrawn_shares_sweep(ctx, answered, rows_by_business)
        ctx.edges.stamp(answered)
        ctx.progress(0)


def _withdrawn_shares_sweep(
    ctx: SyncContext, answered: set[int], listed: dict[int, list[ShareRow]]
) -> None:
    """A partner share Meta no longer lists on an asset whose answer came back complete was
    withdrawn (also a pending one the client never approved): mark it removed. Shares the
    portal is still pushing are left to the push."""
    still = {(asset_pk, partner) for partner, rows in listed.items() for asset_pk, *_ in rows}
    live = AssetAccess.objects.filter(
        asset_id__in=answered,
        access_type=AssetAccess.AccessType.AGENCY,
        removed_at__isnull=True,
        push_state=PushState.IN_SYNC,
    ).exclude(business=ctx.business)
    gone = [a.pk for a in live if (a.asset_id, a.business_id) not in still]
    if gone and ctx.removal_is_safe(len(gone), live.count(), "partner shares"):
        now = timezone.now()
        AssetAccess.objects.filter(pk__in=gone).update(removed_at=now, updated_at=now)
        ctx.run.removed_count += len(gone)
        for _ in gone:
            ctx.note(DriftEvent.Kind.SHARE_CHANGED, "A partner share was withdrawn in Meta.")
