"""Offboarding: list everything a person who left holds across the visible clients, then,
after confirmation, remove it through businesses.offboarding (which records who did it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from businesses.actors import Actor
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
            preview_before = service.offboard_preview(email=email, user=request.user)
            try:
                removed = service.offboard_person(
                    email=email,
                    actor=Actor.staff(request.user, source=AuditEvent.Source.FORM),
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                stays = " They stay where they hold grants in clients you do not manage."
                messages.success(
                    request,
                    f"Removing {email} from {removed} business{'es' if removed != 1 else ''} "
                    "with their grants, and revoking the grants you manage; recorded under your "
                    "name. Each removal shows in the admin once Meta confirms it."
                    + (stays if any(i.hidden_grants for i in preview_before) else ""),
                )
                return redirect("portal:offboarding")
        preview = service.offboard_preview(email=email, user=request.user)
    return render_page(
        request,
        "portal/offboarding.html",
        {"form": form, "preview": preview},
        title="Offboard a person",
    )
