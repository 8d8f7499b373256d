"""Two-person approval: hold a risky change as a request, let a second staff member who manages
the client approve or reject it, and only then call the kernel service that makes it.

1. `hold_policy` (registered in businesses.approval_gate) saves a PENDING request when the
   client's agency has approval on, and tells the entry point to stop.
2. `change_request_approve` checks the approver (not the requester, manages the client, may
   change things: Auditors may not), marks it APPROVED and records both people in the audit
   trail in one transaction; then, outside any transaction (the services call Meta), applies
   it through the same service the entry point would have used: DONE or FAILED.
3. `change_request_reject` and the expiry sweep close requests without applying them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.models import ApprovalPolicy, ChangeRequest
from assets.models import Asset, Grant, GrantMode
from assets.partnerships import partnership_end
from assets.services import (
    grant_create,
    grant_request_removal,
    grant_set_tasks,
    grants_apply_preset,
)
from businesses import scoping
from businesses.actors import Actor
from businesses.approval_gate import Held, RiskyChange
from businesses.audit import audit_record
from businesses.models import AuditEvent, Business, BusinessUser, PartnerRelationship
from portal.offboarding import person_offboard
from systemusers.models import SystemUser
from systemusers.services import system_user_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Approving is a change to the client: Auditors (view-only) lack this permission.
APPROVE_PERM = "businesses.change_business"


def policy_for(business: Business) -> ApprovalPolicy | None:
    """The policy of the business's agency: itself if it is the agency, else the agencies it is
    a client of (any that turned approval on), else the portal's agency."""
    if business.is_agency:
        agencies = Business.objects.filter(pk=business.pk)
    else:
        related = PartnerRelationship.objects.filter(client=business).exclude(
            status=PartnerRelationship.Status.REMOVED
        )
        agencies = Business.objects.filter(pk__in=related.values("agency_id"))
        if not agencies.exists():
            agencies = Business.objects.filter(is_agency=True)
    policies = ApprovalPolicy.objects.filter(agency__in=agencies).order_by("-enabled", "pk")
    return policies.first()


def approval_required(business: Business) -> bool:
    policy = policy_for(business)
    return policy is not None and policy.enabled


def hold_policy(
    *, change: str, business: Business, actor: Actor, summary: str, payload: dict[str, Any]
) -> Held | None:
    policy = policy_for(business)
    if policy is None or not policy.enabled:
        return None
    with transaction.atomic():
        request = ChangeRequest.objects.create(
            business=business,
            change=change,
            summary=summary[:500],
            payload=payload,
            requested_by_id=actor.user_id,
            expires_at=timezone.now() + timedelta(hours=policy.expires_after_hours),
        )
        audit_record(
            actor=actor,
            action="approval.request",
            business=business,
            target=request,
            summary=f"Asked for approval (request #{request.pk}): {summary}",
            changes={"change": change, "payload": payload},
        )
    return Held(
        request_id=request.pk,
        message=(
            f"Two-person approval is on: “{summary}” is saved as request #{request.pk} and "
            "happens once another staff member who manages this client approves it."
        ),
    )


def _check_decider(request: ChangeRequest, user: User) -> None:
    if not scoping.can_see_business(user, request.business):
        raise PermissionDenied("You do not manage this client.")
    if not user.has_perm(APPROVE_PERM):
        raise PermissionDenied("Your role can see requests but not decide them.")
    if request.requested_by_id == user.pk:
        raise PermissionDenied("A second person must approve: you asked for this change.")


def _close_if_expired(request: ChangeRequest) -> bool:
    if request.state == ChangeRequest.State.PENDING and request.expires_at <= timezone.now():
        ChangeRequest.objects.filter(pk=request.pk, state=ChangeRequest.State.PENDING).update(
            state=ChangeRequest.State.EXPIRED
        )
        request.refresh_from_db()
        return True
    return False


def change_request_approve(*, request: ChangeRequest, user: User, note: str = "") -> ChangeRequest:
    _check_decider(request, user)
    if _close_if_expired(request):
        raise ValidationError("This request has expired; ask again if it is still needed.")
    requester = request.requested_by.get_username() if request.requested_by else "?"
    change_request_claim(
        request,
        user,
        note,
        state=ChangeRequest.State.APPROVED,
        action="approval.approve",
        summary=f"Approved request #{request.pk} of {requester}: {request.summary}",
        changes={"requested_by": requester, "approved_by": user.get_username()},
    )
    actor = Actor(
        source=AuditEvent.Source.FORM,
        user=user,
        label=f"{user.get_username()} (approving request #{request.pk} of {requester})",
    )
    try:
        result = _apply(request, actor)
    except Exception as exc:  # any failure is recorded on the request and shown
        message = " ".join(getattr(exc, "messages", [])) or str(exc) or type(exc).__name__
        state, result = ChangeRequest.State.FAILED, message[:500]
    else:
        state = ChangeRequest.State.DONE
    with transaction.atomic():
        ChangeRequest.objects.filter(pk=request.pk).update(state=state, result=result)
        audit_record(
            actor=actor,
            action=f"approval.{state}",
            business=request.business,
            target=request,
            summary=f"Request #{request.pk} {ChangeRequest.State(state).label.lower()}: {result}",
        )
    request.refresh_from_db()
    return request


def change_request_reject(*, request: ChangeRequest, user: User, note: str = "") -> ChangeRequest:
    _check_decider(request, user)
    if _close_if_expired(request):
        return request
    change_request_claim(
        request,
        user,
        note,
        state=ChangeRequest.State.REJECTED,
        action="approval.reject",
        summary=f"Rejected request #{request.pk}: {request.summary}"
        + (f" ({note[:200]})" if note else ""),
    )
    return request


def change_request_claim(
    request: ChangeRequest,
    user: User,
    note: str,
    *,
    state: ChangeRequest.State,
    action: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """Claim the pending request for this decision (compare-and-swap: two deciders cannot both
    win) and record who decided, in one transaction."""
    with transaction.atomic():
        claimed = ChangeRequest.objects.filter(
            pk=request.pk, state=ChangeRequest.State.PENDING
        ).update(state=state, decided_by=user, decided_at=timezone.now(), note=note[:500])
        if not claimed:
            raise ValidationError("This request was already decided.")
        audit_record(
            actor=Actor.staff(user, source=AuditEvent.Source.FORM),
            action=action,
            business=request.business,
            target=request,
            summary=summary,
            changes=changes,
        )
    request.refresh_from_db()


def change_requests_expire(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        expired = list(
            ChangeRequest.objects.select_for_update(skip_locked=True).filter(
                state=ChangeRequest.State.PENDING, expires_at__lte=now
            )
        )
        for request in expired:
            request.state = ChangeRequest.State.EXPIRED
            request.save(update_fields=["state"])
            audit_record(
                actor=Actor.task("approval expiry"),
                action="approval.expire",
                business=request.business,
                target=request,
                summary=f"Request #{request.pk} expired without a decision: {request.summary}",
            )
    return len(expired)


def approval_policy_set(
    *, agency: Business, enabled: bool, expires_after_hours: int, actor: Actor
) -> ApprovalPolicy:
    if not agency.is_agency:
        raise ValidationError("Two-person approval is set on the agency's own Business Manager.")
    if not 1 <= expires_after_hours <= 24 * 30:
        raise ValidationError("Requests expire after 1 hour to 30 days.")
    with transaction.atomic():
        policy, _ = ApprovalPolicy.objects.get_or_create(agency=agency)
        policy.enabled = enabled
        policy.expires_after_hours = expires_after_hours
        policy.save()
        audit_record(
            actor=actor,
            action="approval.policy",
            business=agency,
            target=policy,
            summary=f"Two-person approval turned {'on' if enabled else 'off'} "
            f"(requests expire after {expires_after_hours} h).",
        )
    return policy


def _apply(request: ChangeRequest, actor: Actor) -> str:
    """Call the kernel service the entry point would have called."""
    p, business = request.payload, request.business
    if "tasks" in p:
        # A grant's tasks set as typed (the admin's grant form): the same grant services.
        return _apply_grant_tasks(p, actor)
    if "preset" in p:
        # A preset on several assets (the give-access page): full control given, or taken
        # from an asset's last admin by replacing.
        holder: dict[str, Any] = (
            # The holder may be the client's or an agency's serving it (give access offers both).
            {"person": BusinessUser.objects.get(pk=p["person_id"])}
            if p.get("person_id")
            else {"system_user": SystemUser.objects.get(pk=p["system_user_id"])}
        )
        grants = grants_apply_preset(
            assets=Asset.objects.filter(pk__in=p["asset_ids"]),
            preset_slug=p["preset"],
            mode=p.get("mode", GrantMode.ADD),
            actor=actor,
            **holder,
        )
        return f"{len(grants)} grant(s) recorded and being pushed to Meta."
    if request.change == RiskyChange.ADMIN_SYSTEM_USER:
        su = system_user_create(
            business=business, name=p["name"], role=SystemUser.Role.ADMIN, actor=actor
        )
        return f"Admin system user {su.name} reserved and being created in Meta."
    if request.change == RiskyChange.END_PARTNERSHIP:
        rel = PartnerRelationship.objects.select_related("agency", "client").get(
            pk=p["relationship_id"]
        )
        partnership_end(relationship=rel, actor=actor)
        return f"Partnership {rel.agency.name} → {rel.client.name} ended in Meta."
    if request.change == RiskyChange.OFFBOARD_PERSON:
        person = BusinessUser.objects.get(pk=p["person_id"], business=business)
        person_offboard(person=person, actor=actor)
        return f"{person.name or person.email} is being removed from {business.name} in Meta."
    if request.change == RiskyChange.REVOKE_LAST_ADMIN:
        grant = Grant.objects.get(pk=p["grant_id"], business=business)
        grant_request_removal(grant=grant, actor=actor)
        return f"Grant on {grant.asset} being removed in Meta."
    raise ValidationError(f"Unknown change {request.change}.")


def _apply_grant_tasks(p: dict[str, Any], actor: Actor) -> str:
    if p.get("grant_id"):
        grant = Grant.objects.select_related("asset").get(pk=p["grant_id"])
        grant = grant_set_tasks(grant=grant, tasks=p["tasks"], actor=actor, mode=p["mode"])
    else:
        grant = grant_create(
            asset=Asset.objects.get(pk=p["asset_id"]),
            person=BusinessUser.objects.get(pk=p["person_id"]) if p.get("person_id") else None,
            system_user=(
                SystemUser.objects.get(pk=p["system_user_id"]) if p.get("system_user_id") else None
            ),
            tasks=p["tasks"],
            actor=actor,
        )
    return f"{grant.principal} now holds {', '.join(grant.tasks)} on {grant.asset}; being pushed to Meta."
