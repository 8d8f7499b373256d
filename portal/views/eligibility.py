from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from businesses.eligibility import RULES, app_eligibility, chart, current_rule
from businesses.selectors import visible_apps
from core.pages import render_page


def eligibility(request: HttpRequest, app_id: int | None = None) -> HttpResponse:
    # The agency's apps are every staff member's to read; a client's own app is its business.
    apps = list(visible_apps(request.user).order_by("name"))
    app = (
        get_object_or_404(visible_apps(request.user), pk=app_id)
        if app_id
        else (apps[0] if apps else None)
    )
    result = app_eligibility(app) if app else None
    return render_page(
        request,
        "portal/eligibility.html",
        {
            "apps": apps,
            "app": app,
            "result": result,
            "chart": chart(result) if result else None,
            "rule": current_rule(),
            "other_rules": [r for r in RULES.values() if r.key != current_rule().key],
        },
        title="Full access eligibility",
    )
