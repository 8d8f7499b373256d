"""The onboardings list, a run's status page (and its JSON for polling), and "Retry what
failed"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.pages import render_page, require_perm
from onboarding.models import Onboarding
from onboarding.selectors import visible_onboardings
from onboarding.services import login_dialog_url, onboarding_resume, repeated_failures
from onboarding.views.common import (
    login_redirect_uri,
    onboarding_or_404,
    requested_items,
    staff_actor,
)


def onboarding_list(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "portal/onboarding_list.html",
        {"onboardings": visible_onboardings(request.user)[:100]},
        title="Onboarding",
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
    onboarding = onboarding_or_404(request, pk)
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
                onboarding=onboarding, redirect_uri=login_redirect_uri(request)
            ),
            "items": requested_items(onboarding),
        },
        title=f"Onboarding of {onboarding.name}",
    )


def onboarding_status_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_status_payload(onboarding_or_404(request, pk)))


@require_POST
def onboarding_retry(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "businesses.add_business")
    onboarding = onboarding_or_404(request, pk)
    try:
        resumed = onboarding_resume(onboarding=onboarding, actor=staff_actor(request))
    except ValidationError as exc:
        # Already running is not an error here: the status page shows it.
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(request, resumed.resume_summary)
    return redirect("portal:onboarding_status", pk=onboarding.pk)
