"""The client admin's side (no staff login): where Facebook Login sends them back, and, for a
client grant, the page listing their assets to tick and share."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from assets.models import AssetKind
from assets.selectors import task_labels
from onboarding.models import Onboarding
from onboarding.selectors import share_onboarding
from onboarding.services import (
    SHARE_SESSION_TTL,
    group_refusals,
    onboarding_client_share,
    onboarding_record_login,
    onboarding_share_page,
)
from onboarding.views.common import login_redirect_uri

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
                redirect_uri=login_redirect_uri(request),
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
