from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from businesses.portal.common import render_page
from businesses.portal.selectors import search as search_rows


def search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:200]
    results = search_rows(request.user, q) if q else None
    return render_page(
        request,
        "portal/search.html",
        {"q": q, "results": results},
        title=f"Search: {q}" if q else "Search",
    )
