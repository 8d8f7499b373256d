"""Find what happened from the records the workflows already write, and raise each event once.

The kernel apps (businesses, assets, systemusers) know nothing of notifications: a sync writes
its SyncRun, a push marks its Grant failed, an onboarding settles as failed, a sync records
DriftEvents, token health marks a token invalid. The detectors read those rows and raise an
event per fact; each event's dedup_key names the fact, so a second look (or a retried one)
raises nothing new. Nothing the workflows do waits on them.

They run two ways:
1. For one business, right after a workflow wrote its facts (``businesses.alerts.facts_changed``
   → notifications/prompt.py): this is how staff hear of an event promptly.
2. For every business, every few minutes by beat (``events_detect_task``): the safety net. It
   catches what the prompt path cannot see — a token crossing into its expiry window as time
   passes, a fact written by a path that does not call the hook (a partnership staff end
   themselves), a check lost with a worker, and the deliveries an outage kept from the queue. It costs little:
   dedup makes it a no-op for what the prompt path already raised.

Each detector looks back NOTIFY_LOOKBACK_HOURS only, so a first run does not alert on history."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from assets.models import AssetAccess, Grant, PushState
from businesses.models import AccessToken, Business, PartnerRelationship
from notifications.models import EventKind
from notifications.services import event_raise
from onboarding.models import Onboarding
from sync.models import DriftEvent, SyncRun
from systemusers.models import SystemUser


def _of(queryset: QuerySet, business_id: int | None, *fields: str) -> QuerySet:
    """The rows of one business (any of ``fields`` naming it), or all of them for the poll."""
    if business_id is None:
        return queryset
    where = Q()
    for field in fields:
        where |= Q(**{field: business_id})
    return queryset.filter(where)


def _admin_link(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def detect_tokens(now: datetime, business_id: int | None = None) -> int:
    raised = 0
    limit = now + timedelta(days=settings.TOKEN_EXPIRY_WARNING_DAYS)
    tokens = _of(
        AccessToken.objects.filter(is_active=True, revoked_at__isnull=True), business_id, "business"
    ).select_related("business")
    for token in tokens.filter(is_valid=True, expires_at__isnull=False, expires_at__lte=limit):
        days = max(0, (token.expires_at - now).days)
        raised += bool(
            event_raise(
                kind=EventKind.TOKEN_EXPIRING,
                business=token.business,
                dedup_key=f"token_expiring:{token.pk}:{token.expires_at:%Y-%m-%d}",
                summary=f"{token.get_kind_display()} token {token.masked} expires in {days} day(s).",
                link=_admin_link(token),
            )
        )
    for token in tokens.filter(is_valid=False, updated_at__gte=now - _lookback()):
        raised += bool(
            event_raise(
                kind=EventKind.TOKEN_INVALID,
                business=token.business,
                dedup_key=f"token_invalid:{token.pk}",
                summary=f"{token.get_kind_display()} token {token.masked} is no longer valid; "
                "the portal cannot act for this client until it is replaced.",
                link=_admin_link(token),
            )
        )
    return raised


def _lookback() -> timedelta:
    return timedelta(hours=settings.NOTIFY_LOOKBACK_HOURS)


def detect_sync_failures(now: datetime, business_id: int | None = None) -> int:
    """Two failed runs with no success between them: one alert per streak (keyed by its first
    failed run), however long it lasts."""
    raised = 0
    # A run that succeeded with warnings (a listing Meta withdrew) ends a failure streak too.
    finished = (
        SyncRun.Status.SUCCEEDED,
        SyncRun.Status.SUCCEEDED_WITH_WARNINGS,
        SyncRun.Status.FAILED,
    )
    recent = (
        _of(
            SyncRun.objects.filter(
                status=SyncRun.Status.FAILED, finished_at__gte=now - _lookback()
            ),
            business_id,
            "business",
        )
        .values_list("business_id", flat=True)
        .distinct()
    )
    for business in Business.objects.filter(pk__in=recent):
        runs = list(
            SyncRun.objects.filter(business=business, status__in=finished)
            .order_by("-finished_at", "-pk")
            .values("pk", "status", "error")[:50]
        )
        streak = []
        for run in runs:
            if run["status"] != SyncRun.Status.FAILED:
                break
            streak.append(run)
        if len(streak) < 2:
            continue
        raised += bool(
            event_raise(
                kind=EventKind.SYNC_FAILED_TWICE,
                business=business,
                dedup_key=f"sync_failed:{business.pk}:{streak[-1]['pk']}",
                summary=f"The last {len(streak)} syncs of {business.name} failed: "
                f"{streak[0]['error'][:300] or 'see the sync runs'}",
                link=reverse("admin:sync_syncrun_changelist")
                + f"?business__id__exact={business.pk}",
            )
        )
    return raised


def detect_access_lost(now: datetime, business_id: int | None = None) -> int:
    raised = 0
    lost = DriftEvent.objects.filter(
        kind=DriftEvent.Kind.ASSET_LOST, detected_at__gte=now - _lookback()
    )
    for drift in _of(lost, business_id, "business").select_related("business"):
        raised += bool(
            event_raise(
                kind=EventKind.ACCESS_LOST,
                business=drift.business,
                dedup_key=f"access_lost:drift:{drift.pk}",
                summary=drift.summary,
                link=reverse("portal:readiness", args=[drift.business_id]),
            )
        )
    ended = PartnerRelationship.objects.filter(
        status=PartnerRelationship.Status.REMOVED, updated_at__gte=now - _lookback()
    )
    # Either side's sync (or the agency ending it) may be what wrote it.
    for rel in _of(ended, business_id, "client", "agency").select_related("agency", "client"):
        raised += bool(
            event_raise(
                kind=EventKind.ACCESS_LOST,
                business=rel.client,
                dedup_key=f"access_lost:partnership:{rel.pk}:{rel.updated_at:%Y-%m-%d}",
                summary=f"The partnership between {rel.agency.name} and {rel.client.name} has "
                "ended; the agency no longer reaches this client's shared assets.",
                link=_admin_link(rel),
            )
        )
    return raised


def detect_push_failures(now: datetime, business_id: int | None = None) -> int:
    raised = 0
    grants = Grant.objects.filter(push_state=PushState.FAILED, updated_at__gte=now - _lookback())
    for grant in _of(grants, business_id, "business").select_related("asset", "business"):
        raised += bool(
            event_raise(
                kind=EventKind.PUSH_FAILED,
                business=grant.business,
                dedup_key=f"push_failed:grant:{grant.pk}:{grant.push_attempts}",
                summary=f"A change to {grant.asset} could not be applied in Meta: "
                f"{grant.push_error[:300]}",
                link=_admin_link(grant),
            )
        )
    shares = AssetAccess.objects.filter(
        push_state=PushState.FAILED, updated_at__gte=now - _lookback()
    )
    for access in _of(shares, business_id, "asset__owner_business", "business").select_related(
        "asset__owner_business", "business"
    ):
        # A share has no attempt counter: its failure is named by Meta's words, so the same
        # failure seen by the next pass (or after an unrelated save of the row) is not new.
        failure = zlib.crc32(access.push_error.encode())
        raised += bool(
            event_raise(
                kind=EventKind.PUSH_FAILED,
                business=access.asset.owner_business or access.business,
                dedup_key=f"push_failed:share:{access.pk}:{failure}",
                summary=f"Sharing {access.asset} with {access.business.name} could not be "
                f"applied in Meta: {access.push_error[:300]}",
                link=_admin_link(access),
            )
        )
    # A system user Meta did not create: a failed row is final (trying again makes a new one).
    failed = SystemUser.objects.filter(
        status=SystemUser.Status.FAILED, updated_at__gte=now - _lookback()
    )
    for system_user in _of(failed, business_id, "business").select_related("business"):
        raised += bool(
            event_raise(
                kind=EventKind.PUSH_FAILED,
                business=system_user.business,
                dedup_key=f"push_failed:system_user:{system_user.pk}",
                summary=f"System user {system_user.name} could not be created in "
                f"{system_user.business.name}: {system_user.failure_reason[:300]}",
                link=_admin_link(system_user),
            )
        )
    return raised


def detect_onboarding_failures(now: datetime, business_id: int | None = None) -> int:
    raised = 0
    failed = Onboarding.objects.filter(
        status=Onboarding.Status.FAILED, updated_at__gte=now - _lookback()
    )
    # An onboarding may fail before its client is known: its agency names it then.
    for onboarding in _of(failed, business_id, "client_business", "agency").select_related(
        "client_business"
    ):
        finished = onboarding.finished_at or onboarding.updated_at
        raised += bool(
            event_raise(
                kind=EventKind.ONBOARDING_FAILED,
                business=onboarding.client_business,
                dedup_key=f"onboarding_failed:{onboarding.pk}:{finished:%Y%m%d%H%M%S}",
                summary=f"Onboarding of {onboarding.name} failed; its status page says which "
                "step and lets you retry.",
                link=reverse("portal:onboarding_status", args=[onboarding.pk]),
            )
        )
    return raised


def detect_caps(now: datetime, business_id: int | None = None) -> int:
    raised = 0
    for business in _of(Business.objects.filter(system_users_over_cap=True), business_id, "pk"):
        raised += bool(
            event_raise(
                kind=EventKind.CAP_REACHED,
                business=business,
                dedup_key=f"cap_reached:{business.pk}:{now:%Y-%m-%d}",
                summary=f"{business.name} has more system users than its access level allows; "
                "Meta will refuse new ones.",
                link=_admin_link(business),
            )
        )
    refused = SystemUser.objects.filter(
        status=SystemUser.Status.FAILED,
        failure_reason__icontains="cap",
        updated_at__gte=now - _lookback(),
    )
    for su in _of(refused, business_id, "business").select_related("business"):
        raised += bool(
            event_raise(
                kind=EventKind.CAP_REACHED,
                business=su.business,
                dedup_key=f"cap_reached:system_user:{su.pk}",
                summary=f"Meta refused to create {su.name} in {su.business.name}: the "
                f"{su.get_role_display().lower()} cap is reached.",
                link=_admin_link(su),
            )
        )
    return raised


def detect_drift(now: datetime, business_id: int | None = None) -> int:
    raised = 0
    changes = DriftEvent.objects.filter(detected_at__gte=now - _lookback()).exclude(
        kind=DriftEvent.Kind.ASSET_LOST
    )
    for drift in _of(changes, business_id, "business").select_related("business"):
        raised += bool(
            event_raise(
                kind=EventKind.DRIFT,
                business=drift.business,
                dedup_key=f"drift:{drift.pk}",
                summary=f"{drift.get_kind_display()}: {drift.summary}",
                link=_admin_link(drift.business),
            )
        )
    return raised


DETECTORS = (
    detect_tokens,
    detect_sync_failures,
    detect_access_lost,
    detect_push_failures,
    detect_onboarding_failures,
    detect_caps,
    detect_drift,
)


def events_detect(*, now: datetime | None = None, business_id: int | None = None) -> int:
    """Run every detector, for one business or (None) all; returns how many new events were
    raised."""
    now = now or timezone.now()
    return sum(detector(now, business_id) for detector in DETECTORS)
