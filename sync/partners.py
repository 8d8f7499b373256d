"""Partners: the business's clients and agencies that are businesses of the portal too."""

from __future__ import annotations

from django.utils import timezone

from businesses.models import PartnerRelationship
from graph import operations as ops
from sync.context import SyncContext
from sync.listings import ListingRead, pages


def partners_sync(ctx: SyncContext) -> None:
    """Partnerships with businesses in the portal, from both sides (clients and agencies).

    A partnership this side's listing no longer shows, read to its last page, was ended in
    Meta (by the other side, or in Business Settings): it is marked removed, which the home
    page's "Needs attention" and the partnership-ended alert report. Pending ones and On
    Behalf Of ones are left alone: Meta's reference does not say that either is listed on
    ``/{business}/clients`` or ``/agencies`` (Business "Clients" / "Agencies" edges)."""
    for listed, as_agency in (
        (
            ctx.listing_pages(
                "clients", lambda: ops.iter_client_pages(ctx.client, ctx.business.meta_id)
            ),
            True,
        ),
        (
            ctx.listing_pages(
                "agencies", lambda: ops.iter_agency_pages(ctx.client, ctx.business.meta_id)
            ),
            False,
        ),
    ):
        read = ListingRead()
        for nodes in pages(listed, read):
            for node in nodes:
                read.seen.add(node.id)
                other = ctx.known_businesses.get(node.id)
                if other is None or other == ctx.business.pk:
                    continue  # partners outside the portal are not modelled as rows
                agency_id, client_id = (
                    (ctx.business.pk, other) if as_agency else (other, ctx.business.pk)
                )
                pending = (node.access_status or "").upper().endswith("PENDING")
                status = (
                    PartnerRelationship.Status.PENDING
                    if pending
                    else PartnerRelationship.Status.ACTIVE
                )
                rel, created = PartnerRelationship.objects.get_or_create(
                    agency_id=agency_id,
                    client_id=client_id,
                    defaults={
                        "origin": PartnerRelationship.Origin.DISCOVERED,
                        "status": status,
                    },
                )
                if created:
                    ctx.run.created_count += 1
                elif rel.status != status:
                    PartnerRelationship.objects.filter(pk=rel.pk).update(
                        status=status, updated_at=timezone.now()
                    )
                    ctx.run.updated_count += 1
        if read.complete:
            _ended_partnerships_removed(ctx, seen=read.seen, as_agency=as_agency)


def _ended_partnerships_removed(ctx: SyncContext, *, seen: set[str], as_agency: bool) -> None:
    mine = {"agency": ctx.business} if as_agency else {"client": ctx.business}
    other_side = "client__meta_id" if as_agency else "agency__meta_id"
    ended = (
        PartnerRelationship.objects.filter(**mine, status=PartnerRelationship.Status.ACTIVE)
        .exclude(origin=PartnerRelationship.Origin.ON_BEHALF_OF)
        .exclude(**{f"{other_side}__in": seen})
    )
    count = ended.update(status=PartnerRelationship.Status.REMOVED, updated_at=timezone.now())
    ctx.run.removed_count += count
