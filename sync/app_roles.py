"""App roles: who holds a role on the developer apps this business owns (read with the app's
own token)."""

from __future__ import annotations

from django.utils import timezone

from businesses.graph_access import app_client
from businesses.models import AppRole, DeveloperApp
from graph import operations as ops
from sync.context import SyncContext
from sync.listings import ListingRead, pages


def app_roles_sync(ctx: SyncContext) -> None:
    """Who has a role on the developer apps this business owns (seed 002's app roles).

    Meta's app-scoped user ids are not the business-scoped ids of business_users, so a
    role is linked to a person only by staff in the admin; the role itself is kept."""
    for app in DeveloperApp.objects.filter(owner_business=ctx.business).exclude(
        secret_ciphertext=""
    ):
        listing = ListingRead()
        with app_client(app) as (client, _ledger):
            for roles in pages(ops.iter_app_role_pages(client, app.meta_id), listing):
                for node in roles:
                    listing.seen.add(node.user_id)
                    role, created = AppRole.objects.get_or_create(
                        app=app, user_meta_id=node.user_id, defaults={"role": node.role}
                    )
                    if created:
                        ctx.run.created_count += 1
                    elif role.role != node.role:
                        AppRole.objects.filter(pk=role.pk).update(
                            role=node.role, updated_at=timezone.now()
                        )
                        ctx.run.updated_count += 1
        if listing.complete:
            gone, _ = (
                AppRole.objects.filter(app=app).exclude(user_meta_id__in=listing.seen).delete()
            )
            ctx.run.removed_count += gone
