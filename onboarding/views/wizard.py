"""The onboarding wizard: details → access method → assets → review. Each step's form keeps
what was typed when it is refused; the services decide and save."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.debug import sensitive_post_parameters

from assets.models import AssetKind, TaskPreset
from assets.selectors import task_labels
from businesses.advisor import BY_SLUG
from businesses.models import AccessLevel
from core.pages import render_page, require_perm
from onboarding.forms import ONBOARDING_KINDS, AssetsForm, ClientDetailsForm, MethodForm
from onboarding.models import Onboarding
from onboarding.selectors import onboarding_agency
from onboarding.services import (
    login_dialog_url,
    onboarding_client_assets,
    onboarding_preflight,
    onboarding_set_items,
    onboarding_set_method,
    onboarding_start,
    onboarding_submit,
)
from onboarding.views.common import (
    apply_errors,
    login_redirect_uri,
    onboarding_or_404,
    requested_items,
    staff_actor,
)
from systemusers.caps import cap_for
from systemusers.errors import SystemUserCapError

STEPS = (
    ("details", "1. Client"),
    ("method", "2. Access method"),
    ("assets", "3. Assets and access"),
    ("review", "4. Review and submit"),
)


def _wizard(request, template, onboarding, step, context, title):
    return render_page(
        request,
        template,
        {"onboarding": onboarding, "steps": STEPS, "current": step, **context},
        title=title,
    )


def onboarding_details(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = onboarding_or_404(request, pk) if pk else None
    if onboarding is not None and onboarding.status != Onboarding.Status.DRAFT:
        return redirect("portal:onboarding_status", pk=onboarding.pk)
    initial = {}
    if onboarding is not None:
        initial = {
            "name": onboarding.name,
            "contact_name": onboarding.contact_name,
            "contact_email": onboarding.contact_email,
            "client_meta_id": onboarding.client_meta_id,
        }
    form = ClientDetailsForm(request.POST if request.method == "POST" else None, initial=initial)
    agency = None
    try:
        agency = onboarding.agency if onboarding else onboarding_agency()
    except ValidationError as exc:
        form.add_error(None, exc.messages)
    if request.method == "POST" and agency is not None and form.is_valid():
        try:
            onboarding = onboarding_start(
                agency=agency,
                onboarding=onboarding,
                actor=staff_actor(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("portal:onboarding_method", pk=onboarding.pk)
    return _wizard(
        request,
        "portal/onboarding_details.html",
        onboarding,
        "details",
        {"form": form, "agency": agency},
        "Onboard a client: the client",
    )


@sensitive_post_parameters("client_admin_token")
def onboarding_method(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = onboarding_or_404(request, pk)
    if onboarding.status != Onboarding.Status.DRAFT:
        return redirect("portal:onboarding_status", pk=onboarding.pk)
    form = MethodForm(
        request.POST if request.method == "POST" else None,
        initial={"method": onboarding.method or None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            onboarding_set_method(
                onboarding=onboarding,
                method=form.cleaned_data["method"],
                client_admin_token=form.cleaned_data["client_admin_token"],
                actor=staff_actor(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("portal:onboarding_assets", pk=onboarding.pk)
    return _wizard(
        request,
        "portal/onboarding_method.html",
        onboarding,
        "method",
        {
            "form": form,
            "login_url": login_dialog_url(
                onboarding=onboarding, redirect_uri=login_redirect_uri(request)
            ),
            # The same words as the permission advisor: one source for what a tier allows.
            "limited_label": AccessLevel.STANDARD.label,
            "limited_cap": cap_for(AccessLevel.STANDARD, "EMPLOYEE"),
            "full_label": AccessLevel.ADVANCED.label,
            "obo_why": BY_SLUG["on_behalf_of"].why,
        },
        "Onboard a client: access method",
    )


def _presets() -> dict[str, list[tuple[str, str]]]:
    # One query for every kind's presets, rather than one per kind.
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for preset in TaskPreset.objects.order_by("pk"):
        by_kind.setdefault(preset.asset_kind, [("", "Not needed")]).append(
            (
                preset.slug,
                f"{preset.label} — {', '.join(task_labels(preset.asset_kind, preset.tasks))}",
            )
        )
    return by_kind


def onboarding_assets(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = onboarding_or_404(request, pk)
    if onboarding.status != Onboarding.Status.DRAFT:
        return redirect("portal:onboarding_status", pk=onboarding.pk)
    if not onboarding.method:
        return redirect("portal:onboarding_method", pk=onboarding.pk)
    presets = _presets()
    for kind in (k for k in AssetKind.values if k not in presets):
        presets[kind] = [("", "Not needed")]
    listed: dict = {}
    listing_note = ""
    if onboarding.method == Onboarding.Method.ON_BEHALF_OF:
        # Staff pick the client's assets from a list read with the client admin's login.
        listed, listing_note = onboarding_client_assets(
            onboarding=onboarding, kinds=list(ONBOARDING_KINDS)
        )
    form = AssetsForm(
        request.POST if request.method == "POST" else None,
        initial=AssetsForm.initial_from(onboarding.requested),
        presets=presets,
        listed=listed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            onboarding_set_items(
                onboarding=onboarding, items=form.cleaned_data["items"], actor=staff_actor(request)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("portal:onboarding_review", pk=onboarding.pk)
    return _wizard(
        request,
        "portal/onboarding_assets.html",
        onboarding,
        "assets",
        {
            "form": form,
            "listing_note": listing_note,
            "login_url": login_dialog_url(
                onboarding=onboarding, redirect_uri=login_redirect_uri(request)
            ),
        },
        "Onboard a client: assets and access",
    )


def onboarding_review(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = onboarding_or_404(request, pk)
    if onboarding.status != Onboarding.Status.DRAFT:
        return redirect("portal:onboarding_status", pk=onboarding.pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            onboarding_submit(onboarding=onboarding, actor=staff_actor(request))
        except SystemUserCapError as exc:
            errors.append(str(exc))
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            return redirect("portal:onboarding_status", pk=onboarding.pk)
        onboarding.refresh_from_db()
    return _wizard(
        request,
        "portal/onboarding_review.html",
        onboarding,
        "review",
        {
            "errors": errors,
            "preflight": onboarding_preflight(onboarding),
            "items": requested_items(onboarding),
        },
        "Onboard a client: review",
    )
