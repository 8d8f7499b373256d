"""The search page: assets, people and system users the staff member sees, each with who holds
what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q

from assets.models import Asset
from assets.scoping import scope_assets
from assets.selectors import live_grants
from businesses import scoping
from businesses.models import BusinessUser
from systemusers.models import SystemUser

SEARCH_LIMIT = 50


@dataclass
class SearchResults:
    """One page of hits of each kind; ``more`` says whether a next page has any."""

    assets: list[Asset] = field(default_factory=list)
    people: list[BusinessUser] = field(default_factory=list)
    system_users: list[SystemUser] = field(default_factory=list)
    more: bool = False


def search(user: Any, q: str, *, page: int = 1) -> SearchResults:
    """Assets by id or name, people by name or email, system users by name or id — each with
    who holds what (a person or system user of a business the staff member manages, the
    agency say, can hold tasks in clients they do not manage, so holdings are scoped by
    asset); ``SEARCH_LIMIT`` of each per page. Five queries whatever the number of hits."""
    q = (q or "").strip()
    if not q:
        return SearchResults()
    start = (max(page, 1) - 1) * SEARCH_LIMIT
    end = start + SEARCH_LIMIT + 1  # one more than shown: is there a next page?
    ids = [q] + ([f"act_{q}"] if q.isdigit() else [])
    held = scope_assets(live_grants(), user, "asset").order_by("asset__name")
    assets = list(
        scope_assets(Asset.objects.all(), user)
        .filter(Q(meta_id__in=ids) | Q(name__icontains=q))
        .select_related("owner_business")
        .prefetch_related(Prefetch("grants", queryset=held, to_attr="live"))
        .order_by("kind", "name")[start:end]
    )
    people = list(
        scoping.scope(BusinessUser.objects.all(), user, "business")
        .filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(meta_id=q))
        .select_related("business")
        .prefetch_related(Prefetch("grants", queryset=held, to_attr="live"))
        .order_by("name")[start:end]
    )
    system_users = list(
        scoping.scope(SystemUser.objects.all(), user, "business")
        .filter(Q(name__icontains=q) | Q(meta_id=q))
        .select_related("business")
        .prefetch_related(Prefetch("grants", queryset=held, to_attr="live"))
        .order_by("name")[start:end]
    )
    return SearchResults(
        assets=assets[:SEARCH_LIMIT],
        people=people[:SEARCH_LIMIT],
        system_users=system_users[:SEARCH_LIMIT],
        more=any(len(rows) > SEARCH_LIMIT for rows in (assets, people, system_users)),
    )
