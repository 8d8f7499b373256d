"""What every portal page shares: the admin's chrome and the scoping that turns a business a
staff member is not assigned to into a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from businesses.models import Business
from portal.selectors import visible_businesses


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, title: str, status: int = 200
) -> HttpResponse:
    page = {**admin.site.each_context(request), "title": title, **context}
    return render(request, template, page, status=status)


def business_or_404(request: HttpRequest, business_id: int) -> Business:
    """A business the user may see, or a 404 that does not say whether it exists."""
    business = visible_businesses(request.user).select_related("app").filter(pk=business_id).first()
    if business is None:
        raise Http404("No such client here.")
    return business


def require_perm(request: HttpRequest, perm: str) -> None:
    from django.core.exceptions import PermissionDenied

    if not request.user.has_perm(perm):
        raise PermissionDenied(f"You need the {perm} permission for this page.")
