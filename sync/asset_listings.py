"""This business's assets as its listings give them: owned and client assets of every kind,
and its pending requests; then the sweep of the access it no longer holds.

Each (kind, access type) is one group of listings: the owned_* or client_* listing and, where
Meta has one, the pending_* listing of that kind. After every listing of a group was read to
the end, access rows the group did not list are marked removed (never after an error, and
never more than SYNC_MAX_REMOVAL_SHARE at once)."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from assets.models import Asset, AssetAccess, AssetKind
from graph import operations as ops
from graph.types import AssetNode
from sync.asset_upserts import AccessRow, accesses_upsert, assets_upsert
from sync.context import SyncContext
from sync.listings import ListingRead, pages
from sync.models import DriftEvent
from sync.writes import in_chunks, write_slices

OWNED_KINDS = (
    AssetKind.AD_ACCOUNT,
    AssetKind.PAGE,
    AssetKind.PIXEL,
    AssetKind.CATALOG,
    AssetKind.APP,
    AssetKind.INSTAGRAM_ACCOUNT,
)
CLIENT_KINDS = (
    AssetKind.AD_ACCOUNT,
    AssetKind.PAGE,
    AssetKind.PIXEL,
    AssetKind.CATALOG,
    AssetKind.APP,
    AssetKind.INSTAGRAM_ACCOUNT,
)
PENDING = (
    (AssetKind.AD_ACCOUNT, "owned"),
    (AssetKind.AD_ACCOUNT, "client"),
    (AssetKind.PAGE, "owned"),
    (AssetKind.PAGE, "client"),
    (AssetKind.APP, "client"),
)
# The access type a listing's relation (owned_* or client_* edges) stands for.
RELATION_ACCESS_TYPE = {
    "owned": AssetAccess.AccessType.OWNER,
    "client": AssetAccess.AccessType.AGENCY,
}
# (kind, access type) whose pending requests this business can list itself.
PENDING_LISTED = frozenset((kind, RELATION_ACCESS_TYPE[relation]) for kind, relation in PENDING)


class AccessListings:
    """The asset listings of one run, grouped by (kind, access type), and their sweep."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.reads: dict[tuple[str, str], ListingRead] = defaultdict(ListingRead)

    def assets_sync(self, kind: str, relation: str) -> None:
        """The business's owned or client assets of one kind, and its access to them."""
        access_type = RELATION_ACCESS_TYPE[relation]
        listing = self.reads[(kind, access_type)]
        confirmed = ListingRead()
        edge = ops.ASSET_EDGES[(kind, relation)]
        # Owned and client edges list assets the business holds (requests are in pending_*);
        # only some client edges carry the business's permitted tasks on each asset.
        lists_tasks = ops.edge_lists_tasks(edge)
        try:
            listed = self.ctx.listing_pages(
                edge,
                lambda: ops.iter_asset_pages(
                    self.ctx.client, self.ctx.business.meta_id, kind, relation
                ),
            )
            for nodes in write_slices(pages(listed, confirmed)):
                if relation == "owned":
                    # Some owned_* listings (offline event sets) also hold assets shared with
                    # the business: those are another business's, never this one's to own.
                    nodes = [n for n in nodes if self._owns(n)]
                ids = assets_upsert(self.ctx, nodes, kind, owned=relation == "owned")
                rows: list[AccessRow] = []
                for node in nodes:
                    tasks = list(node.permitted_tasks) if lists_tasks else None
                    rows.append(
                        (ids[node.id], access_type, AssetAccess.AccessStatus.CONFIRMED, tasks, "")
                    )
                    listing.seen.add(node.id)
                accesses_upsert(self.ctx, rows)
                self.ctx.progress(0)
        finally:
            # Recorded even when the listing failed, so its group cannot look complete.
            listing.part_done(confirmed.complete)

    def _owns(self, node: AssetNode) -> bool:
        return node.owner_business_id in (None, "", self.ctx.business.meta_id)

    def pending_sync(self, kind: str, relation: str) -> None:
        """The business's pending requests for assets of one kind (owned or client side)."""
        access_type = RELATION_ACCESS_TYPE[relation]
        listing = self.reads[(kind, access_type)]
        read = ListingRead()
        try:
            self._pending_read(kind, relation, access_type, listing, read)
        finally:
            # Recorded even when the listing failed, so its group cannot look complete.
            listing.part_done(read.complete)

    def _pending_read(
        self, kind: str, relation: str, access_type: str, listing: ListingRead, read: ListingRead
    ) -> None:
        for requests in pages(
            self.ctx.listing_pages(
                ops.PENDING_EDGES[(kind, relation)][0],
                lambda: ops.iter_pending_asset_pages(
                    self.ctx.client, self.ctx.business.meta_id, kind, relation
                ),
            ),
            read,
        ):
            nodes = [
                AssetNode(id=r.asset_id, kind=kind, name=r.asset_name or "")
                for r in requests
                if r.asset_id
            ]
            ids = assets_upsert(self.ctx, nodes, kind)
            rows: list[AccessRow] = []
            for request in requests:
                if not request.asset_id or request.asset_id in listing.seen:
                    continue  # already confirmed in the main listing
                rows.append(
                    (
                        ids[request.asset_id],
                        access_type,
                        AssetAccess.AccessStatus.PENDING,
                        None,  # a request carries no tasks; the owner's sync reads them
                        request.request_id,
                    )
                )
                listing.seen.add(request.asset_id)
            accesses_upsert(self.ctx, rows)

    def sweep(self) -> None:
        """Mark removed the access each complete group of listings no longer holds."""
        for (kind, access_type), listing in self.reads.items():
            live = AssetAccess.objects.filter(
                business=self.ctx.business,
                access_type=access_type,
                asset__kind=kind,
                removed_at__isnull=True,
            )
            if (kind, access_type) not in PENDING_LISTED:
                # This business cannot list its pending requests of this kind (the owner's
                # sync records them from the asset's agencies): its listings cover only
                # confirmed access, so only confirmed rows can be found missing.
                live = live.filter(access_status=AssetAccess.AccessStatus.CONFIRMED)
            if not listing.complete:
                continue
            # Compared in Python: the listing's ids would be one IN list as long as the listing.
            gone_pks = [
                pk
                for pk, asset_meta in live.values_list("pk", "asset__meta_id")
                if asset_meta not in listing.seen
            ]
            if not gone_pks:
                continue
            gone = [
                access
                for pks in in_chunks(gone_pks)
                for access in AssetAccess.objects.filter(pk__in=pks).select_related("asset")
            ]
            if not self.ctx.removal_is_safe(
                len(gone), live.count(), f"{access_type.lower()} {kind} assets"
            ):
                continue
            now = timezone.now()
            for pks in in_chunks(a.pk for a in gone):
                AssetAccess.objects.filter(pk__in=pks).update(removed_at=now, updated_at=now)
            self.ctx.run.removed_count += len(gone)
            for access in gone:
                self.ctx.note(
                    DriftEvent.Kind.ASSET_LOST,
                    f"{self.ctx.business.name} lost {access.get_access_type_display().lower()} access to {access.asset}.",
                    asset=access.asset.meta_id,
                )
            # An asset no business holds any more is gone from the portal's view.
            for pks in in_chunks(a.asset_id for a in gone):
                Asset.objects.filter(pk__in=pks).exclude(accesses__removed_at__isnull=True).update(
                    removed_at=now
                )
