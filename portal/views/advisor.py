from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from businesses.advisor import BY_SLUG, USE_CASES
from businesses.models import AccessLevel
from businesses.selectors import visible_apps
from core.pages import render_page


def advisor(request: HttpRequest) -> HttpResponse:
    case = BY_SLUG.get(request.GET.get("use_case", ""))
    across = request.GET.get("across") == "1"
    return render_page(
        request,
        "portal/advisor.html",
        {
            "use_cases": USE_CASES,
            "case": case,
            "across": across,
            "advanced": case.advanced_needed(across) if case else None,
            "apps": visible_apps(request.user).order_by("name"),
            "full_label": f"{AccessLevel.ADVANCED.label} access",
            "limited_label": f"{AccessLevel.STANDARD.label} access",
        },
        title="Permission advisor",
    )
