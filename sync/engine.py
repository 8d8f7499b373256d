"""Pulling a business's state from Meta: the sync.

A sync reads everything the domain model holds for one business and streams it into the
database page by page (short transactions, never one held open across a call to Meta):

1. Claim the business with a compare-and-swap on ``sync_state`` and a lease, so exactly one
   sync runs per business and a crashed worker's claim expires by itself. A redelivered task
   whose run already holds the claim takes it over.
2. Read each listing (the business node; owned, client and pending assets of every kind;
   custom conversions; people and invitations; system users; partners; asset groups; each
   asset's assigned users and partner shares) and upsert what changed — a second sync of
   unchanged data writes nothing.
3. After a listing completed (its last page had no ``next``), mark rows it no longer holds as
   removed — never after an error, and never more than SYNC_MAX_REMOVAL_SHARE of them at once
   (held back and reported instead).
4. Record what changed outside the portal as drift, release the claim, and finish the run.
Throttling pauses the business until Meta's regain time; the task is re-queued for then.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assets.models import (
    GRANTABLE_KINDS,
    SHAREABLE_KINDS,
    Asset,
    AssetAccess,
    AssetGroup,
    AssetKind,
    Grant,
    PushState,
)
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import NotConnectedError, app_client, business_client
from businesses.models import (
    AccessToken,
    AppRole,
    Business,
    BusinessUser,
    DeveloperApp,
    PartnerRelationship,
)
from businesses.queueing import enqueue
from graph import (
    BadRequestError,
    GraphClient,
    GraphError,
    MetaUnreachableError,
    Page,
    PermissionMissingError,
    ThrottledError,
    TokenInvalidError,
)
from graph import operations as ops
from graph.types import AssetNode
from sync.models import DriftEvent, SyncRun
from systemusers.caps import access_level_of, cap_for
from systemusers.models import MAX_ADMIN_SLOTS, MAX_EMPLOYEE_SLOTS, SystemUser

logger = logging.getLogger(__name__)

# Offline event sets are not read: Business.offline_conversion_data_sets left the SDK in v20
# (the Offline Conversions API was discontinued; offline events go to datasets, i.e. pixels).
# Rows stored before stay as they are (legacy, nothing sweeps them).
OWNED_KINDS = (
    AssetKind.AD_ACCOUNT,
    AssetKind.PAGE,
    AssetKind.PIXEL,
    AssetKind.CATALOG,
    AssetKind.APP,
    AssetKind.INSTAGRAM_ACCOUNT,
)
CLIENT_KINDS = (
    AssetKind.AD_ACCOUNT,
    AssetKind.PAGE,
    AssetKind.PIXEL,
    AssetKind.CATALOG,
    AssetKind.APP,
    AssetKind.INSTAGRAM_ACCOUNT,
)
PENDING = (
    (AssetKind.AD_ACCOUNT, "owned"),
    (AssetKind.AD_ACCOUNT, "client"),
    (AssetKind.PAGE, "owned"),
    (AssetKind.PAGE, "client"),
    (AssetKind.APP, "client"),
)
# (kind, access type) whose pending requests this business can list itself.
PENDING_LISTED = frozenset(
    (kind, AssetAccess.AccessType.OWNER if relation == "owned" else AssetAccess.AccessType.AGENCY)
    for kind, relation in PENDING
)
# A person's asset groups carry tasks per kind (adaccount_tasks, page_tasks, pixel_tasks: the
# fields `/{user}/assigned_business_asset_groups` adds, reference "System User Assigned
# Business Asset Groups"): the kind each covers. Meta reports no group tasks for other kinds.
GROUP_TASK_KINDS = {
    "adaccount": AssetKind.AD_ACCOUNT,
    "page": AssetKind.PAGE,
    "pixel": AssetKind.PIXEL,
}
# Per-asset edges are read in slices: bounded memory whatever the business's size. A slice is
# also one round of database writes, so it is large enough that a big business costs few
# queries per asset (issue 12: queries per sync nearly flat in the asset count).
PER_ASSET_SLICE = 2000
# Listing pages are written in slices of up to this many items (several of Meta's pages).
WRITE_SLICE = 5000
# ``IN (...)`` lists are sent in chunks of this many values.
IN_CHUNK = 5000
# Mid-section progress (and the lease it extends) is written at most this often.
PROGRESS_WRITE_SECONDS = 5.0


def in_chunks(values: Iterable[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """Values in lists of at most ``size``: large ``IN`` lists become several queries."""
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_slices(pages: Iterable[list[Any]], size: int = WRITE_SLICE) -> Iterator[list[Any]]:
    """Items of consecutive pages gathered into slices of about ``size`` (bounded memory), so
    a big listing is written in a few bulk statements instead of a few per page."""
    buffer: list[Any] = []
    for items in pages:
        buffer.extend(items)
        if len(buffer) >= size:
            yield buffer
            buffer = []
    if buffer:
        yield buffer


def per_asset_section(method: Callable[[Syncer], None]) -> Callable[[Syncer], None]:
    """A per-asset section (assigned users, partner shares, custom conversions): when it stops
    part-way (an error, a throttle), what this run marked read is due again (``finish_edges``),
    also when the stop ends the whole sync."""

    @functools.wraps(method)
    def run(syncer: Syncer) -> None:
        try:
            method(syncer)
        except BaseException:
            syncer.edges_incomplete = True
            syncer.finish_edges()
            raise

    return run


def edges_due_filter(*, business: Business, started_at: Any) -> Q:
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


def apply_changes(obj: Any, wanted: dict[str, Any], now: Any) -> bool:
    """Set the wanted values on a row; True when any differed. Only changed rows are written,
    so a sync of unchanged data leaves every row (and its updated_at) alone."""
    if all(getattr(obj, key) == value for key, value in wanted.items()):
        return False
    for key, value in wanted.items():
        setattr(obj, key, value)
    obj.updated_at = now
    return True


def business_sync_request(
    *, business: Business, trigger: str, actor: Actor, full: bool = False
) -> SyncRun:
    """Queue a sync of a business; the task starts after this transaction commits. ``full``:
    re-read every asset's users, partner shares and conversions (see ``business_sync``)."""
    from sync.tasks import business_sync_task

    run = SyncRun.objects.create(
        business=business,
        trigger=trigger,
        requested_by=actor.user,
        status=SyncRun.Status.QUEUED,
        full_read=full,
    )
    transaction.on_commit(lambda: enqueue(business_sync_task, business.pk, run.pk, row=run))
    return run


def businesses_due_for_sync(*, limit: int = 500):
    """Connected, idle, unpaused businesses whose own interval has passed, oldest sync first,
    leaving out those with a sync already queued in the last half hour."""
    now = timezone.now()
    connected = AccessToken.objects.filter(
        purpose=AccessToken.Purpose.CONNECTION, is_active=True, is_valid=True
    ).values("business_id")
    recently_queued = SyncRun.objects.filter(
        status=SyncRun.Status.QUEUED, created_at__gte=now - timedelta(minutes=30)
    ).values("business_id")
    return (
        Business.objects.filter(pk__in=connected, sync_state=Business.SyncState.IDLE)
        .filter(Q(sync_paused_until__isnull=True) | Q(sync_paused_until__lte=now))
        .filter(
            # After a failure the retry time rules (back-off); otherwise the interval does.
            Q(sync_retry_at__lte=now)
            | Q(sync_retry_at__isnull=True, last_synced_at__isnull=True)
            | Q(
                sync_retry_at__isnull=True,
                last_synced_at__lte=now - timedelta(minutes=1) * F("sync_interval_minutes"),
            )
        )
        .exclude(pk__in=recently_queued)
        .order_by(F("last_synced_at").asc(nulls_first=True))[:limit]
    )


def sync_dispatch_due(*, actor: Actor, limit: int = 500) -> int:
    """Queue a sync for every business that is due (the beat's per-minute tick)."""
    count = 0
    for business in businesses_due_for_sync(limit=limit):
        business_sync_request(business=business, trigger=SyncRun.Trigger.SCHEDULE, actor=actor)
        count += 1
    return count


def _claim(business_id: int, run: SyncRun) -> bool:
    """Compare-and-swap the business from idle (or an expired lease) to running."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    free = Q(sync_state=Business.SyncState.IDLE) | Q(sync_lease_until__lt=now)
    claimed = Business.objects.filter(free, pk=business_id).update(
        sync_state=Business.SyncState.RUNNING, sync_lease_until=lease
    )
    if claimed == 1:
        return True
    # A redelivered task (its worker died) already holds the claim through its run.
    if run.status == SyncRun.Status.RUNNING:
        newest_running = (
            SyncRun.objects.filter(business_id=business_id, status=SyncRun.Status.RUNNING)
            .order_by("-started_at")
            .values_list("pk", flat=True)
            .first()
        )
        if newest_running == run.pk:
            Business.objects.filter(pk=business_id).update(sync_lease_until=lease)
            return True
    return False


def _release(business_id: int, **fields: Any) -> None:
    Business.objects.filter(pk=business_id).update(
        sync_state=Business.SyncState.IDLE, sync_lease_until=None, **fields
    )


def sync_retry_delay(failures_in_a_row: int) -> timedelta:
    """The back-off after the n-th failed sync in a row (SYNC_RETRY_MINUTES, last one repeats)."""
    steps = settings.SYNC_RETRY_MINUTES
    return timedelta(minutes=steps[min(max(failures_in_a_row, 1), len(steps)) - 1])


def _release_failed(business_id: int) -> Any:
    """Release after a failed run and schedule the next try; last_synced_at stays put, so the
    business is not left a whole interval behind. Returns the time of the next try."""
    failures = (
        Business.objects.filter(pk=business_id)
        .values_list("sync_failures_in_a_row", flat=True)
        .first()
        or 0
    ) + 1
    retry_at = timezone.now() + sync_retry_delay(failures)
    _release(business_id, sync_retry_at=retry_at, sync_failures_in_a_row=failures)
    return retry_at


def _next_try_note(retry_at: Any) -> str:
    return f" Next try at {timezone.localtime(retry_at):%H:%M} UTC."


def business_sync(
    *,
    business_id: int,
    run_id: int | None = None,
    trigger: str = SyncRun.Trigger.MANUAL,
    actor: Actor | None = None,
    sleep: Callable[[float], None] | None = None,
    full: bool = False,
) -> SyncRun:
    """Run one sync of a business in this process (see the module docstring). ``full`` (or the
    run's ``full_read``) re-reads every asset's per-asset edges, not only those due."""
    business = Business.objects.select_related("app").get(pk=business_id)
    if run_id is None:
        run = SyncRun.objects.create(
            business=business,
            trigger=trigger,
            requested_by=actor.user if actor else None,
        )
    else:
        run = SyncRun.objects.get(pk=run_id)
    if run.status in SyncRun.FINISHED:
        return run  # a duplicate delivery of a finished run: nothing to do twice
    now = timezone.now()
    if business.sync_paused_until and business.sync_paused_until > now:
        run.status = SyncRun.Status.PAUSED
        run.paused_until = business.sync_paused_until
        run.finished_at = now
        run.save(update_fields=["status", "paused_until", "finished_at"])
        return run
    if not _claim(business.pk, run):
        run.status = SyncRun.Status.SKIPPED
        run.finished_at = now
        run.save(update_fields=["status", "finished_at"])
        return run
    run.status = SyncRun.Status.RUNNING
    run.started_at = run.started_at or now
    run.error = ""
    run.save(update_fields=["status", "started_at", "error"])
    syncer = Syncer(business, run)
    run.full_read = run.full_read or full
    syncer.full = syncer.full or run.full_read
    try:
        with business_client(business, sleep=sleep) as (client, ledger):
            syncer.client = client
            try:
                syncer.execute()
            finally:
                ledger.flush()
                run.graph_calls = ledger.count
                run.max_usage_pct = min(100, ledger.max_usage_pct)
    except ThrottledError as err:
        paused_until = timezone.now() + timedelta(seconds=max(60.0, err.retry_after))
        run.status = SyncRun.Status.PAUSED
        run.paused_until = paused_until
        run.error = err.describe()
        _release(business.pk, sync_paused_until=paused_until)
    except TokenInvalidError as err:
        AccessToken.objects.filter(
            business=business, purpose=AccessToken.Purpose.CONNECTION, is_active=True
        ).update(is_valid=False, invalid_reason=err.describe(), last_verified_at=timezone.now())
        run.status = SyncRun.Status.FAILED
        run.error = err.describe()
        _release(business.pk)
    except (GraphError, NotConnectedError) as err:
        run.status = SyncRun.Status.FAILED
        run.error = err.describe() if isinstance(err, GraphError) else str(err)
        run.error += _next_try_note(_release_failed(business.pk))
    except BaseException:
        # Unknown failure (or the worker's soft time limit): release, record, re-raise.
        run.status = SyncRun.Status.FAILED
        run.error = "The sync stopped on an unexpected error; see the worker log."
        run.error += _next_try_note(_release_failed(business.pk))
        run.finished_at = timezone.now()
        run.save()
        _log_outcome(run, business)
        raise
    else:
        run.warnings = "\n".join(syncer.warnings)[:5000]
        if syncer.section_errors:
            run.status = SyncRun.Status.FAILED
            run.error = " ".join(syncer.section_errors)[:4900]
            run.error += _next_try_note(_release_failed(business.pk))
        else:
            run.status = (
                SyncRun.Status.SUCCEEDED_WITH_WARNINGS
                if syncer.warnings
                else SyncRun.Status.SUCCEEDED
            )
            _release(
                business.pk,
                last_synced_at=timezone.now(),
                sync_paused_until=None,
                sync_retry_at=None,
                sync_failures_in_a_row=0,
            )
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        if (
            run.created_count
            or run.updated_count
            or run.removed_count
            or run.status != SyncRun.Status.SUCCEEDED
        ):
            audit_record(
                actor=Actor.sync(run.pk),
                action="business.sync",
                business=business,
                target=run,
                summary=(
                    f"Sync {run.get_status_display().lower()}: created {run.created_count}, "
                    f"updated {run.updated_count}, removed {run.removed_count}."
                    + (f" {run.error}" if run.error else "")
                    + "".join(f" {line}" for line in run.warning_lines)
                ),
            )
    _log_outcome(run, business)
    return run


def _log_outcome(run: SyncRun, business: Business) -> None:
    """One structured (key=value) line per finished run; the redaction filter guards every
    handler, and nothing here could hold a token anyway."""
    duration = run.duration_seconds
    logger.info(
        "event=sync business_id=%s business_meta_id=%s run_id=%s status=%s created=%s "
        "updated=%s removed=%s graph_calls=%s duration_s=%s",
        business.pk,
        business.meta_id,
        run.pk,
        run.status,
        run.created_count,
        run.updated_count,
        run.removed_count,
        run.graph_calls,
        f"{duration:.2f}" if duration is not None else "-",
    )


class ListingWithdrawn(Exception):
    """A listing left out of this sync because Meta no longer serves it (already warned)."""


@dataclass
class Listing:
    """Which rows a listing saw, and whether it was read to the end."""

    seen: set[str] = field(default_factory=set)
    complete: bool = False


class Syncer:
    def __init__(self, business: Business, run: SyncRun) -> None:
        self.business = business
        self.run = run
        self.client: GraphClient | None = None
        self.first_sync = business.last_synced_at is None
        self.section_errors: list[str] = []
        # What Meta no longer serves (a listing, a field, a per-asset edge): the run ends
        # "succeeded with warnings" and keeps every row it had from it.
        self.warnings: list[str] = []
        self.withdrawn: set[str] = set()
        self.reading: str | None = None  # the business edge the current section reads
        self.drift: list[DriftEvent] = []
        self.known_businesses: dict[str, int] = dict(Business.objects.values_list("meta_id", "pk"))
        self.access_listings: dict[tuple[str, str], Listing] = defaultdict(Listing)
        self.listings = ops.business_listings()
        self._principal_cache: dict[str, tuple[str, int]] | None = None
        self.first_pages: dict[str, ops.FirstPage] | None = None
        self._progress_written_at = 0.0
        # Incremental sync (issue 12): a first sync, or a run asked for a full re-read, reads
        # every asset's per-asset edges; others only those due (``edges_due_filter``).
        self.full = self.first_sync
        self.started_at = timezone.now()
        self._edges_due: Q | None = None
        self.edges_failed: set[int] = set()  # assets whose per-asset answer was an error
        self.edges_incomplete = False  # a per-asset section stopped part-way
        # Grant writes of one per-asset slice, flushed in bulk (``_flush_grant_writes``).
        self._grants_changed: list[Grant] = []
        self._grants_changed_keep_tasks: list[Grant] = []
        self._grants_gone: list[int] = []

    # --- driver ---------------------------------------------------------------------------

    def execute(self) -> None:
        sections: list[tuple[str, Callable[[], None]]] = [("business", self.sync_business_node)]
        sections += [(f"owned {k}", lambda k=k: self.sync_assets(k, "owned")) for k in OWNED_KINDS]
        sections += [
            (f"client {k}", lambda k=k: self.sync_assets(k, "client")) for k in CLIENT_KINDS
        ]
        sections += [
            (f"pending {k} {r}", lambda k=k, r=r: self.sync_pending(k, r)) for k, r in PENDING
        ]
        sections += [
            ("asset removals", self.sweep_asset_accesses),
            ("custom conversions", self.sync_custom_conversions),
            ("people", self.sync_people),
            ("invitations", self.sync_invitations),
            ("system users", self.sync_system_users),
            ("partners", self.sync_partners),
            ("asset groups", self.sync_asset_groups),
            ("app roles", self.sync_app_roles),
            ("assigned users", self.sync_assigned_users),
            ("partner shares", self.sync_partner_shares),
        ]
        self.run_obj_progress(total=len(sections))
        for label, section in sections:
            self.reading = None
            try:
                section()
            except (ThrottledError, TokenInvalidError, MetaUnreachableError):
                raise
            except ListingWithdrawn:
                pass  # left out on purpose; its warning is on the run
            except BadRequestError as err:
                refusal = ops.withdrawn_refusal(err)
                if refusal is None or label == "business":
                    self.section_errors.append(f"{label.capitalize()}: {err.describe()}")
                else:
                    self.warn_withdrawn(refusal.name or self.reading or label)
            except PermissionMissingError as err:
                self.section_errors.append(f"{label.capitalize()}: {err.describe()}")
            except GraphError as err:
                self.section_errors.append(f"{label.capitalize()}: {err.describe()}")
            self.progress(1)
        self.finish_edges()
        self.flush_drift()

    def warn_withdrawn(self, name: str) -> None:
        """Record once that Meta no longer serves `name` (an edge or a field)."""
        self.withdrawn.add(name)
        line = f"not read: Meta no longer serves `{name}` under {settings.META_GRAPH_VERSION}"
        if line not in self.warnings:
            self.warnings.append(line)

    def run_obj_progress(self, *, total: int) -> None:
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
        Business.objects.filter(pk=self.business.pk).update(
            sync_lease_until=timezone.now() + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
        )

    def note(self, kind: str, summary: str, **details: Any) -> None:
        if not self.first_sync:
            self.drift.append(
                DriftEvent(
                    business=self.business,
                    sync_run=self.run,
                    kind=kind,
                    summary=summary[:500],
                    details=details,
                )
            )

    def flush_drift(self) -> None:
        if self.drift:
            DriftEvent.objects.bulk_create(self.drift)
            self.drift = []

    def pages(
        self, pages: Iterator[Page[Any]], listing: Listing | None = None
    ) -> Iterator[list[Any]]:
        for page in pages:
            yield page.items
            if listing is not None and page.is_last:
                listing.complete = True

    # --- the business node ----------------------------------------------------------------

    def listing_pages(
        self, edge: str, fallback: Callable[[], Iterator[Page[Any]]]
    ) -> Iterator[Page[Any]]:
        """A listing's pages: from its prefetched first page when there is one, else read alone.
        A listing Meta refused in the combined read is not asked again (ListingWithdrawn)."""
        if edge in self.withdrawn:
            raise ListingWithdrawn(edge)
        self.reading = edge
        if self.first_pages is not None and edge in self.first_pages:
            return ops.continue_pages(self.client, self.listings[edge], self.first_pages.pop(edge))
        return fallback()

    def sync_business_node(self) -> None:
        """Read the business node and the first page of every listing in one request (field
        expansion). When Meta refuses it over one listing (or one listing's field) it no longer
        serves, the combined read is asked again without that listing (which is then not read,
        and keeps its rows); if Meta refuses it otherwise, each listing is read on its own."""
        listings = dict(self.listings)
        while True:
            try:
                node, self.first_pages = ops.read_first_pages(
                    self.client, self.business.meta_id, listings.values()
                )
                return self._apply_business_node(node)
            except (BadRequestError, PermissionMissingError) as err:
                refusal = ops.withdrawn_refusal(err)
                refused = ops.listings_refused(listings.values(), refusal) if refusal else []
                if not refused:
                    logger.info(
                        "Expanded read of %s refused (%s); reading listings one by one.",
                        self.business.meta_id,
                        err.code,
                    )
                    break
                for listing in refused:
                    listings.pop(listing.edge)
                    self.warn_withdrawn(listing.edge)
        self.first_pages = None
        self._apply_business_node(ops.get_business(self.client, self.business.meta_id))

    def _apply_business_node(self, node: Any) -> None:
        changes = {
            "name": node.name or self.business.name,
            "verification_status": node.verification_status or self.business.verification_status,
            "two_factor_type": node.two_factor_type or self.business.two_factor_type,
            "vertical": node.vertical or self.business.vertical,
            "timezone_id": node.timezone_id
            if node.timezone_id is not None
            else self.business.timezone_id,
        }
        changed = {k: v for k, v in changes.items() if getattr(self.business, k) != v}
        if changed:
            Business.objects.filter(pk=self.business.pk).update(
                **changed, updated_at=timezone.now()
            )
            for key, value in changed.items():
                setattr(self.business, key, value)
            self.run.updated_count += 1

    # --- assets ---------------------------------------------------------------------------

    def _upsert_assets(
        self,
        nodes: Iterable[AssetNode],
        kind: str,
        parent_id: int | None = None,
        owned: bool = False,
        parent_of: dict[str, int] | None = None,
    ) -> dict[str, int]:
        """Create or update assets from Meta; returns meta_id → pk. Writes only what changed.
        ``owned``: read from this business's owned_* listing, so it is the owner even where
        Meta's row names none (Instagram accounts carry no owner field). ``parent_of``: each
        node's parent pk by meta id (custom conversions of many ad accounts in one write)."""
        nodes = list(nodes)
        if not nodes:
            return {}
        if kind == AssetKind.INSTAGRAM_ACCOUNT:
            self._adopt_legacy_instagram_rows(nodes)
        existing = {
            a.meta_id: a for a in Asset.objects.filter(kind=kind, meta_id__in=[n.id for n in nodes])
        }
        now = timezone.now()
        to_create, to_update = [], []
        for node in nodes:
            if parent_of is not None:
                parent_id = parent_of.get(node.id)
            owner_meta = node.owner_business_id or (self.business.meta_id if owned else "")
            owner_pk = self.known_businesses.get(owner_meta)
            details = {
                k: v for k, v in node.extra.items() if isinstance(v, str | int | float | bool)
            }
            asset = existing.get(node.id)
            if asset is None:
                to_create.append(
                    Asset(
                        kind=kind,
                        meta_id=node.id,
                        name=node.name[:255],
                        owner_business_id=owner_pk,
                        owner_meta_id=owner_meta,
                        parent_id=parent_id,
                        details=details,
                        last_seen_at=now,
                    )
                )
                continue
            wanted = {
                "name": node.name[:255] or asset.name,
                "owner_business_id": owner_pk if owner_meta else asset.owner_business_id,
                "owner_meta_id": owner_meta or asset.owner_meta_id,
                "details": {**asset.details, **details},
                "removed_at": None,
            }
            if parent_id is not None:
                wanted["parent_id"] = parent_id
            if apply_changes(asset, wanted, now):
                to_update.append(asset)
        with transaction.atomic():
            if to_create:
                Asset.objects.bulk_create(to_create, ignore_conflicts=True)
                self.run.created_count += len(to_create)
                for asset in to_create:
                    if not self.first_sync:
                        self.note(
                            DriftEvent.Kind.ASSET_ADDED,
                            f"{asset.get_kind_display()} {asset.name} ({asset.meta_id}) appeared.",
                            asset=asset.meta_id,
                        )
            if to_update:
                Asset.objects.bulk_update(
                    to_update,
                    [
                        "name",
                        "owner_business",
                        "owner_meta_id",
                        "details",
                        "removed_at",
                        "parent",
                        "updated_at",
                    ],
                )
                self.run.updated_count += len(to_update)
                # Changed in the listing: this business re-reads their edges in this run.
                AssetAccess.objects.filter(
                    business=self.business, asset_id__in=[a.pk for a in to_update]
                ).update(edges_read_at=None)
        return dict(
            Asset.objects.filter(kind=kind, meta_id__in=[n.id for n in nodes]).values_list(
                "meta_id", "pk"
            )
        )

    def _adopt_legacy_instagram_rows(self, nodes: list[AssetNode]) -> None:
        """Instagram rows stored before the portal read InstagramBusinessAsset nodes carry the
        IGUser id as their Meta id. The asset node names that IGUser (`ig_user_id`): such a row
        takes the asset's id, keeping its grants, shares and history."""
        by_ig_user = {
            str(n.extra["ig_user_id"]): n.id
            for n in nodes
            if n.extra.get("ig_user_id") not in (None, "")
        }
        if not by_ig_user:
            return
        taken = set(
            Asset.objects.filter(
                kind=AssetKind.INSTAGRAM_ACCOUNT, meta_id__in=by_ig_user.values()
            ).values_list("meta_id", flat=True)
        )
        legacy = Asset.objects.filter(
            kind=AssetKind.INSTAGRAM_ACCOUNT, meta_id__in=list(by_ig_user)
        ).exclude(meta_id__in=by_ig_user.values())
        for asset in legacy:
            new_id = by_ig_user[asset.meta_id]
            if new_id in taken:
                continue
            Asset.objects.filter(pk=asset.pk).update(
                meta_id=new_id,
                details={**asset.details, "ig_user_id": asset.meta_id},
                updated_at=timezone.now(),
            )
            self.run.updated_count += 1

    def _upsert_accesses(self, rows: list[tuple[int, str, str, list[str] | None, str]]) -> None:
        """rows: (asset_pk, access_type, access_status, permitted_tasks, request_id); tasks are
        None when the listing does not carry them (pending requests): the known ones stay."""
        if not rows:
            return
        existing = {
            a.asset_id: a
            for a in AssetAccess.objects.filter(
                business=self.business, asset_id__in=[r[0] for r in rows]
            )
        }
        now = timezone.now()
        to_create, to_update = [], []
        for asset_pk, access_type, status, listed_tasks, request_id in rows:
            tasks = (
                sorted(listed_tasks or []) if access_type == AssetAccess.AccessType.AGENCY else []
            )
            access = existing.get(asset_pk)
            if access is None:
                to_create.append(
                    AssetAccess(
                        asset_id=asset_pk,
                        business=self.business,
                        access_type=access_type,
                        access_status=status,
                        permitted_tasks=tasks,
                        request_meta_id=request_id,
                    )
                )
                continue
            wanted = {
                "access_type": access_type,
                "access_status": status,
                "request_meta_id": request_id,
                "removed_at": None,
            }
            # A share the portal is still pushing keeps its wanted tasks until it lands.
            if access.push_state in (PushState.IN_SYNC, PushState.REMOVED):
                if listed_tasks is not None:
                    wanted["permitted_tasks"] = tasks
                wanted["push_state"] = PushState.IN_SYNC
            if apply_changes(access, wanted, now):
                access.edges_read_at = None  # changed in the listing: its edges are due now
                to_update.append(access)
        with transaction.atomic():
            if to_create:
                AssetAccess.objects.bulk_create(to_create, ignore_conflicts=True)
                self.run.created_count += len(to_create)
            if to_update:
                AssetAccess.objects.bulk_update(
                    to_update,
                    [
                        "access_type",
                        "access_status",
                        "request_meta_id",
                        "removed_at",
                        "permitted_tasks",
                        "push_state",
                        "updated_at",
                        "edges_read_at",
                    ],
                )
                self.run.updated_count += len(to_update)

    def sync_assets(self, kind: str, relation: str) -> None:
        access_type = (
            AssetAccess.AccessType.OWNER if relation == "owned" else AssetAccess.AccessType.AGENCY
        )
        listing = self.access_listings[(kind, access_type)]
        confirmed = Listing()
        edge = ops.asset_edge(kind, relation)
        # Owned and client edges list assets the business holds (requests are in pending_*);
        # only some client edges carry the business's permitted tasks on each asset.
        lists_tasks = ops.edge_lists_tasks(edge)
        try:
            pages = self.listing_pages(
                edge,
                lambda: ops.iter_asset_pages(self.client, self.business.meta_id, kind, relation),
            )
            for nodes in write_slices(self.pages(pages, confirmed)):
                if relation == "owned":
                    # Some owned_* listings (offline event sets) also hold assets shared with
                    # the business: those are another business's, never this one's to own.
                    nodes = [n for n in nodes if self._owns(n)]
                ids = self._upsert_assets(nodes, kind, owned=relation == "owned")
                rows = []
                for node in nodes:
                    tasks = list(node.permitted_tasks) if lists_tasks else None
                    rows.append(
                        (ids[node.id], access_type, AssetAccess.AccessStatus.CONFIRMED, tasks, "")
                    )
                    listing.seen.add(node.id)
                self._upsert_accesses(rows)
                self.progress(0)
        finally:
            # Recorded even when the listing failed, so its group cannot look complete.
            self._mark_listing_part(listing, confirmed.complete)

    def _owns(self, node: AssetNode) -> bool:
        return node.owner_business_id in (None, "", self.business.meta_id)

    def _mark_listing_part(self, listing: Listing, complete: bool) -> None:
        # A (kind, access type) group is complete only when each of its listings completed.
        parts = getattr(listing, "_parts", [])
        parts.append(complete)
        listing._parts = parts  # type: ignore[attr-defined]
        listing.complete = all(parts)

    def sync_pending(self, kind: str, relation: str) -> None:
        access_type = (
            AssetAccess.AccessType.OWNER if relation == "owned" else AssetAccess.AccessType.AGENCY
        )
        listing = self.access_listings[(kind, access_type)]
        read = Listing()
        try:
            self._read_pending(kind, relation, access_type, listing, read)
        finally:
            # Recorded even when the listing failed, so its group cannot look complete.
            self._mark_listing_part(listing, read.complete)

    def _read_pending(
        self, kind: str, relation: str, access_type: str, listing: Listing, read: Listing
    ) -> None:
        for requests in self.pages(
            self.listing_pages(
                ops.PENDING_EDGES[(kind, relation)][0],
                lambda: ops.iter_pending_asset_pages(
                    self.client, self.business.meta_id, kind, relation
                ),
            ),
            read,
        ):
            nodes = [
                AssetNode(id=r.asset_id, kind=kind, name=r.asset_name or "")
                for r in requests
                if r.asset_id
            ]
            ids = self._upsert_assets(nodes, kind)
            rows = []
            for request in requests:
                if not request.asset_id or request.asset_id in listing.seen:
                    continue  # already confirmed in the main listing
                rows.append(
                    (
                        ids[request.asset_id],
                        access_type,
                        AssetAccess.AccessStatus.PENDING,
                        None,  # a request carries no tasks; the owner's sync reads them
                        request.request_id,
                    )
                )
                listing.seen.add(request.asset_id)
            self._upsert_accesses(rows)

    def sweep_asset_accesses(self) -> None:
        for (kind, access_type), listing in self.access_listings.items():
            live = AssetAccess.objects.filter(
                business=self.business,
                access_type=access_type,
                asset__kind=kind,
                removed_at__isnull=True,
            )
            if (kind, access_type) not in PENDING_LISTED:
                # This business cannot list its pending requests of this kind (the owner's
                # sync records them from the asset's agencies): its listings cover only
                # confirmed access, so only confirmed rows can be found missing.
                live = live.filter(access_status=AssetAccess.AccessStatus.CONFIRMED)
            if not listing.complete:
                continue
            # Compared in Python: the listing's ids would be one IN list as long as the listing.
            gone_pks = [
                pk
                for pk, asset_meta in live.values_list("pk", "asset__meta_id")
                if asset_meta not in listing.seen
            ]
            if not gone_pks:
                continue
            gone = [
                access
                for pks in in_chunks(gone_pks)
                for access in AssetAccess.objects.filter(pk__in=pks).select_related("asset")
            ]
            if not self._removal_is_safe(
                len(gone), live.count(), f"{access_type.lower()} {kind} assets"
            ):
                continue
            now = timezone.now()
            for pks in in_chunks(a.pk for a in gone):
                AssetAccess.objects.filter(pk__in=pks).update(removed_at=now, updated_at=now)
            self.run.removed_count += len(gone)
            for access in gone:
                self.note(
                    DriftEvent.Kind.ASSET_LOST,
                    f"{self.business.name} lost {access.get_access_type_display().lower()} access to {access.asset}.",
                    asset=access.asset.meta_id,
                )
            # An asset no business holds any more is gone from the portal's view.
            for pks in in_chunks(a.asset_id for a in gone):
                Asset.objects.filter(pk__in=pks).exclude(accesses__removed_at__isnull=True).update(
                    removed_at=now
                )

    def _removal_is_safe(self, removing: int, existing: int, what: str) -> bool:
        share = removing / existing if existing else 0
        if existing >= 4 and share > settings.SYNC_MAX_REMOVAL_SHARE:
            self.run.held_back += (
                f"Held back removing {removing} of {existing} {what} ({share:.0%}): more than "
                f"{settings.SYNC_MAX_REMOVAL_SHARE:.0%} at once needs a person to confirm. "
            )
            return False
        return True

    def _owned_assets(
        self, kinds: Iterable[str], *, only_owned: bool = False
    ) -> Iterator[list[tuple[int, str, str]]]:
        """(pk, meta_id, kind) of the live assets this business owns (or also reaches), in
        slices of PER_ASSET_SLICE, so memory stays flat whatever the business's size."""
        access = Q(
            accesses__business=self.business,
            accesses__removed_at__isnull=True,
            accesses__access_status=AssetAccess.AccessStatus.CONFIRMED,
        )
        if only_owned:
            access &= Q(accesses__access_type=AssetAccess.AccessType.OWNER)
        if not self.full:
            if self._edges_due is None:
                self._edges_due = edges_due_filter(
                    business=self.business, started_at=self.started_at
                )
            access &= self._edges_due
        qs = (
            Asset.objects.filter(access, kind__in=list(kinds), removed_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "meta_id", "kind", "owner_business_id")
            .distinct()
        )
        # Assets known only from a listing Meta no longer serves are not read one by one
        # either: what the portal holds about them stays as it was.
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

    def answered(self, result: Any, what: str) -> bool:
        """Whether one asset's answer in a batch read is usable. A throttle or a dead token
        stops the whole sync; any other error is recorded and that asset is left as it was."""
        if not isinstance(result, GraphError):
            return True
        if isinstance(result, ThrottledError | TokenInvalidError):
            raise result
        refusal = ops.withdrawn_refusal(result)
        if refusal is not None and refusal.name is not None:
            # A field or edge Meta no longer serves; a bare "unsupported request" on one asset
            # more likely means the asset is gone, which stays an error.
            self.warn_withdrawn(refusal.name)
            return False
        self.section_errors.append(f"{what}: {result.describe()}")
        return False

    def finish_edges(self) -> None:
        """Assets not fully read in this run stay due: a section that stopped part-way un-marks
        every asset this run marked read; a failed answer un-marks its asset."""
        if self.edges_incomplete:
            AssetAccess.objects.filter(
                business=self.business, edges_read_at=self.started_at
            ).update(edges_read_at=None)
            return
        for pks in in_chunks(self.edges_failed):
            AssetAccess.objects.filter(business=self.business, asset_id__in=pks).update(
                edges_read_at=None
            )

    def stamp_edges_read(self, asset_pks: Iterable[int]) -> None:
        """Record that this run read the assets' per-asset edges (the rolling slice's clock)."""
        for pks in in_chunks(asset_pks):
            AssetAccess.objects.filter(business=self.business, asset_id__in=pks).update(
                edges_read_at=self.started_at
            )

    @per_asset_section
    def sync_custom_conversions(self) -> None:
        for chunk in self._owned_assets([AssetKind.AD_ACCOUNT], only_owned=True):
            by_account = ops.read_custom_conversions(self.client, [meta for _, meta, _ in chunk])
            pks = {meta: pk for pk, meta, _ in chunk}
            nodes: list[AssetNode] = []
            parent_of: dict[str, int] = {}
            answered: list[int] = []
            for account_meta, result in by_account.items():
                if not self.answered(result, f"Custom conversions of {account_meta}"):
                    self.edges_failed.add(pks[account_meta])
                    continue
                answered.append(pks[account_meta])
                for node in result:
                    nodes.append(node)
                    parent_of[node.id] = pks[account_meta]
            # One bulk upsert per slice of ad accounts, not one per account (issue 12).
            self._upsert_assets(nodes, AssetKind.CUSTOM_CONVERSION, parent_of=parent_of)
            self.stamp_edges_read(answered)
            self.progress(0)

    # --- people ---------------------------------------------------------------------------

    def sync_people(self) -> None:
        listing = Listing()
        existing = {
            p.meta_id: p
            for p in BusinessUser.objects.filter(business=self.business, meta_id__isnull=False)
        }
        for nodes in self.pages(
            self.listing_pages(
                "business_users",
                lambda: ops.iter_business_user_pages(self.client, self.business.meta_id),
            ),
            listing,
        ):
            to_create, to_update = [], []
            for node in nodes:
                listing.seen.add(node.id)
                role = node.role or BusinessUser.Role.EMPLOYEE
                person = existing.get(node.id)
                if person is None:
                    to_create.append(
                        BusinessUser(
                            business=self.business,
                            meta_id=node.id,
                            name=node.name[:255],
                            email=node.email or "",
                            role=role,
                            status=BusinessUser.Status.ACTIVE,
                        )
                    )
                    kind = (
                        DriftEvent.Kind.ADMIN_ADDED
                        if role == "ADMIN"
                        else DriftEvent.Kind.PERSON_ADDED
                    )
                    self.note(
                        kind,
                        f"{node.name or node.email} was added to {self.business.name} as {role}.",
                    )
                    continue
                wanted = {
                    "name": node.name[:255] or person.name,
                    "email": node.email or person.email,
                    "role": role,
                    "status": BusinessUser.Status.ACTIVE,
                    "removed_at": None,
                }
                if person.role != role and role == "ADMIN":
                    self.note(
                        DriftEvent.Kind.ADMIN_ADDED,
                        f"{person.name or person.email} became an admin of {self.business.name}.",
                    )
                if apply_changes(person, wanted, timezone.now()):
                    to_update.append(person)
            with transaction.atomic():
                BusinessUser.objects.bulk_create(to_create, ignore_conflicts=True)
                BusinessUser.objects.bulk_update(
                    to_update, ["name", "email", "role", "status", "removed_at", "updated_at"]
                )
            self.run.created_count += len(to_create)
            self.run.updated_count += len(to_update)
            # Invitations that became members are the same person now.
            emails = [n.email for n in nodes if n.email]
            BusinessUser.objects.filter(
                business=self.business, status=BusinessUser.Status.INVITED, email__in=emails
            ).delete()
        if listing.complete:
            gone = [
                p
                for meta, p in existing.items()
                if meta not in listing.seen and p.status == BusinessUser.Status.ACTIVE
            ]
            if gone and self._removal_is_safe(len(gone), len(existing), "people"):
                now = timezone.now()
                BusinessUser.objects.filter(pk__in=[p.pk for p in gone]).update(
                    status=BusinessUser.Status.REMOVED, removed_at=now, updated_at=now
                )
                self.run.removed_count += len(gone)
                for person in gone:
                    self.note(
                        DriftEvent.Kind.PERSON_REMOVED,
                        f"{person.name or person.email} left {self.business.name}.",
                    )

    def sync_invitations(self) -> None:
        listing = Listing()
        existing = {
            p.invitation_meta_id: p
            for p in BusinessUser.objects.filter(
                business=self.business, status=BusinessUser.Status.INVITED
            )
        }
        for nodes in self.pages(
            self.listing_pages(
                "pending_users",
                lambda: ops.iter_pending_user_pages(self.client, self.business.meta_id),
            ),
            listing,
        ):
            to_create = []
            for node in nodes:
                listing.seen.add(node.id)
                invite = existing.get(node.id)
                if invite is None:
                    to_create.append(
                        BusinessUser(
                            business=self.business,
                            invitation_meta_id=node.id,
                            email=node.email or "",
                            role=node.role or BusinessUser.Role.EMPLOYEE,
                            status=BusinessUser.Status.INVITED,
                            invitation_expires_at=node.expiration_time,
                        )
                    )
                elif invite.invitation_expires_at != node.expiration_time or invite.role != (
                    node.role or invite.role
                ):
                    BusinessUser.objects.filter(pk=invite.pk).update(
                        invitation_expires_at=node.expiration_time,
                        role=node.role or invite.role,
                        updated_at=timezone.now(),
                    )
                    self.run.updated_count += 1
            BusinessUser.objects.bulk_create(to_create, ignore_conflicts=True)
            self.run.created_count += len(to_create)
        if listing.complete:
            stale = [p.pk for meta, p in existing.items() if meta not in listing.seen]
            if stale:
                # An invitation that is no longer pending was accepted (the person appears in
                # business_users) or withdrawn: either way the invitation row is done.
                BusinessUser.objects.filter(pk__in=stale).delete()
                self.run.removed_count += len(stale)

    def sync_system_users(self) -> None:
        """Import system users; ones beyond the cap are imported too and the business flagged.
        System users are never marked removed: Meta cannot delete them (DOMAIN decision 4)."""
        level = access_level_of(self.business)
        seen_over_cap = False
        for nodes in self.pages(
            self.listing_pages(
                "system_users",
                lambda: ops.iter_system_user_pages(self.client, self.business.meta_id),
            )
        ):
            with transaction.atomic():
                existing = {
                    su.meta_id: su
                    for su in SystemUser.objects.select_for_update().filter(
                        business=self.business, meta_id__in=[n.id for n in nodes]
                    )
                }
                for node in nodes:
                    role = (
                        node.role
                        if node.role in SystemUser.Role.values
                        else SystemUser.Role.EMPLOYEE
                    )
                    su = existing.get(node.id)
                    if su is not None:
                        if su.name != node.name and node.name:
                            SystemUser.objects.filter(pk=su.pk).update(
                                name=node.name[:255], updated_at=timezone.now()
                            )
                            self.run.updated_count += 1
                        continue
                    holders = SystemUser.objects.filter(
                        business=self.business, role=role, status__in=SystemUser.HOLDS_SLOT
                    )
                    taken = set(holders.exclude(slot__isnull=True).values_list("slot", flat=True))
                    max_slot = (
                        MAX_ADMIN_SLOTS if role == SystemUser.Role.ADMIN else MAX_EMPLOYEE_SLOTS
                    )
                    cap = min(cap_for(level, role), max_slot)
                    free = [s for s in range(1, cap + 1) if s not in taken]
                    over = not free or holders.count() >= cap_for(level, role)
                    seen_over_cap = seen_over_cap or over
                    SystemUser.objects.create(
                        business=self.business,
                        meta_id=node.id,
                        name=node.name[:255] or node.id,
                        role=role,
                        status=SystemUser.Status.ACTIVE,
                        origin=SystemUser.Origin.META,
                        slot=None if over else free[0],
                    )
                    self.run.created_count += 1
                    self.note(
                        DriftEvent.Kind.SYSTEM_USER_ADDED,
                        f"System user {node.name} ({role}) appeared in {self.business.name}.",
                    )
        over_now = seen_over_cap or self._system_users_over_cap(level)
        if over_now != self.business.system_users_over_cap:
            Business.objects.filter(pk=self.business.pk).update(system_users_over_cap=over_now)
            self.business.system_users_over_cap = over_now

    def _system_users_over_cap(self, level: str) -> bool:
        for role in SystemUser.Role.values:
            count = SystemUser.objects.filter(
                business=self.business, role=role, status__in=SystemUser.HOLDS_SLOT
            ).count()
            if count > cap_for(level, role):
                return True
        return False

    # --- partners ---------------------------------------------------------------------------

    def sync_partners(self) -> None:
        for pages, as_agency in (
            (
                self.listing_pages(
                    "clients", lambda: ops.iter_client_pages(self.client, self.business.meta_id)
                ),
                True,
            ),
            (
                self.listing_pages(
                    "agencies", lambda: ops.iter_agency_pages(self.client, self.business.meta_id)
                ),
                False,
            ),
        ):
            for nodes in self.pages(pages):
                for node in nodes:
                    other = self.known_businesses.get(node.id)
                    if other is None or other == self.business.pk:
                        continue  # partners outside the portal are not modelled as rows
                    agency_id, client_id = (
                        (self.business.pk, other) if as_agency else (other, self.business.pk)
                    )
                    pending = (node.access_status or "").upper().endswith("PENDING")
                    status = (
                        PartnerRelationship.Status.PENDING
                        if pending
                        else PartnerRelationship.Status.ACTIVE
                    )
                    rel, created = PartnerRelationship.objects.get_or_create(
                        agency_id=agency_id,
                        client_id=client_id,
                        defaults={
                            "origin": PartnerRelationship.Origin.DISCOVERED,
                            "status": status,
                        },
                    )
                    if created:
                        self.run.created_count += 1
                    elif rel.status != status:
                        PartnerRelationship.objects.filter(pk=rel.pk).update(
                            status=status, updated_at=timezone.now()
                        )
                        self.run.updated_count += 1

    # --- asset groups -----------------------------------------------------------------------

    def sync_asset_groups(self) -> None:
        groups: list[tuple[AssetGroup, set[str]]] = []
        for nodes in self.pages(
            self.listing_pages(
                "business_asset_groups",
                lambda: ops.iter_asset_group_pages(self.client, self.business.meta_id),
            )
        ):
            for node in nodes:
                fields = {
                    "business": self.business,
                    "name": node.name[:255] or node.id,
                    "removed_at": None,
                }
                group, created = AssetGroup.objects.get_or_create(meta_id=node.id, defaults=fields)
                if created:
                    self.run.created_count += 1
                elif any(getattr(group, k) != v for k, v in fields.items()):
                    # Written only when it changed: an unchanged sync leaves updated_at alone.
                    AssetGroup.objects.filter(pk=group.pk).update(
                        **fields, updated_at=timezone.now()
                    )
                    self.run.updated_count += 1
                member_ids: set[str] = set()
                for kind in ops.GROUP_EDGES:
                    for assets in self.pages(
                        ops.iter_group_asset_pages(self.client, node.id, kind)
                    ):
                        member_ids |= {a.id for a in assets}
                wanted = {
                    pk
                    for ids in in_chunks(member_ids)
                    for pk in Asset.objects.filter(meta_id__in=ids).values_list("pk", flat=True)
                }
                current = set(group.assets.values_list("pk", flat=True))
                if wanted != current:
                    group.assets.set(wanted)
                    self.run.updated_count += 1
                users: set[str] = set()
                for page in self.pages(
                    ops.iter_group_assigned_user_pages(
                        self.client, group.meta_id, self.business.meta_id
                    )
                ):
                    users |= {u.id for u in page}
                groups.append((group, users))
        if not groups:
            return
        # Who is on a group comes from the group; with which tasks, from each person's side.
        principals = self._principals()
        user_ids = sorted({u for _, users in groups for u in users if u in principals})
        tasks_of: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
        unanswered: set[str] = set()
        for result_user, result in ops.read_assigned_asset_groups(self.client, user_ids).items():
            if not self.answered(result, f"Asset groups of {result_user}"):
                unanswered.add(result_user)
                continue
            tasks_of[result_user] = {g.group_id: g.tasks_by_kind for g in result}
        for group, users in groups:
            self._sync_group_grants(group, users, tasks_of, unanswered)

    def _sync_group_grants(
        self,
        group: AssetGroup,
        users: set[str],
        tasks_of: dict[str, dict[str, dict[str, tuple[str, ...]]]],
        unanswered: set[str],
    ) -> None:
        """The people and system users of an asset group hold its per-kind tasks on each of its
        assets: recorded as grants through the group (derived, so replaced wholesale). A person
        whose side did not answer keeps the grants recorded before."""
        principals = self._principals()
        members = list(group.assets.values_list("pk", "kind"))
        wanted: dict[tuple[int, str, int], list[str]] = {}
        kept: set[tuple[str, int]] = {principals[u] for u in unanswered if u in principals}
        for user_id in users:
            key = principals.get(user_id)
            if key is None or user_id in unanswered:
                continue
            for param, tasks in tasks_of.get(user_id, {}).get(group.meta_id, {}).items():
                kind = GROUP_TASK_KINDS.get(param)
                for asset_pk, asset_kind in members:
                    if tasks and asset_kind == kind:
                        wanted[(asset_pk, *key)] = sorted(tasks)
        existing = {
            (g.asset_id, "p" if g.person_id else "s", g.person_id or g.system_user_id): g
            for g in Grant.objects.filter(asset_group=group)
        }
        now = timezone.now()
        to_create = [
            Grant(
                asset_id=asset_pk,
                business=self.business,
                asset_group=group,
                person_id=pk if who == "p" else None,
                system_user_id=pk if who == "s" else None,
                tasks=tasks,
                applied_tasks=tasks,
                origin=Grant.Origin.META,
                push_state=PushState.IN_SYNC,
                verified_at=now,
            )
            for (asset_pk, who, pk), tasks in wanted.items()
            if (asset_pk, who, pk) not in existing
        ]
        changed = [
            g for key, g in existing.items() if key in wanted and g.applied_tasks != wanted[key]
        ]
        for grant in changed:
            key = (
                grant.asset_id,
                "p" if grant.person_id else "s",
                grant.person_id or grant.system_user_id,
            )
            grant.tasks = grant.applied_tasks = wanted[key]
            grant.updated_at = now
        gone = [g.pk for key, g in existing.items() if key not in wanted and key[1:] not in kept]
        with transaction.atomic():
            Grant.objects.bulk_create(to_create)
            Grant.objects.bulk_update(changed, ["tasks", "applied_tasks", "updated_at"])
            Grant.objects.filter(pk__in=gone).delete()
        # Derived rows: their churn follows group membership, so it counts as an update of the
        # group's picture; removed_count stays the number of rows the sweeps marked removed.
        self.run.created_count += len(to_create)
        self.run.updated_count += len(changed) + len(gone)

    def sync_app_roles(self) -> None:
        """Who has a role on the developer apps this business owns (seed 002's app roles).

        Meta's app-scoped user ids are not the business-scoped ids of business_users, so a
        role is linked to a person only by staff in the admin; the role itself is kept."""
        for app in DeveloperApp.objects.filter(owner_business=self.business).exclude(
            secret_ciphertext=""
        ):
            listing = Listing()
            with app_client(app) as (client, _ledger):
                for roles in self.pages(ops.iter_app_role_pages(client, app.meta_id), listing):
                    for node in roles:
                        listing.seen.add(node.user_id)
                        role, created = AppRole.objects.get_or_create(
                            app=app, user_meta_id=node.user_id, defaults={"role": node.role}
                        )
                        if created:
                            self.run.created_count += 1
                        elif role.role != node.role:
                            AppRole.objects.filter(pk=role.pk).update(
                                role=node.role, updated_at=timezone.now()
                            )
                            self.run.updated_count += 1
            if listing.complete:
                gone, _ = (
                    AppRole.objects.filter(app=app).exclude(user_meta_id__in=listing.seen).delete()
                )
                self.run.removed_count += gone

    def _principals(self) -> dict[str, tuple[str, int]]:
        """Meta id → ("p", person pk) or ("s", system user pk), loaded once per sync."""
        if self._principal_cache is None:
            people = BusinessUser.objects.filter(business=self.business, meta_id__isnull=False)
            system_users = SystemUser.objects.filter(business=self.business, meta_id__isnull=False)
            self._principal_cache = {
                **{meta: ("p", pk) for meta, pk in people.values_list("meta_id", "pk")},
                **{meta: ("s", pk) for meta, pk in system_users.values_list("meta_id", "pk")},
            }
        return self._principal_cache

    # --- per-asset edges --------------------------------------------------------------------

    @per_asset_section
    def sync_assigned_users(self) -> None:
        people = dict(
            BusinessUser.objects.filter(business=self.business, meta_id__isnull=False).values_list(
                "meta_id", "pk"
            )
        )
        system_users = dict(
            SystemUser.objects.filter(business=self.business, meta_id__isnull=False).values_list(
                "meta_id", "pk"
            )
        )
        for chunk in self._owned_assets(GRANTABLE_KINDS):
            results = ops.read_assigned_users(
                self.client, self.business.meta_id, [meta for _, meta, _ in chunk]
            )
            pks = {meta: pk for pk, meta, _ in chunk}
            grants = defaultdict(list)
            for grant in Grant.objects.filter(
                business=self.business, asset_id__in=pks.values(), asset_group__isnull=True
            ).exclude(push_state=PushState.REMOVED):
                grants[grant.asset_id].append(grant)
            to_create: list[Grant] = []
            answered: list[int] = []
            for asset_meta, result in results.items():
                if not self.answered(result, f"Assigned users of {asset_meta}"):
                    self.edges_failed.add(pks[asset_meta])
                    continue  # an asset whose answer failed keeps its grants untouched
                answered.append(pks[asset_meta])
                to_create += self._reconcile_grants(
                    pks[asset_meta],
                    asset_meta,
                    result,
                    grants[pks[asset_meta]],
                    people,
                    system_users,
                )
            with transaction.atomic():
                Grant.objects.bulk_create(to_create, ignore_conflicts=True)
                self._flush_grant_writes()
            self.stamp_edges_read(answered)
            self.run.created_count += len(to_create)
            self.progress(0)

    def _flush_grant_writes(self) -> None:
        """The slice's changed and vanished grants, in bulk (they were one query each)."""
        if self._grants_changed:
            Grant.objects.bulk_update(
                self._grants_changed,
                ["tasks", "applied_tasks", "verified_at", "updated_at"],
                batch_size=IN_CHUNK,
            )
        if self._grants_changed_keep_tasks:
            # A grant the portal is still pushing keeps its wanted tasks.
            Grant.objects.bulk_update(
                self._grants_changed_keep_tasks,
                ["applied_tasks", "verified_at", "updated_at"],
                batch_size=IN_CHUNK,
            )
        now = timezone.now()
        for pks in in_chunks(self._grants_gone):
            Grant.objects.filter(pk__in=pks).update(
                push_state=PushState.REMOVED, removed_at=now, applied_tasks=[], updated_at=now
            )
        self._grants_changed, self._grants_changed_keep_tasks, self._grants_gone = [], [], []

    def _reconcile_grants(
        self, asset_pk, asset_meta, assigned, grants, people, system_users
    ) -> list[Grant]:
        by_principal = {}
        for grant in grants:
            key = ("p", grant.person_id) if grant.person_id else ("s", grant.system_user_id)
            by_principal[key] = grant
        seen = set()
        to_create = []
        now = timezone.now()
        for user in assigned:
            if user.id in people:
                key = ("p", people[user.id])
            elif user.id in system_users:
                key = ("s", system_users[user.id])
            else:
                continue  # a user of another business: not this business's grant
            seen.add(key)
            applied = sorted(user.tasks)
            grant = by_principal.get(key)
            if grant is None:
                to_create.append(
                    Grant(
                        asset_id=asset_pk,
                        business=self.business,
                        person_id=key[1] if key[0] == "p" else None,
                        system_user_id=key[1] if key[0] == "s" else None,
                        tasks=applied,
                        applied_tasks=applied,
                        origin=Grant.Origin.META,
                        push_state=PushState.IN_SYNC,
                        verified_at=now,
                    )
                )
                self.note(
                    DriftEvent.Kind.GRANT_ADDED,
                    f"{user.name} got {', '.join(applied)} on {asset_meta} outside the portal.",
                    asset=asset_meta,
                    holder=user.name,
                    tasks=applied,
                )
                continue
            if sorted(grant.applied_tasks) == applied:
                continue
            grant.applied_tasks = applied
            grant.verified_at = now
            grant.updated_at = now
            if grant.push_state == PushState.IN_SYNC:
                grant.tasks = applied
                self._grants_changed.append(grant)
                self.note(
                    DriftEvent.Kind.GRANT_CHANGED,
                    f"{user.name}'s tasks on {asset_meta} changed outside the portal to {', '.join(applied)}.",
                    asset=asset_meta,
                    holder=user.name,
                    tasks=applied,
                    before=list(grant.applied_tasks),
                )
            else:
                self._grants_changed_keep_tasks.append(grant)
            self.run.updated_count += 1
        gone = [
            g
            for key, g in by_principal.items()
            if key not in seen and g.push_state == PushState.IN_SYNC
        ]
        if gone:
            self._grants_gone += [g.pk for g in gone]
            self.run.removed_count += len(gone)
            for grant in gone:
                self.note(
                    DriftEvent.Kind.GRANT_REMOVED,
                    f"A grant on {asset_meta} was removed outside the portal.",
                    grant=grant.pk,
                    asset=asset_meta,
                    before=list(grant.applied_tasks or grant.tasks),
                )
        return to_create

    @per_asset_section
    def sync_partner_shares(self) -> None:
        """Which partner businesses this business's own assets are shared with."""
        for chunk in self._owned_assets(SHAREABLE_KINDS, only_owned=True):
            owned = [(pk, meta) for pk, meta, _ in chunk]
            results = ops.read_asset_agencies(self.client, [meta for _, meta in owned])
            pks = dict((meta, pk) for pk, meta in owned)
            rows_by_business: dict[int, list] = defaultdict(list)
            answered: set[int] = set()
            for asset_meta, result in results.items():
                if not self.answered(result, f"Partner shares of {asset_meta}"):
                    self.edges_failed.add(pks[asset_meta])
                    continue
                answered.add(pks[asset_meta])
                for share in result:
                    partner = self.known_businesses.get(share.business_id)
                    if partner is None or partner == self.business.pk:
                        continue
                    status = (share.access_status or "CONFIRMED").upper()
                    if status not in AssetAccess.AccessStatus.values:
                        status = AssetAccess.AccessStatus.PENDING
                    rows_by_business[partner].append(
                        (pks[asset_meta], status, sorted(share.permitted_tasks))
                    )
            for partner_pk, rows in rows_by_business.items():
                existing = {
                    a.asset_id: a
                    for a in AssetAccess.objects.filter(
                        business_id=partner_pk, asset_id__in=[r[0] for r in rows]
                    ).select_related("asset", "business")
                }
                new_shares = [
                    AssetAccess(
                        asset_id=asset_pk,
                        business_id=partner_pk,
                        access_type=AssetAccess.AccessType.AGENCY,
                        access_status=status,
                        permitted_tasks=tasks,
                    )
                    for asset_pk, status, tasks in rows
                    if asset_pk not in existing
                ]
                AssetAccess.objects.bulk_create(new_shares, ignore_conflicts=True)
                self.run.created_count += len(new_shares)
                changed_shares: list[AssetAccess] = []
                for asset_pk, status, tasks in rows:
                    access = existing.get(asset_pk)
                    if access is None:
                        continue
                    if access.push_state == PushState.IN_SYNC and (
                        access.permitted_tasks != tasks
                        or access.access_status != status
                        or access.removed_at
                    ):
                        access.permitted_tasks = tasks
                        access.access_status = status
                        access.removed_at = None
                        access.updated_at = timezone.now()
                        changed_shares.append(access)
                        self.run.updated_count += 1
                        self.note(
                            DriftEvent.Kind.SHARE_CHANGED,
                            f"Share of {access.asset} with {access.business.name} changed to "
                            f"{', '.join(tasks)}.",
                            asset_pk=asset_pk,
                            tasks=list(tasks),
                        )
                AssetAccess.objects.bulk_update(
                    changed_shares,
                    ["permitted_tasks", "access_status", "removed_at", "updated_at"],
                    batch_size=IN_CHUNK,
                )
            self._sweep_withdrawn_shares(answered, rows_by_business)
            self.stamp_edges_read(answered)
            self.progress(0)

    def _sweep_withdrawn_shares(self, answered: set[int], listed: dict[int, list]) -> None:
        """A partner share Meta no longer lists on an asset whose answer came back complete was
        withdrawn (also a pending one the client never approved): mark it removed. Shares the
        portal is still pushing are left to the push."""
        still = {(asset_pk, partner) for partner, rows in listed.items() for asset_pk, *_ in rows}
        live = AssetAccess.objects.filter(
            asset_id__in=answered,
            access_type=AssetAccess.AccessType.AGENCY,
            removed_at__isnull=True,
            push_state=PushState.IN_SYNC,
        ).exclude(business=self.business)
        gone = [a.pk for a in live if (a.asset_id, a.business_id) not in still]
        if gone and self._removal_is_safe(len(gone), live.count(), "partner shares"):
            now = timezone.now()
            AssetAccess.objects.filter(pk__in=gone).update(removed_at=now, updated_at=now)
            self.run.removed_count += len(gone)
            for _ in gone:
                self.note(DriftEvent.Kind.SHARE_CHANGED, "A partner share was withdrawn in Meta.")
