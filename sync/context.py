"""What every section of one sync run shares: the business, its run row, the Graph client, the
warnings and errors the run ends with, its progress, and the guards every section applies
(a per-asset answer that failed, a removal too large to make unasked)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.conf import settings

from businesses.models import Business, BusinessUser
from graph import GraphClient, GraphError, Page, ThrottledError, TokenInvalidError
from graph import operations as ops
from sync.claim import run_claim_extend
from sync.drift import DriftRecorder
from sync.edges import EdgeReads
from sync.listings import ListingReader
from sync.models import SyncRun
from systemusers.models import SystemUser

# Mid-section progress (and the lease it extends) is written at most this often.
PROGRESS_WRITE_SECONDS = 5.0

# Who a Meta id is in this business: ("p", person pk) or ("s", system user pk).
Principal = tuple[str, int]


class SyncContext:
    # The business's Graph client, set by ``business_sync`` once it is open.
    client: GraphClient

    def __init__(
        self,
        business: Business,
        run: SyncRun,
        *,
        full: bool,
        assets: Sequence[int] | None = None,
    ) -> None:
        self.business = business
        self.run = run
        self.first_sync = business.last_synced_at is None
        self.section_errors: list[str] = []
        # What Meta no longer serves (a listing, a field, a per-asset edge): the run ends
        # "succeeded with warnings" and keeps every row it had from it.
        self.warnings: list[str] = []
        self.withdrawn: set[str] = set()
        self.drift = DriftRecorder(business, run, first_sync=self.first_sync)
        self.listings = ListingReader(
            business.meta_id, withdrawn=self.withdrawn, withdraw=self.warn_withdrawn
        )
        self.known_businesses: dict[str, int] = dict(Business.objects.values_list("meta_id", "pk"))
        # Incremental sync (issue 12): a first sync, or a run asked for a full re-read, reads
        # every asset's per-asset edges; others only those due; a chunk of a big run exactly
        # its ``assets``. Read times are the run's start, whichever task reads.
        self.edges = EdgeReads(
            business,
            full=full or self.first_sync,
            withdrawn=self.withdrawn,
            started_at=run.started_at,
            only=assets,
        )
        self._principals: dict[str, Principal] | None = None
        self._progress_written_at = 0.0

    def listing_pages(
        self, edge: str, fallback: Callable[[], Iterator[Page[Any]]]
    ) -> Iterator[Page[Any]]:
        """The pages of the business's listing ``edge`` (see ``ListingReader``)."""
        return self.listings.listing_pages(self.client, edge, fallback)

    def note(self, kind: str, summary: str, **details: Any) -> None:
        self.drift.note(kind, summary, **details)

    def warn_withdrawn(self, name: str) -> None:
        """Record once that Meta no longer serves `name` (an edge or a field)."""
        self.withdrawn.add(name)
        line = f"not read: Meta no longer serves `{name}` under {settings.META_GRAPH_VERSION}"
        if line not in self.warnings:
            self.warnings.append(line)

    def progress_start(self, *, total: int) -> None:
        self.run.progress_total = total
        self.run.progress_done = 0
        SyncRun.objects.filter(pk=self.run.pk).update(progress_total=total, progress_done=0)

    def progress(self, steps: int) -> None:
        """Record progress and extend the lease: a long healthy sync keeps its claim.
        Mid-section calls (``steps`` 0) write at most every PROGRESS_WRITE_SECONDS."""
        clock = time.monotonic()
        if steps == 0 and clock - self._progress_written_at < PROGRESS_WRITE_SECONDS:
            return
        self._progress_written_at = clock
        self.run.progress_done += steps
        SyncRun.objects.filter(pk=self.run.pk).update(
            progress_done=self.run.progress_done,
            created_count=self.run.created_count,
            updated_count=self.run.updated_count,
            removed_count=self.run.removed_count,
        )
        run_claim_extend(self.business.pk)

    def answer_failed(self, error: GraphError, what: str) -> None:
        """One asset's answer in a batch read was an error: that asset is left as it was. A
        throttle or a dead token stops the whole sync; any other error is recorded."""
        if isinstance(error, ThrottledError | TokenInvalidError):
            raise error
        refusal = ops.withdrawn_refusal(error)
        if refusal is not None and refusal.name is not None:
            # A field or edge Meta no longer serves; a bare "unsupported request" on one asset
            # more likely means the asset is gone, which stays an error.
            self.warn_withdrawn(refusal.name)
            return
        self.section_errors.append(f"{what}: {error.describe()}")

    def removal_is_safe(self, removing: int, existing: int, what: str) -> bool:
        """Never more than SYNC_MAX_REMOVAL_SHARE of a listing's rows marked removed at once:
        more is held back and reported for a person to confirm."""
        share = removing / existing if existing else 0
        if existing >= 4 and share > settings.SYNC_MAX_REMOVAL_SHARE:
            self.run.held_back += (
                f"Held back removing {removing} of {existing} {what} ({share:.0%}): more than "
                f"{settings.SYNC_MAX_REMOVAL_SHARE:.0%} at once needs a person to confirm. "
            )
            return False
        return True

    def principals(self) -> dict[str, Principal]:
        """Meta id → ("p", person pk) or ("s", system user pk), loaded once per sync."""
        if self._principals is None:
            people = BusinessUser.objects.filter(business=self.business, meta_id__isnull=False)
            system_users = SystemUser.objects.filter(business=self.business, meta_id__isnull=False)
            self._principals = {
                **{str(meta): ("p", pk) for meta, pk in people.values_list("meta_id", "pk")},
                **{str(meta): ("s", pk) for meta, pk in system_users.values_list("meta_id", "pk")},
            }
        return self._principals
