"""System users: imported as Meta lists them, each taking a cap slot when one is free.

One beyond the cap is imported too (holding no slot) and the business flagged over its cap.
System users are never marked removed: Meta cannot delete them (DOMAIN decision 4)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from businesses.models import Business
from graph import operations as ops
from sync.context import SyncContext
from sync.listings import pages
from sync.models import DriftEvent
from systemusers.caps import access_level_of, cap_for, slot_allocate
from systemusers.models import SystemUser


def system_users_sync(ctx: SyncContext) -> None:
    """Import system users; ones beyond the cap are imported too and the business flagged.
    System users are never marked removed: Meta cannot delete them (DOMAIN decision 4)."""
    level = access_level_of(ctx.business)
    seen_over_cap = False
    for nodes in pages(
        ctx.listing_pages(
            "system_users",
            lambda: ops.iter_system_user_pages(ctx.client, ctx.business.meta_id),
        )
    ):
        with transaction.atomic():
            existing = {
                su.meta_id: su
                for su in SystemUser.objects.select_for_update().filter(
                    business=ctx.business, meta_id__in=[n.id for n in nodes]
                )
            }
            for node in nodes:
                role = (
                    node.role if node.role in SystemUser.Role.values else SystemUser.Role.EMPLOYEE
                )
                su = existing.get(node.id)
                if su is not None:
                    if su.name != node.name and node.name:
                        SystemUser.objects.filter(pk=su.pk).update(
                            name=node.name[:255], updated_at=timezone.now()
                        )
                        ctx.run.updated_count += 1
                    continue
                holders = SystemUser.objects.filter(
                    business=ctx.business, role=role, status__in=SystemUser.HOLDS_SLOT
                )
                # Beyond the cap it is imported all the same, holding no slot.
                slot = slot_allocate(list(holders), access_level=level, role=role)
                seen_over_cap = seen_over_cap or slot is None
                SystemUser.objects.create(
                    business=ctx.business,
                    meta_id=node.id,
                    name=node.name[:255] or node.id,
                    role=role,
                    status=SystemUser.Status.ACTIVE,
                    origin=SystemUser.Origin.META,
                    slot=slot,
                )
                ctx.run.created_count += 1
                ctx.note(
                    DriftEvent.Kind.SYSTEM_USER_ADDED,
                    f"System user {node.name} ({role}) appeared in {ctx.business.name}.",
                )
    over_now = seen_over_cap or _over_cap(ctx, level)
    if over_now != ctx.business.system_users_over_cap:
        Business.objects.filter(pk=ctx.business.pk).update(system_users_over_cap=over_now)
        ctx.business.system_users_over_cap = over_now


def _over_cap(ctx: SyncContext, level: str) -> bool:
    for role in SystemUser.Role.values:
        count = SystemUser.objects.filter(
            business=ctx.business, role=role, status__in=SystemUser.HOLDS_SLOT
        ).count()
        if count > cap_for(level, role):
            return True
    return False
