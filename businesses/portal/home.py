from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from businesses.portal.common import render_page
from businesses.portal.selectors import home_rows


def home(request: HttpRequest) -> HttpResponse:
    rows = home_rows(request.user)
    return render_page(
        request,
        "portal/home.html",
        {"rows": rows, "clients": [r for r in rows if not r.business.is_agency]},
        title="Clients at a glance",
    )
