from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from businesses import scoping
from businesses.models import PartnerRelationship
from businesses.selectors import visible_businesses
from core.pages import render_page
from onboarding.models import Onboarding
from onboarding.services import visible_onboardings
from portal.selectors.home import home_rows
from sync.models import SyncRun

PER_PAGE = 50
ENDED_WITHIN = timedelta(days=30)


def home(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(visible_businesses(request.user).order_by("-is_agency", "name"), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = home_rows(
        request.user, offset=page.start_index() - 1 if paginator.count else 0, limit=PER_PAGE
    )
    failed_onboardings = list(
        visible_onboardings(request.user)
        .filter(status=Onboarding.Status.FAILED)
        .order_by("-updated_at")[:20]
    )
    ended = list(
        scoping.scope(
            PartnerRelationship.objects.filter(
                status=PartnerRelationship.Status.REMOVED,
                updated_at__gte=timezone.now() - ENDED_WITHIN,
            ),
            request.user,
            "client",
        )
        .select_related("agency", "client")
        .order_by("-updated_at")[:20]
    )
    return render_page(
        request,
        "portal/home.html",
        {
            "rows": rows,
            "page": page,
            "clients": [r for r in rows if not r.business.is_agency],
            "failed_onboardings": failed_onboardings,
            "ended_partnerships": ended,
            "syncing": any(
                r.run and r.run.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
                for r in rows
            ),
        },
        title="Clients at a glance",
    )


def login_to_portal(request: HttpRequest) -> HttpResponse:
    """The admin's login, landing on the portal home unless a ``next`` says otherwise."""
    if not request.GET.get(REDIRECT_FIELD_NAME) and not request.POST.get(REDIRECT_FIELD_NAME):
        for name in ("GET", "POST"):
            params = getattr(request, name).copy()
            params[REDIRECT_FIELD_NAME] = reverse("portal:home")
            setattr(request, name, params)
    return admin.site.login(request)
