"""Writes of the notifications app: raise an event, save a staff member's choice, deliver.

1. `event_raise` records an event once (its dedup_key is unique), picks the staff members who
   asked for it, and creates one Delivery per person and channel — WAITING for a digest or
   PENDING, in which case the delivery task is queued after commit. Raising an event that
   exists does nothing, so retries and repeated detection passes never alert twice.
2. The delivery task sends each one (``notifications.delivery``); a delivery whose task the
   broker refused is marked and queued again by `deliveries_sweep` (the periodic pass).
3. `digest_send_due` bundles each person's WAITING deliveries into one digest per channel."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from businesses import scoping
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import Business, StaffAssignment
from businesses.queueing import enqueue
from graph.redaction import redact
from notifications.delivery_task import delivery_send_task
from notifications.models import Delivery, Event, EventKind, NotificationSetting

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


def _recipients(event: Event) -> list[NotificationSetting]:
    """Staff who asked for this kind, for this client, and may see it."""
    candidates = NotificationSetting.objects.filter(user__is_active=True, user__is_staff=True)
    if event.business_id is not None:
        assigned = StaffAssignment.objects.filter(business_id=event.business_id).values("user_id")
        candidates = candidates.filter(Q(user__is_superuser=True) | Q(user_id__in=assigned))
    out = []
    for setting in candidates.select_related("user").prefetch_related("clients", "watched_clients"):
        if event.kind not in setting.events:
            continue
        if event.business_id is not None:
            chosen = {c.pk for c in setting.clients.all()}
            if chosen and event.business_id not in chosen:
                continue
            if event.kind == EventKind.DRIFT and event.business_id not in {
                c.pk for c in setting.watched_clients.all()
            }:
                continue
        out.append(setting)
    return out


def event_raise(
    *, kind: str, dedup_key: str, summary: str, business: Business | None = None, link: str = ""
) -> Event | None:
    """Record an event and queue its alerts; None if it was already raised (see above)."""
    if Event.objects.filter(dedup_key=dedup_key).exists():
        return None
    try:
        with transaction.atomic():
            event = Event.objects.create(
                kind=kind,
                business=business,
                dedup_key=dedup_key[:200],
                summary=redact(summary)[:500],
                link=link[:300],
            )
            pending: list[int] = []
            for setting in _recipients(event):
                for channel in setting.channels():
                    waiting = setting.mode == NotificationSetting.Mode.DAILY
                    delivery = Delivery.objects.create(
                        user=setting.user,
                        channel=channel,
                        event=event,
                        state=Delivery.State.WAITING if waiting else Delivery.State.PENDING,
                    )
                    if not waiting:
                        pending.append(delivery.pk)
            transaction.on_commit(lambda: _enqueue(pending))
    except IntegrityError:
        return None  # raised at the same moment by another worker: theirs stands
    return event


def _enqueue(delivery_ids: Iterable[int]) -> None:
    """Queue each delivery's send; one the broker refuses is marked for ``deliveries_sweep``
    (an event is raised once, so the next detection pass would never queue it again)."""
    for delivery in Delivery.objects.filter(pk__in=list(delivery_ids)).order_by("pk"):
        enqueue(delivery_send_task, delivery.pk, row=delivery)


def deliveries_sweep() -> int:
    """Queue again the deliveries the broker refused; the mark is cleared only once it takes
    one. Stops at the first refusal: the queue is still down. Returns how many were queued."""
    sent = 0
    waiting = Delivery.objects.filter(waiting_for_queue=True, state=Delivery.State.PENDING)
    for delivery in waiting.order_by("pk")[:500]:
        if not enqueue(delivery_send_task, delivery.pk, row=delivery):
            break
        Delivery.objects.filter(pk=delivery.pk).update(waiting_for_queue=False)
        sent += 1
    return sent


def delivery_retry(*, delivery: Delivery, actor: Actor) -> Delivery:
    """Send a failed delivery again (the staff member's button)."""
    with transaction.atomic():
        changed = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.FAILED).update(
            state=Delivery.State.PENDING, last_error=""
        )
        if changed:
            audit_record(
                actor=actor,
                action="notification.retry",
                target=delivery,
                summary=f"Asked to send a failed {delivery.get_channel_display().lower()} alert again.",
            )
            transaction.on_commit(lambda: _enqueue([delivery.pk]))
    delivery.refresh_from_db()
    return delivery


def digest_send_due(*, now: datetime | None = None) -> int:
    """Bundle every WAITING delivery into one digest per person and channel; queue them."""
    now = now or timezone.now()
    digests: list[int] = []
    with transaction.atomic():
        waiting = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(state=Delivery.State.WAITING, event__isnull=False)
            .order_by("user_id", "channel", "created_at")
        )
        groups: dict[tuple[int, str], list[Delivery]] = {}
        for delivery in waiting:
            groups.setdefault((delivery.user_id, delivery.channel), []).append(delivery)
        for (user_id, channel), items in groups.items():
            digest = Delivery.objects.create(user_id=user_id, channel=channel)
            Delivery.objects.filter(pk__in=[d.pk for d in items]).update(
                state=Delivery.State.BUNDLED, digest=digest
            )
            digests.append(digest.pk)
        transaction.on_commit(lambda: _enqueue(digests))
    return len(digests)


def validate_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError({"webhook_url": "Enter a full web address, e.g. https://hooks…"})
    if settings.NOTIFY_WEBHOOK_HTTPS_ONLY and parts.scheme != "https":
        raise ValidationError({"webhook_url": "The webhook must use https."})
    if parts.username or parts.password:
        raise ValidationError({"webhook_url": "Put no user name or password in the address."})


def notification_setting_save(
    *,
    user: User,
    actor: Actor,
    events: list[str],
    mode: str,
    email_enabled: bool,
    email: str,
    webhook_enabled: bool,
    webhook_url: str,
    webhook_format: str,
    webhook_secret: str = "",
    clients: Iterable[Business] = (),
    watched_clients: Iterable[Business] = (),
) -> NotificationSetting:
    """Save a staff member's choices (the clients must be ones they manage: the form offers no
    others and this re-checks). The webhook address and signing secret are write-only: empty
    keeps the stored one."""
    allowed = set(scoping.scope(Business.objects.all(), user, "").values_list("pk", flat=True))
    clients, watched_clients = list(clients), list(watched_clients)
    if any(c.pk not in allowed for c in [*clients, *watched_clients]):
        raise ValidationError("Choose among the clients you manage.")
    unknown = set(events) - set(EventKind.values)
    if unknown:
        raise ValidationError(f"Unknown events: {', '.join(sorted(unknown))}.")
    if webhook_url:
        validate_webhook_url(webhook_url)
    with transaction.atomic():
        setting, _ = NotificationSetting.objects.select_for_update().get_or_create(user=user)
        if webhook_enabled and not (webhook_secret or setting.webhook_secret_ciphertext):
            raise ValidationError(
                {"webhook_secret": "Enter a signing secret so the receiver can verify alerts."}
            )
        if webhook_enabled and not (webhook_url or setting.webhook_url_ciphertext):
            raise ValidationError({"webhook_url": "Enter the webhook address."})
        setting.events = sorted(set(events))
        setting.mode = mode
        setting.email_enabled = email_enabled
        setting.email = email
        setting.webhook_enabled = webhook_enabled
        if webhook_url:
            setting.set_webhook_url(webhook_url)
        setting.webhook_format = webhook_format
        if webhook_secret:
            setting.set_webhook_secret(webhook_secret)
        setting.full_clean(exclude=["user"])
        setting.save()
        setting.clients.set(clients)
        setting.watched_clients.set(watched_clients)
        audit_record(
            actor=actor,
            action="notification.settings",
            target=setting,
            summary=(
                f"Notification settings: {len(setting.events)} event(s), "
                f"{setting.get_mode_display().lower()}, channels "
                f"{', '.join(setting.channels()) or 'none'}"
                + (" (new webhook address)" if webhook_url else "")
                + (" (new signing secret)" if webhook_secret else "")
                + "."
            ),
        )
    return setting


def notification_test_send(*, user: User, actor: Actor) -> Event | None:
    """A test alert to the staff member only (not to others who chose the same event)."""
    setting = NotificationSetting.objects.filter(user=user).first()
    if setting is None:
        raise ValidationError("Save your settings first.")
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.create(
            kind=EventKind.TEST,
            dedup_key=f"test:{user.pk}:{now.isoformat()}",
            summary="This is a test alert from BM Portal; nothing needs doing.",
            link="/admin/portal/notifications/",
        )
        ids = [
            Delivery.objects.create(user=user, channel=channel, event=event).pk
            for channel in setting.channels()
        ]
        audit_record(
            actor=actor, action="notification.test", target=setting, summary="Sent a test alert."
        )
        transaction.on_commit(lambda: _enqueue(ids))
    return event
