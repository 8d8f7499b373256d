"""The home page's rows: every client the staff member sees, with what the morning check needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from assets.models import Grant, PushState
from assets.scoping import scope_assets, scope_drift_events
from businesses.models import AccessToken
from businesses.selectors import visible_businesses
from portal.selectors.queries import connection_tokens, count_subquery
from portal.selectors.readiness import (
    ReadinessItem,
    TokenHealth,
    connection_token,
    granted_asset_counts,
    readiness_annotated,
    readiness_items,
    token_health,
)
from sync.models import DriftEvent, SyncRun
from systemusers.caps import CapMeter, meter_from_rows
from systemusers.models import SystemUser

if TYPE_CHECKING:
    from portal.selectors.readiness import ReadyBusiness


@dataclass
class HomeRow:
    business: ReadyBusiness
    run: SyncRun | None
    token: AccessToken | None
    meter: CapMeter
    readiness: list[ReadinessItem]

    @property
    def health(self) -> TokenHealth:
        return token_health(self.token)

    @property
    def ready_count(self) -> int:
        return sum(item.ok for item in self.readiness)

    @property
    def missing(self) -> list[ReadinessItem]:
        return [item for item in self.readiness if not item.ok]

    @property
    def paused(self) -> bool:
        until = self.business.sync_paused_until
        return until is not None and until > timezone.now()


def home_rows(user: Any, *, offset: int = 0, limit: int | None = None) -> list[HomeRow]:
    """Every business the staff member sees (or one page of them: ``offset``/``limit``), with
    what the morning check needs.

    Queries: the annotated businesses (1), their granted asset counts (1), their latest sync
    runs (1), connection tokens (1), system users (1) — five, whatever the number of clients."""
    since = timezone.now() - timedelta(days=1)
    latest_run = SyncRun.objects.filter(business_id=OuterRef("pk")).order_by("-created_at")
    qs = (
        readiness_annotated(visible_businesses(user), user, with_granted_count=False)
        .select_related("app", "app__owner_business")
        .annotate(
            latest_run_id=Subquery(latest_run.values("pk")[:1]),
            drift_count=count_subquery(
                scope_drift_events(DriftEvent.objects.all(), user).filter(
                    business_id=OuterRef("pk"), detected_at__gte=since
                )
            ),
            failed_grants=count_subquery(
                scope_assets(
                    Grant.objects.filter(push_state=PushState.FAILED), user, "asset"
                ).filter(Q(business_id=OuterRef("pk")) | Q(asset__owner_business_id=OuterRef("pk")))
            ),
        )
        .prefetch_related(
            connection_tokens(),
            Prefetch("system_users", queryset=SystemUser.objects.order_by("role", "name")),
        )
        .order_by("-is_agency", "name")
    )
    businesses = list(qs[offset : offset + limit] if limit is not None else qs)
    # The correlated COUNT(DISTINCT) per business was most of the page at 100k assets
    # (issue 12): one grouped query instead, replacing the annotation's value.
    granted = granted_asset_counts([b.pk for b in businesses], user)
    for b in businesses:
        b.granted_asset_count = granted.get(b.pk, 0)
    run_ids = [b.latest_run_id for b in businesses if b.latest_run_id]
    runs = SyncRun.objects.in_bulk(run_ids) if run_ids else {}
    return [
        HomeRow(
            business=b,
            run=runs.get(b.latest_run_id),
            token=connection_token(b),
            meter=meter_from_rows(b, list(b.system_users.all())),
            readiness=readiness_items(b, connection_token(b)),
        )
        for b in businesses
    ]
