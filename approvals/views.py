"""The approvals page: pending requests of the clients a staff member manages, approve or
reject (not one's own; Auditors see only), recent decisions, and the agency's setting."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals import selectors, services
from approvals.models import ApprovalPolicy
from businesses.actors import Actor
from businesses.models import AuditEvent, Business
from core.pages import render_page

POLICY_PERM = "approvals.change_approvalpolicy"


def approvals(request: HttpRequest) -> HttpResponse:
    agencies = Business.objects.filter(is_agency=True).order_by("name")
    policies = {p.agency_id: p for p in ApprovalPolicy.objects.filter(agency__in=agencies)}
    return render_page(
        request,
        "approvals/approvals.html",
        {
            "pending": selectors.pending_for(request.user),
            "decided": selectors.decided_for(request.user),
            "can_decide": request.user.has_perm(services.APPROVE_PERM),
            "can_set_policy": request.user.has_perm(POLICY_PERM),
            "agencies": [(a, policies.get(a.pk)) for a in agencies],
            "now": timezone.now(),
        },
        title="Approvals",
    )


def _request_or_404(request: HttpRequest, pk: int):
    found = selectors.change_requests_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such request here.")
    return found


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    change_request = _request_or_404(request, pk)
    note = request.POST.get("note", "")
    try:
        if request.POST.get("decision") == "approve":
            done = services.change_request_approve(
                request=change_request, user=request.user, note=note
            )
            level = messages.success if done.state == done.State.DONE else messages.error
            level(request, f"Request #{done.pk}: {done.get_state_display()}. {done.result}")
        else:
            services.change_request_reject(request=change_request, user=request.user, note=note)
            messages.success(request, f"Request #{change_request.pk} rejected.")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("portal:approvals:list")


@require_POST
def policy(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(POLICY_PERM):
        raise PermissionDenied("Only agency admins change this setting.")
    agency = Business.objects.filter(is_agency=True, pk=request.POST.get("agency") or 0).first()
    if agency is None:
        raise Http404("No such agency.")
    try:
        hours = int(request.POST.get("expires_after_hours") or 72)
        services.approval_policy_set(
            agency=agency,
            enabled=request.POST.get("enabled") == "on",
            expires_after_hours=hours,
            actor=Actor.staff(request.user, source=AuditEvent.Source.FORM),
        )
    except (ValueError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "Two-person approval setting saved.")
    return redirect("portal:approvals:list")
