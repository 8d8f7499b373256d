"""Ending a partner relationship in Meta (the agency dissociates the client), and what that ends
here: the agency's shares of the client's assets and its grants on them. It lives in the assets
app because it writes shares and grants; the relationship itself is the kernel's."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assets.models import AssetAccess, Grant, PushState
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import business_client
from businesses.models import PartnerRelationship
from graph import GraphError
from graph import operations as ops


class PartnershipError(Exception):
    """Meta refused to end the partnership; its reason, in words."""


def partnership_end(*, relationship: PartnerRelationship, actor: Actor) -> PartnerRelationship:
    """Dissociate the client in Meta with the agency's token, then record what that ends:
    the relationship, the agency's access to the client's assets and the grants on them."""
    if relationship.status == PartnerRelationship.Status.REMOVED:
        return relationship
    agency, client = relationship.agency, relationship.client
    try:
        with business_client(agency) as (graph, _ledger):
            ops.remove_client(graph, agency.meta_id, client.meta_id)
    except GraphError as err:
        raise PartnershipError(err.describe()) from None
    now = timezone.now()
    with transaction.atomic():
        PartnerRelationship.objects.filter(pk=relationship.pk).update(
            status=PartnerRelationship.Status.REMOVED, updated_at=now
        )
        owned_by_client = AssetAccess.objects.filter(
            business=client, access_type=AssetAccess.AccessType.OWNER
        ).values("asset_id")
        shared = AssetAccess.objects.filter(business=agency, removed_at__isnull=True).filter(
            Q(asset__owner_business=client) | Q(asset_id__in=owned_by_client)
        )
        asset_ids = list(shared.values_list("asset_id", flat=True))
        shared.update(removed_at=now, updated_at=now)
        Grant.objects.filter(business=agency, asset_id__in=asset_ids).exclude(
            push_state=PushState.REMOVED
        ).update(push_state=PushState.REMOVED, removed_at=now, applied_tasks=[], updated_at=now)
        audit_record(
            actor=actor,
            action="partnership.end",
            business=client,
            target=relationship,
            summary=(
                f"Ended the partnership: {agency.name} no longer manages {client.name} "
                f"({len(asset_ids)} shared asset(s) lost)."
            ),
        )
    relationship.refresh_from_db()
    return relationship
