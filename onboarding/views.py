"""The onboarding wizard (details → access method → assets → review), the status page, and
the Facebook Login callback. Each step's form keeps what was typed when it is refused; the
services decide and save."""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from assets.models import AssetKind, TaskPreset
from assets.selectors import task_labels
from businesses.actors import Actor
from businesses.advisor import BY_SLUG
from businesses.models import AccessLevel, AuditEvent
from core.pages import render_page, require_perm
from onboarding.models import Onboarding
from onboarding.services import (
    SHARE_SESSION_TTL,
    group_refusals,
    login_dialog_url,
    onboarding_agency,
    onboarding_client_assets,
    onboarding_client_share,
    onboarding_preflight,
    onboarding_record_login,
    onboarding_resume,
    onboarding_set_items,
    onboarding_set_method,
    onboarding_share_page,
    onboarding_start,
    onboarding_submit,
    repeated_failures,
    share_onboarding,
    visible_onboardings,
)
from portal.forms import ONBOARDING_KINDS, AssetsForm, ClientDetailsForm, MethodForm
from systemusers.caps import cap_for
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
    onboarding = _draft(request, pk)
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
        {
            "form": form,
            "listing_note": listing_note,
            "login_url": login_dialog_url(
                onboarding=onboarding, redirect_uri=_redirect_uri(request)
            ),
        },
        "Onboard a client: assets and access",
    )


def _items(onboarding: Onboarding) -> list[dict]:
    return [
        {
            **item,
            "label": AssetKind(item["kind"]).label,
            "task_labels": task_labels(item["kind"], item["tasks"]),
            "preset_label": _preset_title(item["preset"]),
        }
        for item in onboarding.requested
    ]


def _preset_title(slug: str) -> str:
    preset = TaskPreset.objects.filter(slug=slug).only("label").first()
    return preset.label if preset else slug


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
            "preflight": onboarding_preflight(onboarding),
            "items": _items(onboarding),
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
    asset_steps = [s for s in steps if s.key.startswith("asset")]
    # A refusal that repeats on many assets is said once, with the count, above the table.
    repeated = repeated_failures(asset_steps)
    grouped = {key for r in repeated for key in r.keys}
    for step in asset_steps:
        step.grouped = step.key in grouped
    return render_page(
        request,
        "portal/onboarding_status.html",
        {
            "onboarding": onboarding,
            "payload": payload,
            "flow_steps": [s for s in steps if not s.key.startswith("asset")],
            "asset_steps": asset_steps,
            "repeated": repeated,
            "awaiting_login": any(s.key == "client_login" and s.status != "done" for s in steps),
            "login_url": login_dialog_url(
                onboarding=onboarding, redirect_uri=_redirect_uri(request)
            ),
            "items": _items(onboarding),
        },
        title=f"Onboarding of {onboarding.name}",
    )


def onboarding_status_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_status_payload(_draft(request, pk)))


@require_POST
def onboarding_retry(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = _draft(request, pk)
    try:
        resumed = onboarding_resume(onboarding=onboarding, actor=_actor(request))
    except ValidationError as exc:
        # Already running is not an error here: the status page shows it.
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(request, resumed.resume_summary)
    return redirect("portal:onboarding_status", pk=onboarding.pk)


SHARE_SESSION_KEY = "client_share"


def oauth_callback(request: HttpRequest) -> HttpResponse:
    """Where Facebook Login sends the client's admin back. Not behind the admin login: the
    client is not a portal user; the single-use ``state`` ties the visit to one onboarding.
    For a client grant, their browser goes on to our page listing their assets."""
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
            if onboarding.method == Onboarding.Method.CLIENT_GRANT:
                # This browser (and only this one, for a while) may share for this onboarding.
                request.session.cycle_key()
                request.session.pop("client_share_done", None)
                request.session[SHARE_SESSION_KEY] = {
                    "onboarding": onboarding.pk,
                    "until": time.time() + SHARE_SESSION_TTL.total_seconds(),
                }
                return redirect("portal:client_share")
            context.update(ok=True, name=onboarding.agency.name)
    return render(
        request, "portal/oauth_callback.html", context, status=200 if context["ok"] else 400
    )


def _share_session(request: HttpRequest) -> Onboarding | None:
    entry = request.session.get(SHARE_SESSION_KEY) or {}
    if not entry or float(entry.get("until", 0)) < time.time():
        return None
    return share_onboarding(int(entry.get("onboarding", 0)))


def client_share(request: HttpRequest) -> HttpResponse:
    """The client admin's page (no staff login): their Business Manager's assets, read with
    their login, with the access the agency asks for; they tick, confirm, and see what was
    shared."""
    onboarding = _share_session(request)
    if onboarding is None:
        done = request.session.get("client_share_done")
        if done:
            # Confirmed already: the page keeps saying what was shared, and shares nothing.
            return render(request, "portal/client_share.html", {"done": done})
        return render(
            request,
            "portal/oauth_callback.html",
            {
                "ok": False,
                "message": "This page needs a fresh login: the link has been used or has expired.",
            },
            status=400,
        )
    business_id = (request.POST.get("business") or request.GET.get("business") or "").strip()
    errors: list[str] = []
    if request.method == "POST":
        try:
            outcomes = onboarding_client_share(
                onboarding=onboarding,
                business_id=business_id,
                picks=request.POST.getlist("asset"),
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            request.session.pop(SHARE_SESSION_KEY, None)
            # The same refusal on many assets is said once, with the count.
            repeated = group_refusals([(o.asset_id, o.message) for o in outcomes if not o.ok])
            grouped = {key for r in repeated for key in r.keys}
            done = {
                "agency": onboarding.agency.name,
                "repeated": [{"count": r.count, "message": r.message} for r in repeated],
                "shared": [
                    {
                        "name": o.name,
                        "id": o.asset_id,
                        "kind": AssetKind(o.kind).label,
                        "tasks": task_labels(o.kind, o.tasks),
                        "ok": o.ok,
                        "message": "Refused: the reason above."
                        if o.asset_id in grouped
                        else o.message,
                    }
                    for o in outcomes
                ],
            }
            request.session["client_share_done"] = done
            return render(request, "portal/client_share.html", {"done": done})
    page = onboarding_share_page(onboarding=onboarding, business_id=business_id)
    return render(
        request,
        "portal/client_share.html",
        {
            "onboarding": onboarding,
            "page": page,
            "errors": errors,
            "picked": set(request.POST.getlist("asset")),
        },
        status=400 if errors else 200,
    )
