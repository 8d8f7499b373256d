"""Partners: the business's clients and agencies that are businesses of the portal too."""

from __future__ import annotations

from django.utils import timezone

from businesses.models import PartnerRelationship
from graph import operations as ops
from sync.context import SyncContext
from sync.listings import pages


def partners_sync(ctx: SyncContext) -> None:
    """Partnerships with businesses in the portal, from both sides (clients and agencies)."""
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
        for nodes in pages(listed):
            for node in nodes:
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
