"""Per-asset edges: which assets a run reads the users, partner shares and custom conversions
of, and the record of what it read.

Listings are read in full every time; per-asset edges cost a request slot per asset, so an
incremental sync (issue 12) reads only the assets due (``edges_due_filter``) and stamps each
asset's access with the run's start time once its edges were read (``edges_read_at``). An
asset whose answer failed, or every asset of a section that stopped part-way, stays due."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
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
    """Which of a business's live accesses an incremental sync re-reads the asset's per-asset
    edges of (assigned users, partner shares, custom conversions), as a filter on
    ``AssetAccess`` that names only the access's own columns (issue 12):

    - never read, or changed in a listing since (``edges_read_at`` empty);
    - the oldest-read slice: its share of the accesses is the business's sync interval over
      SYNC_EDGE_WINDOW_HOURS (at least one), so every asset is re-read within the window;
    - overdue: read before the window began (syncs ran less often than the interval);
    - where the portal pushed since the last sync or is still pushing (a grant or a partner
      share not yet in sync): the read-back.

    No join to ``Asset``: OR'ed conditions across a join left PostgreSQL free to loop over
    every access of the business once per asset whenever its statistics missed the
    business's rows (a newly connected business, autovacuum behind), which made a no-change
    sync of 50k assets slower than the first one."""
    window = timedelta(hours=settings.SYNC_EDGE_WINDOW_HOURS)
    interval = timedelta(minutes=business.sync_interval_minutes or 60)
    live = AssetAccess.objects.filter(
        business=business,
        removed_at__isnull=True,
        access_status=AssetAccess.AccessStatus.CONFIRMED,
        edges_read_at__isnull=False,
        edges_read_at__lt=started_at,
    )
    due = Q(edges_read_at__isnull=True) | Q(edges_read_at__lt=started_at - window)
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
        due |= Q(edges_read_at__lt=read_at) | Q(edges_read_at=read_at, asset_id__lte=asset_pk)
    since = business.last_synced_at or started_at
    pushed_grants = Grant.objects.filter(business=business).filter(
        Q(push_state__in=[PushState.PENDING, PushState.PENDING_REMOVAL, PushState.FAILED])
        | Q(last_pushed_at__gte=since)
    )
    pushing_shares = AssetAccess.objects.filter(asset__owner_business=business).exclude(
        push_state__in=[PushState.IN_SYNC, PushState.REMOVED]
    )
    due |= Q(asset_id__in=pushed_grants.values("asset_id")) | Q(
        asset_id__in=pushing_shares.values("asset_id")
    )
    return due


class EdgeReads:
    """One run's reading of per-asset edges: which assets to read, which it read, which failed.

    ``full``: read every asset (a first sync, or a run asked for a full re-read); otherwise only
    those due. ``withdrawn``: the run's set of listings Meta no longer serves (shared, filled as
    the run goes): assets known only from such a listing are not read one by one either.

    Which assets to read is decided once per run, when the first per-asset section starts
    (after every listing has marked what changed), and kept as the sorted asset pks (8 bytes
    each, plus one for "owned"): every section reads the same assets, and each slice is read
    back by primary key, so a slice costs the same whatever the business's size."""

    def __init__(
        self,
        business: Business,
        *,
        full: bool,
        withdrawn: set[str],
        started_at: datetime | None = None,
        only: Sequence[int] | None = None,
    ) -> None:
        self.business = business
        self.full = full
        self.withdrawn = withdrawn
        # The run's start: every chunk of a run stamps the same read time as its main task.
        self.started_at = started_at or timezone.now()
        # A chunk of a big run (``sync.chunks``) reads exactly these assets, decided by the run.
        self.only = only
        self._to_read: tuple[array[int], bytearray] | None = None  # (asset pks, owned flags)
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

    def _assets_to_read(self) -> tuple[array[int], bytearray]:
        """The pks of the assets this run reads the edges of, ascending, and for each whether
        the business owns it: the live confirmed accesses (all of them, or those due), in one
        query on the accesses alone."""
        if self._to_read is None:
            accesses = AssetAccess.objects.filter(
                business=self.business,
                removed_at__isnull=True,
                access_status=AssetAccess.AccessStatus.CONFIRMED,
            )
            if self.only is not None:
                accesses = accesses.filter(asset_id__in=self.only)
            elif not self.full:
                accesses = accesses.filter(
                    edges_due_filter(business=self.business, started_at=self.started_at)
                )
            pks: array[int] = array("q")
            owned = bytearray()
            rows = accesses.order_by("asset_id").values_list("asset_id", "access_type")
            for asset_pk, access_type in rows.iterator(chunk_size=PER_ASSET_SLICE):
                pks.append(asset_pk)
                owned.append(access_type == AssetAccess.AccessType.OWNER)
            self._to_read = (pks, owned)
        return self._to_read

    def due_count(self) -> int:
        """How many assets this run reads the edges of (decided now, if not yet)."""
        return len(self._assets_to_read()[0])

    def due_pks(self) -> list[int]:
        """The pks of the assets this run reads the edges of, ascending."""
        return list(self._assets_to_read()[0])

    def owned_assets(
        self, kinds: Iterable[str], *, only_owned: bool = False
    ) -> Iterator[list[tuple[int, str, str]]]:
        """(pk, meta_id, kind) of the live assets this business owns (or also reaches) whose
        edges this run reads, in slices of at most PER_ASSET_SLICE, so memory stays flat
        whatever the business's size."""
        pks, owned = self._assets_to_read()
        wanted = (pk for pk, mine in zip(pks, owned, strict=True) if mine or not only_owned)
        withdrawn = {
            (kind, relation)
            for (kind, relation), edge in ops.ASSET_EDGES.items()
            if edge in self.withdrawn
        }
        for window in in_chunks(wanted, PER_ASSET_SLICE):
            rows = (
                Asset.objects.filter(pk__in=window, kind__in=list(kinds), removed_at__isnull=True)
                .order_by("pk")
                .values_list("pk", "meta_id", "kind", "owner_business_id")
            )
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
        every asset this run marked read (a chunk: of its own assets); a failed answer un-marks
        its asset."""
        if self.incomplete:
            marked = AssetAccess.objects.filter(
                business=self.business, edges_read_at=self.started_at
            )
            if self.only is None:
                marked.update(edges_read_at=None)
            for pks in in_chunks(self.only or ()):
                marked.filter(asset_id__in=pks).update(edges_read_at=None)
            return
        for pks in in_chunks(self.failed):
            AssetAccess.objects.filter(business=self.business, asset_id__in=pks).update(
                edges_read_at=None
            )
