"""Per-asset edges: which assets a run reads the users, partner shares and custom conversions
of, and the record of what it read.

Listings are read in full every time; per-asset edges cost a request slot per asset, so an
incremental sync (issue 12) reads only the assets due (``edges_due_filter``) and stamps each
asset's access with the run's start time once its edges were read (``edges_read_at``). An
asset whose answer failed, or every asset of a section that stopped part-way, stays due."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from assets.models import Asset, AssetAccess, Grant, PushState
from businesses.models import Business
from graph import operations as ops
from sync.writes import in_chunks

# Per-asset edges are read in slices: bounded memory whatever the business's size. A slice is
# also one round of database writes, so it is large enough that a big business costs few
# queries per asset (issue 12: queries per sync nearly flat in the asset count).
PER_ASSET_SLICE = 2000


def edges_due_filter(*, business: Business, started_at: datetime) -> Q:
    """Which of a business's assets an incremental sync re-reads the per-asset edges of
    (assigned users, partner shares, custom conversions), as a filter on ``Asset`` joined to
    the business's ``accesses`` (issue 12):

    - never read, or changed in a listing since (``edges_read_at`` empty);
    - read in this very run (an earlier per-asset section of it);
    - the oldest-read slice: its share of the accesses is the business's sync interval over
      SYNC_EDGE_WINDOW_HOURS (at least one), so every asset is re-read within the window;
    - overdue: read before the window began (syncs ran less often than the interval);
    - where the portal pushed since the last sync or is still pushing (a grant or a partner
      share not yet in sync): the read-back.
    """
    window = timedelta(hours=settings.SYNC_EDGE_WINDOW_HOURS)
    interval = timedelta(minutes=business.sync_interval_minutes or 60)
    live = AssetAccess.objects.filter(
        business=business,
        removed_at__isnull=True,
        access_status=AssetAccess.AccessStatus.CONFIRMED,
        edges_read_at__isnull=False,
        edges_read_at__lt=started_at,
    )
    due = (
        Q(accesses__edges_read_at__isnull=True)
        | Q(accesses__edges_read_at__gte=started_at)
        | Q(accesses__edges_read_at__lt=started_at - window)
    )
    total = live.count()
    if total:
        size = max(1, math.ceil(total * (interval / window)))
        # The slice's last (read time, asset) in read order: ties broken by asset pk, since a
        # whole first sync shares one read time.
        last = (
            live.order_by("edges_read_at", "asset_id")
            .values_list("edges_read_at", "asset_id")[size - 1 : size]
            .first()
        ) or live.order_by("edges_read_at", "asset_id").values_list(
            "edges_read_at", "asset_id"
        ).last()
        assert last is not None  # there are ``total`` rows
        read_at, asset_pk = last
        due |= Q(accesses__edges_read_at__lt=read_at) | Q(
            accesses__edges_read_at=read_at, pk__lte=asset_pk
        )
    since = business.last_synced_at or started_at
    pushed_grants = Grant.objects.filter(business=business).filter(
        Q(push_state__in=[PushState.PENDING, PushState.PENDING_REMOVAL, PushState.FAILED])
        | Q(last_pushed_at__gte=since)
    )
    pushing_shares = AssetAccess.objects.filter(asset__owner_business=business).exclude(
        push_state__in=[PushState.IN_SYNC, PushState.REMOVED]
    )
    due |= Q(pk__in=pushed_grants.values("asset_id")) | Q(pk__in=pushing_shares.values("asset_id"))
    return due


class EdgeReads:
    """One run's reading of per-asset edges: which assets to read, which it read, which failed.

    ``full``: read every asset (a first sync, or a run asked for a full re-read); otherwise only
    those due. ``withdrawn``: the run's set of listings Meta no longer serves (shared, filled as
    the run goes): assets known only from such a listing are not read one by one either."""

    def __init__(self, business: Business, *, full: bool, withdrawn: set[str]) -> None:
        self.business = business
        self.full = full
        self.withdrawn = withdrawn
        self.started_at = timezone.now()
        self._due: Q | None = None
        self.failed: set[int] = set()  # assets whose per-asset answer was an error
        self.incomplete = False  # a per-asset section stopped part-way

    @contextmanager
    def section(self) -> Iterator[None]:
        """A per-asset section (assigned users, partner shares, custom conversions): when it
        stops part-way (an error, a throttle), what this run marked read is due again, also
        when the stop ends the whole sync."""
        try:
            yield
        except BaseException:
            self.incomplete = True
            self.finish()
            raise

    def owned_assets(
        self, kinds: Iterable[str], *, only_owned: bool = False
    ) -> Iterator[list[tuple[int, str, str]]]:
        """(pk, meta_id, kind) of the live assets this business owns (or also reaches) whose
        edges this run reads, in slices of PER_ASSET_SLICE, so memory stays flat whatever the
        business's size."""
        access = Q(
            accesses__business=self.business,
            accesses__removed_at__isnull=True,
            accesses__access_status=AssetAccess.AccessStatus.CONFIRMED,
        )
        if only_owned:
            access &= Q(accesses__access_type=AssetAccess.AccessType.OWNER)
        if not self.full:
            if self._due is None:
                self._due = edges_due_filter(business=self.business, started_at=self.started_at)
            access &= self._due
        qs = (
            Asset.objects.filter(access, kind__in=list(kinds), removed_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "meta_id", "kind", "owner_business_id")
            .distinct()
        )
        withdrawn = {
            (kind, relation)
            for (kind, relation), edge in ops.ASSET_EDGES.items()
            if edge in self.withdrawn
        }
        last = 0
        while True:
            rows = list(qs.filter(pk__gt=last)[:PER_ASSET_SLICE])
            if not rows:
                return
            last = rows[-1][0]
            chunk = [
                (pk, meta, kind)
                for pk, meta, kind, owner in rows
                if (kind, "owned" if owner == self.business.pk else "client") not in withdrawn
            ]
            if chunk:
                yield chunk

    def stamp(self, asset_pks: Iterable[int]) -> None:
        """Record that this run read the assets' per-asset edges (the rolling slice's clock)."""
        for pks in in_chunks(asset_pks):
            AssetAccess.objects.filter(business=self.business, asset_id__in=pks).update(
                edges_read_at=self.started_at
            )

    def finish(self) -> None:
        """Assets not fully read in this run stay due: a section that stopped part-way un-marks
        every asset this run marked read; a failed answer un-marks its asset."""
        if self.incomplete:
            AssetAccess.objects.filter(
                business=self.business, edges_read_at=self.started_at
            ).update(edges_read_at=None)
            return
        for pks in in_chunks(self.failed):
            AssetAccess.objects.filter(business=self.business, asset_id__in=pks).update(
                edges_read_at=None
            )
