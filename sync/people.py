"""People: the business's members and its pending invitations."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from businesses.models import BusinessUser
from graph import operations as ops
from sync.context import SyncContext
from sync.listings import ListingRead, pages
from sync.models import DriftEvent
from sync.writes import apply_changes


def people_sync(ctx: SyncContext) -> None:
    """The business's people (business_users): added, changed, and gone when the listing
    completed without them."""
    listing = ListingRead()
    existing = {
        p.meta_id: p
        for p in BusinessUser.objects.filter(business=ctx.business, meta_id__isnull=False)
    }
    for nodes in pages(
        ctx.listing_pages(
            "business_users",
            lambda: ops.iter_business_user_pages(ctx.client, ctx.business.meta_id),
        ),
        listing,
    ):
        to_create, to_update = [], []
        for node in nodes:
            listing.seen.add(node.id)
            role = node.role or BusinessUser.Role.EMPLOYEE
            person = existing.get(node.id)
            if person is None:
                to_create.append(
                    BusinessUser(
                        business=ctx.business,
                        meta_id=node.id,
                        name=node.name[:255],
                        email=node.email or "",
                        role=role,
                        status=BusinessUser.Status.ACTIVE,
                    )
                )
                kind = (
                    DriftEvent.Kind.ADMIN_ADDED
                    if role == BusinessUser.Role.ADMIN
                    else DriftEvent.Kind.PERSON_ADDED
                )
                ctx.note(
                    kind,
                    f"{node.name or node.email} was added to {ctx.business.name} as {role}.",
                )
                continue
            wanted = {
                "name": node.name[:255] or person.name,
                "email": node.email or person.email,
                "role": role,
                "status": BusinessUser.Status.ACTIVE,
                "removed_at": None,
            }
            if person.role != role and role == BusinessUser.Role.ADMIN:
                ctx.note(
                    DriftEvent.Kind.ADMIN_ADDED,
                    f"{person.name or person.email} became an admin of {ctx.business.name}.",
                )
            if apply_changes(person, wanted, timezone.now()):
                to_update.append(person)
        with transaction.atomic():
            BusinessUser.objects.bulk_create(to_create, ignore_conflicts=True)
            BusinessUser.objects.bulk_update(
                to_update, ["name", "email", "role", "status", "removed_at", "updated_at"]
            )
        ctx.run.created_count += len(to_create)
        ctx.run.updated_count += len(to_update)
        # Invitations that became members are the same person now.
        emails = [n.email for n in nodes if n.email]
        BusinessUser.objects.filter(
            business=ctx.business, status=BusinessUser.Status.INVITED, email__in=emails
        ).delete()
    if listing.complete:
        gone = [
            p
            for meta, p in existing.items()
            if meta not in listing.seen and p.status == BusinessUser.Status.ACTIVE
        ]
        if gone and ctx.removal_is_safe(len(gone), len(existing), "people"):
            now = timezone.now()
            BusinessUser.objects.filter(pk__in=[p.pk for p in gone]).update(
                status=BusinessUser.Status.REMOVED, removed_at=now, updated_at=now
            )
            ctx.run.removed_count += len(gone)
            for person in gone:
                ctx.note(
                    DriftEvent.Kind.PERSON_REMOVED,
                    f"{person.name or person.email} left {ctx.business.name}.",
                )


def invitations_sync(ctx: SyncContext) -> None:
    """Invitations still pending (pending_users); one no longer listed is done with."""
    listing = ListingRead()
    existing = {
        p.invitation_meta_id: p
        for p in BusinessUser.objects.filter(
            business=ctx.business, status=BusinessUser.Status.INVITED
        )
    }
    for nodes in pages(
        ctx.listing_pages(
            "pending_users",
            lambda: ops.iter_pending_user_pages(ctx.client, ctx.business.meta_id),
        ),
        listing,
    ):
        to_create = []
        for node in nodes:
            listing.seen.add(node.id)
            invite = existing.get(node.id)
            if invite is None:
                to_create.append(
                    BusinessUser(
                        business=ctx.business,
                        invitation_meta_id=node.id,
                        email=node.email or "",
                        role=node.role or BusinessUser.Role.EMPLOYEE,
                        status=BusinessUser.Status.INVITED,
                        invitation_expires_at=node.expiration_time,
                    )
                )
            elif invite.invitation_expires_at != node.expiration_time or invite.role != (
                node.role or invite.role
            ):
                BusinessUser.objects.filter(pk=invite.pk).update(
                    invitation_expires_at=node.expiration_time,
                    role=node.role or invite.role,
                    updated_at=timezone.now(),
                )
                ctx.run.updated_count += 1
        BusinessUser.objects.bulk_create(to_create, ignore_conflicts=True)
        ctx.run.created_count += len(to_create)
    if listing.complete:
        stale = [p.pk for meta, p in existing.items() if meta not in listing.seen]
        if stale:
            # An invitation that is no longer pending was accepted (the person appears in
            # business_users) or withdrawn: either way the invitation row is done.
            BusinessUser.objects.filter(pk__in=stale).delete()
            ctx.run.removed_count += len(stale)
