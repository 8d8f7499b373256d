"""The security review page, its CSV, and dismissing / restoring a finding."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from businesses.actors import Actor
from businesses.models import AuditEvent
from businesses.selectors import business_or_404, visible_businesses
from core.pages import render_page, require_perm
from security import services
from security.models import FindingDismissal
from security.review import security_review

# Auditors (view-only) see the review; dismissing is a change to how the client is managed.
DISMISS_PERM = "businesses.change_business"


def _client(request: HttpRequest):
    raw = request.GET.get("client") or request.POST.get("client")
    if not raw:
        return None
    try:
        return business_or_404(request, int(raw))
    except ValueError:
        raise Http404("No such client here.") from None


def review(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    result = security_review(request.user, business=client)
    return render_page(
        request,
        "security/review.html",
        {
            "review": result,
            "client": client,
            "clients": visible_businesses(request.user).filter(is_agency=False).order_by("name"),
            "can_dismiss": request.user.has_perm(DISMISS_PERM),
            "show_dismissed": request.GET.get("dismissed") == "1",
        },
        title="Security review",
    )


def review_csv(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    result = security_review(request.user, business=client)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="security-review.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["risk", "client", "client business id", "finding", "who or what", "why", "fix", "live"]
    )
    for f in result.findings:
        writer.writerow(
            [
                f.risk_label,
                f.business.name,
                f.business.meta_id,
                f.title,
                f.subject,
                f.why,
                request.build_absolute_uri(f.fix_url),
                "yes" if f.live else "",
            ]
        )
    return response


@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    require_perm(request, DISMISS_PERM)
    client = _client(request)
    if client is None:
        raise Http404("No such client here.")
    try:
        services.finding_dismiss(
            user=request.user,
            business=client,
            key=request.POST.get("key", ""),
            reason=request.POST.get("reason", ""),
            actor=Actor.staff(request.user, source=AuditEvent.Source.FORM),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Finding dismissed; the reason is in the client's history.")
    return redirect(reverse("portal:security:review"))


@require_POST
def restore(request: HttpRequest, dismissal_id: int) -> HttpResponse:
    require_perm(request, DISMISS_PERM)
    dismissal = FindingDismissal.objects.filter(
        pk=dismissal_id, business__in=visible_businesses(request.user)
    ).first()
    if dismissal is None:
        raise Http404("No such finding here.")
    services.finding_restore(
        dismissal=dismissal, actor=Actor.staff(request.user, source=AuditEvent.Source.FORM)
    )
    messages.success(request, "Finding restored.")
    return redirect(reverse("portal:security:review") + "?dismissed=1")
