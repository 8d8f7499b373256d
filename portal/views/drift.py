"""Changes found in Meta that the portal did not make (drift), in words: asset names and
tasks instead of raw ids; and the self-refreshing sync status and "Sync now" of the home page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from assets.scoping import scope_assets
from businesses.actors import Actor
from businesses.models import AuditEvent, Business
from businesses.selectors import business_or_404, visible_businesses
from core.pages import render_page, require_perm
from sync.models import DriftEvent, SyncRun
from sync.services import business_sync_request

PER_PAGE = 50
# Meta ids in a drift summary: ad accounts (act_…) and the long numeric ids of other nodes.
META_ID = re.compile(r"\bact_[0-9]+\b|\b[0-9]{8,}\b")


@dataclass
class DriftRow:
    event: DriftEvent
    text: str
    asset: Asset | None
    holder: str
    tasks: list[str]
    before: list[str]


def drift_events(business: Business, *, since=None) -> QuerySet[DriftEvent]:
    qs = DriftEvent.objects.filter(business=business).order_by("-detected_at", "-pk")
    return qs.filter(detected_at__gte=since) if since is not None else qs


def drift_rows(events: list[DriftEvent], user) -> list[DriftRow]:
    """Name the assets behind the ids in each event (one query for the page; only assets the
    staff member may see are named)."""
    ids: set[str] = set()
    pks: set[int] = set()
    for event in events:
        ids.update(META_ID.findall(event.summary))
        if event.details.get("asset"):
            ids.add(str(event.details["asset"]))
        if isinstance(event.details.get("asset_pk"), int):
            pks.add(event.details["asset_pk"])
    assets = scope_assets(Asset.objects.all(), user)
    by_meta = {a.meta_id: a for a in assets.filter(meta_id__in=ids)} if ids else {}
    by_pk = {a.pk: a for a in assets.filter(pk__in=pks)} if pks else {}

    def name(match: re.Match) -> str:
        asset = by_meta.get(match.group(0))
        return (
            f"{asset.name} ({asset.get_kind_display()})" if asset and asset.name else match.group(0)
        )

    rows = []
    for event in events:
        details = event.details or {}
        asset = by_meta.get(str(details.get("asset", ""))) or by_pk.get(details.get("asset_pk"))
        rows.append(
            DriftRow(
                event=event,
                text=META_ID.sub(name, event.summary),
                asset=asset,
                holder=str(details.get("holder", "")),
                tasks=list(details.get("tasks") or []),
                before=list(details.get("before") or []),
            )
        )
    return rows


def drift_list(request: HttpRequest, business_id: int) -> HttpResponse:
    business = business_or_404(request, business_id)
    recent = request.GET.get("since") == "yesterday"
    since = timezone.now() - timedelta(days=1) if recent else None
    page = Paginator(drift_events(business, since=since), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "portal/drift.html",
        {
            "business": business,
            "page": page,
            "rows": drift_rows(list(page.object_list), request.user),
            "recent": recent,
        },
        title=f"Changes outside the portal in {business.name}",
    )


def sync_now(request: HttpRequest, business_id: int) -> HttpResponse:
    # Another client's id is a 404 whatever the method; then only a POST by staff who may
    # change businesses queues anything.
    business = business_or_404(request, business_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require_perm(request, "businesses.change_business")
    business_sync_request(
        business=business,
        trigger=SyncRun.Trigger.MANUAL,
        actor=Actor.staff(request.user, source=AuditEvent.Source.FORM),
    )
    messages.success(request, f"Sync of {business.name} started; its progress shows below.")
    return redirect(f"{_home_url()}#client-{business.pk}")


def _home_url() -> str:
    return reverse("portal:home")


def sync_status(request: HttpRequest) -> JsonResponse:
    """The latest sync of each visible business that is queued or running (for the home page
    to refresh its progress bars without a reload)."""
    ids = [int(i) for i in request.GET.getlist("b") if i.isdigit()][:PER_PAGE]
    latest_run = SyncRun.objects.filter(business_id=OuterRef("pk")).order_by("-created_at")
    run_ids = (
        visible_businesses(request.user)
        .filter(pk__in=ids)
        .annotate(run_id=Subquery(latest_run.values("pk")[:1]))
        .values_list("run_id", flat=True)
    )
    runs = SyncRun.objects.in_bulk([pk for pk in run_ids if pk])
    latest = {run.business_id: run for run in runs.values()}
    return JsonResponse(
        {
            str(pk): {
                "status": run.status,
                "label": run.get_status_display().lower(),
                "pct": run.progress_pct,
            }
            for pk, run in latest.items()
        }
    )
