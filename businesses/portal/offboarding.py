"""Offboarding: list everything a person who left holds across the visible clients, then,
after confirmation, remove it through businesses.offboarding (which records who did it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from businesses.actors import Actor
from businesses.approval_gate import RiskyChange, hold_if_required
from businesses.models import AuditEvent
from businesses.portal.common import render_page, require_perm
from businesses.portal.forms import OffboardForm


def offboarding(request: HttpRequest) -> HttpResponse:
    from businesses import offboarding as service

    form = OffboardForm(request.POST or request.GET or None)
    preview = None
    if form.is_bound and form.is_valid():
        email = form.cleaned_data["email"]
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            require_perm(request, "businesses.change_businessuser")
            actor = Actor.staff(request.user, source=AuditEvent.Source.FORM)
            held = _hold(service.offboard_preview(email=email, user=request.user), actor)
            if held:
                for h in held:
                    messages.warning(request, h.message)
                return redirect("portal:approvals:list")
            try:
                removed = service.offboard_person(
                    email=email,
                    actor=actor,
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    f"Removing {email} from {removed} business{'es' if removed != 1 else ''} "
                    "with their grants; recorded under your name. Each removal shows in the "
                    "admin once Meta confirms it.",
                )
                return redirect("portal:offboarding")
        preview = service.offboard_preview(email=email, user=request.user)
    return render_page(
        request,
        "portal/offboarding.html",
        {"form": form, "preview": preview},
        title="Offboard a person",
    )


def _hold(items, actor) -> list:
    """With two-person approval on, each business membership becomes a request (a second staff
    member who manages that client approves it); with it off, nothing is held."""
    held = []
    for item in items:
        person = item.person
        h = hold_if_required(
            change=RiskyChange.OFFBOARD_PERSON,
            business=person.business,
            actor=actor,
            summary=f"Offboard {person.name or person.email} from {person.business.name} "
            f"(role {person.get_role_display()}, {len(item.grants)} grant(s))",
            payload={"person_id": person.pk},
        )
        if h is not None:
            held.append(h)
    return held
