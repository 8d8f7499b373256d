"""The access report page: who holds what."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from assets.models import Grant
from assets.scoping import scope_assets
from assets.selectors import live_grants
from businesses.models import Business


def access_report_grants(user: Any, business: Business | None) -> QuerySet[Grant]:
    """Who holds what: live grants on the assets the staff member sees (of one client, or all)."""
    qs = scope_assets(live_grants(), user, "asset")
    if business is not None:
        qs = qs.filter(Q(asset__owner_business=business) | Q(business=business))
    return qs.order_by("asset__kind", "asset__name", "asset_id", "pk")
