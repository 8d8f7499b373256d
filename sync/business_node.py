"""The business node: its name, verification, two-factor setting, vertical and time zone.

Read with the first page of every listing in one request (``ListingReader.first_pages_read``)."""

from __future__ import annotations

from django.utils import timezone

from businesses.models import Business
from graph.types import BusinessNode
from sync.context import SyncContext


def business_node_sync(ctx: SyncContext) -> None:
    """Read the business node (and the listings' first pages) and write what changed."""
    business_node_apply(ctx, ctx.listings.first_pages_read(ctx.client))


def business_node_apply(ctx: SyncContext, node: BusinessNode) -> None:
    changes = {
        "name": node.name or ctx.business.name,
        "verification_status": node.verification_status or ctx.business.verification_status,
        "two_factor_type": node.two_factor_type or ctx.business.two_factor_type,
        "vertical": node.vertical or ctx.business.vertical,
        "timezone_id": node.timezone_id
        if node.timezone_id is not None
        else ctx.business.timezone_id,
    }
    changed = {k: v for k, v in changes.items() if getattr(ctx.business, k) != v}
    if changed:
        Business.objects.filter(pk=ctx.business.pk).update(**changed, updated_at=timezone.now())
        for key, value in changed.items():
            setattr(ctx.business, key, value)
        ctx.run.updated_count += 1
