from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from businesses.models import Business
from core.pages import render_page
from portal.forms import AccessReportForm
from portal.selectors.access_report import access_report
from portal.selectors.readiness import business_for_readiness, readiness_items


def readiness(request: HttpRequest, business_id: int) -> HttpResponse:
    try:
        business, token = business_for_readiness(request.user, business_id)
    except Business.DoesNotExist:
        raise Http404("No such client here.") from None
    form = AccessReportForm(request.GET or None)
    report = None
    if form.is_bound and form.is_valid():
        report = access_report(
            business=business,
            token=token,
            asset_id=form.cleaned_data["asset_id"],
            user=request.user,
        )
    items = readiness_items(business, token)
    return render_page(
        request,
        "portal/readiness.html",
        {
            "business": business,
            "items": items,
            "ready": sum(i.ok for i in items),
            "form": form,
            "report": report,
        },
        title=f"Readiness of {business.name}",
    )
