"""Sending one delivery: claim it while PENDING, render it (the summary only: never a token or
a secret) and hand it to its channel; ``notifications.delivery_task`` retries what can recover."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from notifications import transports
from notifications.models import Channel, Delivery, Event, NotificationSetting


def _absolute(link: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{link}" if link else settings.PORTAL_BASE_URL + "/"


def _item(event: Event) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "title": event.get_kind_display(),
        "client": event.business.name if event.business is not None else "",
        "client_business_id": event.business.meta_id if event.business is not None else "",
        "summary": event.summary,
        "link": _absolute(event.link),
        "raised_at": event.raised_at.isoformat(),
    }


def _message(events: list[Event], *, digest: bool) -> transports.Message:
    items = [_item(e) for e in events]
    if digest:
        subject = f"[BM Portal] Daily digest: {len(events)} alert{'s' if len(events) != 1 else ''}"
    else:
        e = items[0]
        subject = f"[BM Portal] {e['title']}" + (f": {e['client']}" if e["client"] else "")
    lines = [subject.removeprefix("[BM Portal] "), ""]
    for item in items:
        where = f"{item['client']}: " if item["client"] else ""
        lines.append(f"- {where}{item['summary']}\n  {item['link']}")
    lines += ["", f"Choose what you receive: {_absolute('/admin/portal/notifications/')}"]
    return transports.Message(subject=subject, text="\n".join(lines), items=items)


def _transmit(delivery: Delivery, message: transports.Message) -> None:
    setting = NotificationSetting.objects.filter(user=delivery.user).first()
    if setting is None:
        raise transports.PermanentDeliveryError("You have no notification settings any more.")
    if delivery.channel == Channel.EMAIL:
        if not setting.email_address:
            raise transports.PermanentDeliveryError("No email address to send to.")
        transports.send_email(to=setting.email_address, message=message)
    else:
        url = setting.reveal_webhook_url()
        if not url:
            raise transports.PermanentDeliveryError("No webhook address to send to.")
        transports.send_webhook(
            url=url,
            secret=setting.reveal_webhook_secret(),
            message=message,
            fmt=setting.webhook_format,
        )


def delivery_send(*, delivery: Delivery, final_attempt: bool = True) -> Delivery:
    """Send one PENDING delivery. A transient failure re-raises (the task retries) unless this is
    the final attempt, when the delivery is marked FAILED with the reason shown to its owner."""
    claimed = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING).update(
        attempts=delivery.attempts + 1
    )
    if not claimed:
        delivery.refresh_from_db()
        return delivery  # sent already (a redelivered task) or not ours to send
    delivery.refresh_from_db()
    if delivery.event_id is None:  # a digest: the deliveries it bundles each carry an event
        bundled = delivery.items.select_related("event__business")
        events = [item.event for item in bundled if item.event is not None]
    else:
        events = [Event.objects.select_related("business").get(pk=delivery.event_id)]
    try:
        _transmit(delivery, _message(events, digest=delivery.is_digest))
    except transports.TransientDeliveryError as err:
        delivery.last_error = str(err)[:500]
        if final_attempt:
            delivery.state = Delivery.State.FAILED
        delivery.save(update_fields=["last_error", "state"])
        if not final_attempt:
            raise
    except transports.PermanentDeliveryError as err:
        delivery.state = Delivery.State.FAILED
        delivery.last_error = str(err)[:500]
        delivery.save(update_fields=["last_error", "state"])
    else:
        delivery.state = Delivery.State.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["state", "sent_at", "last_error"])
    return delivery
