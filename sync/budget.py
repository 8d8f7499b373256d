"""Quota budgets: how much of Meta's rate limits a business and its app have left, and whether
the next scheduled sync fits in it.

Meta reports usage on every response (Graph API reference "Rate Limiting" and "Business Use
Case Rate Limits"): ``X-App-Usage`` for the app and ``X-Business-Use-Case-Usage`` per business,
each as percentages of ``call_count``, ``total_cputime`` and ``total_time`` over a rolling
one-hour window; at 100 % Meta throttles (code 80004 for business use cases) and says when
access comes back. ``graph.usage`` keeps the highest of the three; each sync run stores what it
saw for its app and its business (``SyncRun.app_usage_pct``, ``business_usage_pct``) next to
its counted calls (the call ledger's count). From those:

- usage now: the last reading, let go linearly over the hour after it was taken (the rolling
  window forgets calls as they age; that they were spread evenly is the one assumption);
- the cost of one call: the reading divided by the calls the portal made in the hour before it.
  Calls the portal did not make but Meta counted make ours look dearer, which errs on the side
  of waiting;
- the next sync's calls: the business's last incremental run, else its last successful one
  (a full read costs more, which again errs on the side of waiting). A business never synced
  has no estimate: only the headroom applies to it;
- calls made outside syncs (pushes, live-accounts reads, token checks) spend the same quotas:
  the call ledger keeps each answer's readings (``GraphCall.app_usage_pct``,
  ``business_usage_pct``), and usage now is the higher of the last run's reading and the
  ledger's newest, each let go as above;
- syncs queued or running are charged to their app before a tick spends anything: each costs
  its business's estimate in full (the calls it already made may be in the readings too; the
  double count errs on the side of waiting).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from businesses.graph_access import CallLedger
from businesses.models import Business, DeveloperApp, GraphCall
from graph import Usage
from sync.models import SyncChunk, SyncRun

# Meta computes app and business use case usage over a rolling one-hour window.
USAGE_WINDOW = timedelta(hours=1)


def usage_reading(usage: Usage, business_meta_id: str) -> tuple[int, int]:
    """(app %, business %) of one client's highest readings, as whole percentages ≤ 100."""
    business = usage.business_pct.get(
        business_meta_id, max(usage.business_pct.values(), default=0.0)
    )
    return min(100, int(usage.app_pct)), min(100, int(business))


def calls_record(
    target: SyncRun | SyncChunk, ledger: CallLedger, usage: Usage, business_meta_id: str
) -> None:
    """Write what a run (or one chunk of it) spent on ``target``: its counted calls, the highest
    usage it saw, and its app and business readings kept apart for the budgets here."""
    ledger.flush()
    target.graph_calls = ledger.count
    target.max_usage_pct = min(100, ledger.max_usage_pct)
    target.app_usage_pct, target.business_usage_pct = usage_reading(usage, business_meta_id)


def usage_now(pct: float, at: datetime, now: datetime) -> float:
    """A reading taken at ``at``, as it stands at ``now`` (see the module docstring)."""
    elapsed = max(0.0, (now - at).total_seconds())
    return pct * max(0.0, 1.0 - elapsed / USAGE_WINDOW.total_seconds())


@dataclass
class Budget:
    """One quota (a business's or an app's): how much is used now, and what one call costs."""

    used_pct: float = 0.0
    pct_per_call: float | None = None  # unknown until a reading came with calls

    @classmethod
    def from_reading(
        cls, pct: int | None, at: datetime | None, calls: int | None, now: datetime
    ) -> Budget:
        if pct is None or at is None:
            return cls()
        return cls(usage_now(pct, at, now), pct / calls if pct and calls else None)

    @property
    def left_pct(self) -> float:
        return max(0.0, 100.0 - self.used_pct)

    def cost_pct(self, calls: int | None) -> float:
        if not calls or self.pct_per_call is None:
            return 0.0
        return calls * self.pct_per_call

    def spend(self, calls: int | None) -> None:
        self.used_pct += self.cost_pct(calls)

    def see(self, pct: int | None, at: datetime | None, now: datetime) -> Budget:
        """Take a later reading into account (the ledger's, of a call outside a sync): usage
        now is the higher of the two, each let go over the window."""
        if pct is not None and at is not None:
            self.used_pct = max(self.used_pct, usage_now(pct, at, now))
        return self


class Wait(enum.StrEnum):
    """Why a due business's scheduled sync waits for a later tick."""

    BUSINESS_HEADROOM = "business_headroom"
    APP_HEADROOM = "app_headroom"
    BUSINESS_COST = "business_cost"
    APP_COST = "app_cost"


@dataclass(frozen=True)
class Verdict:
    wait: Wait | None
    why: str = ""


def dispatch_verdict(
    business: Budget, app: Budget, calls: int | None, *, headroom_pct: int
) -> Verdict:
    """Whether a sync needing ``calls`` may start now, and if not why (in Meta's words)."""
    if business.used_pct >= headroom_pct:
        return Verdict(
            Wait.BUSINESS_HEADROOM,
            f"business use case usage {business.used_pct:.0f}% is at or above the "
            f"{headroom_pct}% headroom",
        )
    if app.used_pct >= headroom_pct:
        return Verdict(
            Wait.APP_HEADROOM,
            f"app usage {app.used_pct:.0f}% is at or above the {headroom_pct}% headroom",
        )
    for quota, budget, wait in (
        ("business use case", business, Wait.BUSINESS_COST),
        ("app", app, Wait.APP_COST),
    ):
        cost = budget.cost_pct(calls)
        # Rounded: a sync that costs exactly what is left fits, whatever the float error.
        if round(budget.used_pct + cost, 6) > 100:
            return Verdict(
                wait,
                f"the next sync needs about {calls} calls (~{cost:.0f}% of the {quota} "
                f"quota) and {budget.left_pct:.0f}% is left",
            )
    return Verdict(None)


def _readings(now: datetime, **scope: object) -> QuerySet[SyncRun]:
    """Runs that called Meta and finished within the window, newest first: an older reading
    has been let go entirely. Bounded by creation time too, so each lookup stays a short range
    of the (business, -created_at) index however long a business's history grows."""
    return SyncRun.objects.filter(
        created_at__gte=now - 2 * USAGE_WINDOW,
        finished_at__gte=now - USAGE_WINDOW,
        graph_calls__gt=0,
        **scope,
    ).order_by("-created_at", "-pk")


def _ledger_readings(now: datetime, column: str, **scope: object) -> QuerySet[GraphCall]:
    """Calls within the window whose answer carried ``column``'s reading, newest first: a
    short backward range of the ledger's (app, at) or (business, at) index."""
    return GraphCall.objects.filter(
        at__gte=now - USAGE_WINDOW, **{f"{column}__isnull": False}, **scope
    ).order_by("-at")


def with_budget_readings(businesses: QuerySet[Business], now: datetime) -> QuerySet[Business]:
    """Each business with its last run's reading (``usage_reading_pct``, ``_at``, ``_calls``),
    the ledger's newest (``ledger_reading_pct``, ``_at``) and its next sync's estimated calls
    (``next_sync_calls``), in the same query."""
    latest = _readings(now, business=OuterRef("pk"))
    ledger = _ledger_readings(now, "business_usage_pct", business_meta_id=OuterRef("meta_id"))
    successful = SyncRun.objects.filter(
        business=OuterRef("pk"), status__in=SyncRun.SUCCESSFUL
    ).order_by("-created_at", "-pk")
    return businesses.annotate(
        usage_reading_pct=Subquery(latest.values("business_usage_pct")[:1]),
        usage_reading_at=Subquery(latest.values("finished_at")[:1]),
        usage_reading_calls=Subquery(latest.values("graph_calls")[:1]),
        ledger_reading_pct=Subquery(ledger.values("business_usage_pct")[:1]),
        ledger_reading_at=Subquery(ledger.values("at")[:1]),
        # A business's first successful sync read everything, whatever its flag says.
        first_success_pk=Subquery(successful.order_by("created_at", "pk").values("pk")[:1]),
    ).annotate(
        next_sync_calls=Coalesce(
            Subquery(
                successful.filter(full_read=False, pk__gt=OuterRef("first_success_pk")).values(
                    "graph_calls"
                )[:1]
            ),
            Subquery(successful.values("graph_calls")[:1]),
        )
    )


def business_budget(business: Business, now: datetime) -> Budget:
    """The budget of a business loaded through ``with_budget_readings``."""
    return Budget.from_reading(
        getattr(business, "usage_reading_pct", None),
        getattr(business, "usage_reading_at", None),
        getattr(business, "usage_reading_calls", None),
        now,
    ).see(
        getattr(business, "ledger_reading_pct", None),
        getattr(business, "ledger_reading_at", None),
        now,
    )


def next_sync_calls(business: Business) -> int | None:
    calls: int | None = getattr(business, "next_sync_calls", None)
    return calls


def app_budgets(app_ids: Iterable[int], now: datetime) -> dict[int, Budget]:
    """The budget of each app, from the newest reading among its businesses' runs and in the
    call ledger (one query)."""
    ids = set(app_ids)
    if not ids:
        return {}
    latest = _readings(now, business__app_id=OuterRef("pk"))
    ledger = _ledger_readings(now, "app_usage_pct", app=OuterRef("pk"))
    before_reading = (
        SyncRun.objects.filter(
            business__app_id=OuterRef("pk"),
            created_at__gte=now - 3 * USAGE_WINDOW,  # keeps the lookup an index range
            finished_at__isnull=False,
            finished_at__lte=OuterRef("reading_at"),
            # Runs that started within the hour before the reading: all their calls count in it.
            started_at__gte=OuterRef("reading_at") - USAGE_WINDOW,
        )
        .values("business__app_id")
        .annotate(calls=Sum("graph_calls"))
        .values("calls")[:1]
    )
    apps = (
        DeveloperApp.objects.filter(pk__in=ids)
        .annotate(
            reading_pct=Subquery(latest.values("app_usage_pct")[:1]),
            reading_at=Subquery(latest.values("finished_at")[:1]),
            ledger_pct=Subquery(ledger.values("app_usage_pct")[:1]),
            ledger_at=Subquery(ledger.values("at")[:1]),
        )
        .annotate(reading_calls=Subquery(before_reading))
        .values_list("pk", "reading_pct", "reading_at", "reading_calls", "ledger_pct", "ledger_at")
    )
    return {
        pk: Budget.from_reading(pct, at, calls, now).see(ledger_pct, ledger_at, now)
        for pk, pct, at, calls, ledger_pct, ledger_at in apps
    }


def in_flight_calls(app_ids: Iterable[int], now: datetime) -> dict[int, int]:
    """Per app, the estimated calls of its businesses' syncs queued or running (one query):
    they will spend the app's quota whatever this tick decides."""
    ids = set(app_ids)
    if not ids:
        return {}
    busy = SyncRun.objects.filter(
        business=OuterRef("pk"),
        status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING],
        created_at__gte=now - 2 * USAGE_WINDOW,  # older ones are stranded: the sweeper's
    )
    busy_businesses = Business.objects.filter(app_id__in=ids).filter(Exists(busy)).only("app_id")
    calls: dict[int, int] = {}
    for business in with_budget_readings(busy_businesses, now):
        if business.app_id is not None:
            calls[business.app_id] = calls.get(business.app_id, 0) + (
                next_sync_calls(business) or 0
            )
    return calls


def _budgets_of(business: Business, now: datetime) -> tuple[Business, Budget, Budget]:
    """The business loaded with its readings, its own budget and its app's (two queries)."""
    loaded = with_budget_readings(Business.objects.filter(pk=business.pk), now).get()
    app = app_budgets([business.app_id] if business.app_id else [], now).get(
        business.app_id or 0, Budget()
    )
    return loaded, business_budget(loaded, now), app


def usage_now_pct(business: Business) -> float:
    """The higher of the business's and its app's usage as it stands now: for work other than
    syncs (the live-accounts read) deciding whether to spend the quota at all."""
    _loaded, own, app = _budgets_of(business, timezone.now())
    return max(own.used_pct, app.used_pct)


def business_budget_line(business: Business) -> str:
    """One line for operators: usage now, the next sync's cost, and whether it may start."""
    loaded, own, app = _budgets_of(business, timezone.now())
    calls = next_sync_calls(loaded)
    verdict = dispatch_verdict(own, app, calls, headroom_pct=settings.SYNC_QUOTA_HEADROOM_PCT)
    cost = (
        f"next sync about {calls} calls (~{own.cost_pct(calls):.0f}% of its quota)"
        if calls
        else "no estimate of the next sync yet"
    )
    outcome = f"waits: {verdict.why}" if verdict.wait else "a scheduled sync may start"
    return (
        f"Business use case {own.used_pct:.0f}% used, app {app.used_pct:.0f}% used; "
        f"{cost}; {outcome}."
    )
