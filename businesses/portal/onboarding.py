"""The onboarding wizard (details → access method → assets → review), the status page, and
the Facebook Login callback. Each step's form keeps what was typed when it is refused; the
services decide and save."""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from assets.models import AssetKind, TaskPreset
from businesses.actors import Actor
from businesses.models import AuditEvent, Onboarding
from businesses.onboarding import (
    login_dialog_url,
    onboarding_agency,
    onboarding_record_login,
    onboarding_resume,
    onboarding_set_items,
    onboarding_set_method,
    onboarding_start,
    onboarding_submit,
    visible_onboardings,
)
from businesses.portal.common import render_page, require_perm
from businesses.portal.forms import AssetsForm, ClientDetailsForm, MethodForm
from systemusers.errors import SystemUserCapError

STEPS = (
    ("details", "1. Client"),
    ("method", "2. Access method"),
    ("assets", "3. Assets and access"),
    ("review", "4. Review and submit"),
)


def _actor(request: HttpRequest) -> Actor:
    return Actor.staff(request.user, source=AuditEvent.Source.FORM)


def _apply_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form, on the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _draft(request: HttpRequest, pk: int) -> Onboarding:
    onboarding = visible_onboardings(request.user).filter(pk=pk).first()
    if onboarding is None:
        raise Http404("No such onboarding here.")
    return onboarding


def _redirect_uri(request: HttpRequest) -> str:
    # Meta asks for the trailing slash on redirect URLs (DOMAIN §5.4); the path has one.
    return request.build_absolute_uri(reverse("portal:oauth_callback"))


def _wizard(request, template, onboarding, step, context, title):
    return render_page(
        request,
        template,
        {"onboarding": onboarding, "steps": STEPS, "current": step, **context},
        title=title,
    )


def onboarding_list(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "portal/onboarding_list.html",
        {"onboardings": visible_onboardings(request.user)[:100]},
        title="Onboarding",
    )


@sensitive_post_parameters("client_admin_token")
def onboarding_details(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = _draft(request, pk) if pk else None
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
                actor=_actor(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
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
    onboarding = _draft(request, pk)
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
                actor=_actor(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
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
                onboarding=onboarding, redirect_uri=_redirect_uri(request)
            ),
        },
        "Onboard a client: access method",
    )


def _presets() -> dict[str, list[tuple[str, str]]]:
    # One query for every kind's presets, rather than one per kind.
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for preset in TaskPreset.objects.order_by("pk"):
        by_kind.setdefault(preset.asset_kind, [("", "Not needed")]).append(
            (preset.slug, f"{preset.label} — {', '.join(preset.tasks)}")
        )
    return by_kind


def onboarding_assets(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = _draft(request, pk)
    if onboarding.status != Onboarding.Status.DRAFT:
        return redirect("portal:onboarding_status", pk=onboarding.pk)
    if not onboarding.method:
        return redirect("portal:onboarding_method", pk=onboarding.pk)
    presets = _presets()
    for kind in (k for k in AssetKind.values if k not in presets):
        presets[kind] = [("", "Not needed")]
    form = AssetsForm(
        request.POST if request.method == "POST" else None,
        initial=AssetsForm.initial_from(onboarding.requested),
        presets=presets,
    )
    if request.method == "POST" and form.is_valid():
        try:
            onboarding_set_items(
                onboarding=onboarding, items=form.cleaned_data["items"], actor=_actor(request)
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("portal:onboarding_review", pk=onboarding.pk)
    return _wizard(
        request,
        "portal/onboarding_assets.html",
        onboarding,
        "assets",
        {"form": form, "preset_rows": TaskPreset.objects.order_by("slug", "asset_kind")},
        "Onboard a client: assets and access",
    )


def onboarding_review(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = _draft(request, pk)
    if onboarding.status != Onboarding.Status.DRAFT:
        return redirect("portal:onboarding_status", pk=onboarding.pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            onboarding_submit(onboarding=onboarding, actor=_actor(request))
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
            "login_url": login_dialog_url(
                onboarding=onboarding, redirect_uri=_redirect_uri(request)
            ),
            "items": [
                {**item, "label": AssetKind(item["kind"]).label} for item in onboarding.requested
            ],
        },
        "Onboard a client: review",
    )


def _status_payload(onboarding: Onboarding) -> dict:
    steps = list(onboarding.steps.order_by("position", "pk"))
    return {
        "id": onboarding.pk,
        "status": onboarding.status,
        "status_label": onboarding.get_status_display(),
        "finished": onboarding.status in (Onboarding.Status.DONE, Onboarding.Status.FAILED),
        "steps": [
            {
                "key": s.key,
                "label": s.label,
                "status": s.status,
                "message": s.message,
                "attempts": s.attempts,
            }
            for s in steps
        ],
    }


def onboarding_status(request: HttpRequest, pk: int) -> HttpResponse:
    onboarding = _draft(request, pk)
    if onboarding.status == Onboarding.Status.DRAFT:
        return redirect("portal:onboarding_review", pk=onboarding.pk)
    payload = _status_payload(onboarding)
    steps = list(onboarding.steps.order_by("position", "pk"))
    return render_page(
        request,
        "portal/onboarding_status.html",
        {
            "onboarding": onboarding,
            "payload": payload,
            "flow_steps": [s for s in steps if not s.key.startswith("asset")],
            "asset_steps": [s for s in steps if s.key.startswith("asset")],
            "login_url": login_dialog_url(
                onboarding=onboarding, redirect_uri=_redirect_uri(request)
            ),
            "items": [
                {**item, "label": AssetKind(item["kind"]).label} for item in onboarding.requested
            ],
        },
        title=f"Onboarding of {onboarding.name}",
    )


def onboarding_status_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_status_payload(_draft(request, pk)))


@require_POST
def onboarding_retry(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = _draft(request, pk)
    # Already running is not an error here: the status page shows it.
    with contextlib.suppress(ValidationError):
        onboarding_resume(onboarding=onboarding, actor=_actor(request))
    return redirect("portal:onboarding_status", pk=onboarding.pk)


def oauth_callback(request: HttpRequest) -> HttpResponse:
    """Where Facebook Login sends the client's admin back. Not behind the admin login: the
    client is not a portal user; the ``state`` ties the visit to one onboarding."""
    error = request.GET.get("error_description") or request.GET.get("error")
    context: dict = {"ok": False}
    if error:
        context["message"] = f"Facebook Login was not completed: {error[:300]}"
    else:
        try:
            onboarding = onboarding_record_login(
                state=request.GET.get("state", ""),
                code=request.GET.get("code", ""),
                redirect_uri=_redirect_uri(request),
            )
        except ValidationError as exc:
            context["message"] = " ".join(exc.messages)
        else:
            context.update(ok=True, name=onboarding.agency.name)
    return render(
        request, "portal/oauth_callback.html", context, status=200 if context["ok"] else 400
    )
