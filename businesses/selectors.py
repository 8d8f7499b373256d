"""The businesses and developer apps a staff member may see: every page starts from these, so
a client the staff member is not assigned to is a 404 that does not say whether it exists."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from businesses import scoping
from businesses.models import Business, DeveloperApp


def visible_businesses(user: Any) -> QuerySet[Business]:
    return scoping.scope(Business.objects.all(), user, "")


def visible_apps(user: Any) -> QuerySet[DeveloperApp]:
    return scoping.scope_apps(DeveloperApp.objects.all(), user)


def business_or_404(request: HttpRequest, business_id: int) -> Business:
    """A business the user may see, or a 404 that does not say whether it exists."""
    business = visible_businesses(request.user).select_related("app").filter(pk=business_id).first()
    if business is None:
        raise Http404("No such client here.")
    return business
