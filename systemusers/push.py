"""System users in Meta: create within the cap, install the app, issue tokens, retire.

Creating records Meta's answer on the row ``system_user_reserve`` (services.py) made: created,
released (a refusal keeps the row and the reason) or discarded (Meta's cap refusal). These
writes sit here, below the task that calls Meta, so services.py can enqueue that task."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from businesses import alerts
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import business_client
from businesses.models import AccessToken
from businesses.services import token_store
from graph import CapReachedError, GraphError, TransientError
from graph import operations as ops
from systemusers.caps import access_level_of, cap_for
from systemusers.errors import SystemUserCapError, cap_reached_alert
from systemusers.models import SystemUser

logger = logging.getLogger(__name__)

DEFAULT_SCOPES = ("ads_management", "ads_read", "business_management")


class SystemUserPushError(Exception):
    """Meta refused to create the system user; the slot was released."""


# Recording Meta's answer to a reservation (the slot was taken by system_user_reserve).


def system_user_release(*, system_user: SystemUser, reason: str, actor: Actor) -> SystemUser:
    """Meta refused the creation: free the slot, keep the row and the reason for the record."""
    with transaction.atomic():
        SystemUser.objects.filter(pk=system_user.pk, status=SystemUser.Status.RESERVED).update(
            status=SystemUser.Status.FAILED,
            slot=None,
            failure_reason=reason,
            updated_at=timezone.now(),
        )
        system_user.refresh_from_db()
        alerts.facts_changed(business_id=system_user.business_id)
        audit_record(
            actor=actor,
            action="system_user.release",
            business=system_user.business,
            target=system_user,
            summary=f"Released the slot of '{system_user.name}': {reason}",
        )
    return system_user


def system_user_discard(*, system_user: SystemUser, reason: str, actor: Actor) -> None:
    """Meta refused for the cap: nothing exists in Meta, so the reservation goes away (no
    "failed" row to explain later); the audit trail keeps the attempt and the reason."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="system_user.refused",
            business=system_user.business,
            target=system_user,
            summary=f"Did not create '{system_user.name}': {reason}",
        )
        SystemUser.objects.filter(pk=system_user.pk, status=SystemUser.Status.RESERVED).delete()


def system_user_mark_created(*, system_user: SystemUser, meta_id: str, actor: Actor) -> SystemUser:
    with transaction.atomic():
        system_user.meta_id = meta_id
        system_user.status = SystemUser.Status.ACTIVE
        system_user.full_clean()
        system_user.save(update_fields=["meta_id", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="system_user.create",
            business=system_user.business,
            target=system_user,
            summary=f"Created system user '{system_user.name}' ({meta_id}) in Meta.",
        )
    return system_user


def _adopt_by_name(client, system_user: SystemUser) -> str | None:
    """After an unknown outcome, find the system user Meta may have created anyway."""
    known = set(
        SystemUser.objects.filter(business=system_user.business, meta_id__isnull=False).values_list(
            "meta_id", flat=True
        )
    )
    for node in ops.iter_system_users(client, system_user.business.meta_id):
        if node.name == system_user.name and node.id not in known:
            return node.id
    return None


def _meta_holders(client, system_user: SystemUser) -> list[tuple[str, str]]:
    """The system users of that role Meta lists in the business: the ones its cap counts."""
    try:
        nodes = list(ops.iter_system_users(client, system_user.business.meta_id))
    except GraphError:
        return []
    return [
        (n.name, "in Meta")
        for n in nodes
        if (n.role or SystemUser.Role.EMPLOYEE) == system_user.role
    ]


def system_user_create_in_meta(*, system_user_id: int, actor: Actor) -> SystemUser:
    """Create a reserved system user in Meta; on refusal release its slot. A transient failure
    (Meta unreachable, an answer lost) leaves it reserved for a retry, which adopts first.

    Meta's own cap refusals (3949 / 3965, DOMAIN §"system users"; Meta's reference for
    Business ``system_users``) become a SystemUserCapError naming the system users Meta lists
    (GET /{business}/system_users), and leave no row behind: nothing exists in Meta."""
    system_user = SystemUser.objects.select_related("business", "business__app").get(
        pk=system_user_id
    )
    if system_user.status != SystemUser.Status.RESERVED:
        return system_user  # already done (a redelivered task)
    business = system_user.business
    try:
        with business_client(business) as (client, _ledger):
            meta_id = None
            if system_user.create_sent_at is not None:
                # An earlier attempt sent the create and its answer was lost (a killed worker,
                # a cut connection): Meta may hold it already, so look before creating again.
                meta_id = _adopt_by_name(client, system_user)
            if meta_id is None:
                SystemUser.objects.filter(pk=system_user.pk).update(create_sent_at=timezone.now())
                try:
                    meta_id = ops.create_system_user(
                        client, business.meta_id, system_user.name, system_user.role
                    )
                except TransientError:
                    meta_id = _adopt_by_name(client, system_user)
                    if meta_id is None:
                        raise
                except CapReachedError as refusal:
                    counted = _meta_holders(client, system_user)
                    level = access_level_of(business)
                    system_user_discard(
                        system_user=system_user,
                        reason=f"Meta refused: {refusal.describe()}",
                        actor=actor,
                    )
                    raise SystemUserCapError(
                        business_name=business.name,
                        business_meta_id=business.meta_id,
                        role=system_user.role,
                        access_level=level,
                        cap=cap_for(level, system_user.role),
                        holders=counted,
                        refused_by_meta=True,
                    ) from None
    except SystemUserCapError as refusal:
        cap_reached_alert(refusal)
        raise
    except TransientError:
        # Meta may have it or not: the row stays reserved (create_sent_at set), and the task's
        # retry (or the queue sweeper) looks for it by name before creating again.
        raise
    except GraphError as err:
        system_user_release(system_user=system_user, reason=err.describe(), actor=actor)
        raise SystemUserPushError(err.describe()) from None
    except Exception as err:
        system_user_release(system_user=system_user, reason=str(err), actor=actor)
        raise
    return system_user_mark_created(system_user=system_user, meta_id=meta_id, actor=actor)


def system_user_issue_token(
    *,
    system_user: SystemUser,
    actor: Actor,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    expiring: bool = True,
) -> AccessToken:
    """Install the business's app for the system user and generate its token (with
    appsecret_proof); the token is stored encrypted, never returned to a page."""
    business = system_user.business
    app = business.app
    if app is None or not app.has_secret:
        raise SystemUserPushError(
            f"{business.name} has no app with a secret on file to issue tokens for."
        )
    with business_client(business) as (client, _ledger):
        try:
            ops.install_app(client, system_user.meta_id, app.meta_id)
            token = ops.generate_system_user_token(
                client, system_user.meta_id, app.meta_id, list(scopes), expiring
            )
        except GraphError as err:
            raise SystemUserPushError(err.describe()) from None
    return token_store(
        token=token,
        kind=AccessToken.Kind.SYSTEM_USER,
        purpose=AccessToken.Purpose.SYSTEM_USER,
        business=business,
        app=app,
        system_user_id=system_user.pk,
        meta_user_id=system_user.meta_id or "",
        scopes=list(scopes),
        issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60) if expiring else None,
        actor=actor,
    )


def system_user_retire(*, system_user: SystemUser, actor: Actor) -> SystemUser:
    """Revoke every token of a system user. Meta cannot delete it, so it keeps its slot."""
    if system_user.status == SystemUser.Status.RETIRED:
        return system_user
    with business_client(system_user.business) as (client, _ledger):
        try:
            ops.revoke_system_user_tokens(client, system_user.meta_id)
        except GraphError as err:
            raise SystemUserPushError(err.describe()) from None
    now = timezone.now()
    with transaction.atomic():
        SystemUser.objects.filter(pk=system_user.pk).update(
            status=SystemUser.Status.RETIRED, retired_at=now, updated_at=now
        )
        AccessToken.objects.filter(system_user=system_user, revoked_at__isnull=True).update(
            is_active=False,
            is_valid=False,
            revoked_at=now,
            invalid_reason="Revoked: system user retired.",
        )
        audit_record(
            actor=actor,
            action="system_user.retire",
            business=system_user.business,
            target=system_user,
            summary=f"Retired system user '{system_user.name}': tokens revoked; it still counts toward the cap.",
        )
    system_user.refresh_from_db()
    return system_user
