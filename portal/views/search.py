from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from core.pages import render_page
from portal.selectors.search import search as search_rows


def search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:200]
    raw_page = request.GET.get("page") or "1"
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 10_000 else 1
    results = search_rows(request.user, q, page=page) if q else None
    return render_page(
        request,
        "portal/search.html",
        {"q": q, "results": results, "page": page},
        title=f"Search: {q}" if q else "Search",
    )
