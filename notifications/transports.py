"""How a message leaves the portal: Django's email backend, or an HTTPS POST to a webhook.

Errors are sorted the healthchecks way (hc/api/transports.py): a TransientDeliveryError is
worth retrying (timeout, connection refused, 5xx, 429), a PermanentDeliveryError is not (a 4xx,
an address the mail server refuses)."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMessage

from graph.redaction import redact

SIGNATURE_HEADER = "X-BM-Portal-Signature"
TIMESTAMP_HEADER = "X-BM-Portal-Timestamp"
USER_AGENT = "BM-Portal-Notifications/1"


class DeliveryError(Exception):
    pass


class TransientDeliveryError(DeliveryError):
    pass


class PermanentDeliveryError(DeliveryError):
    pass


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    # The JSON body's items: one per event (a digest has several).
    items: list[dict]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "timestamp.body", as receivers recompute it (Stripe's scheme)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def send_email(*, to: str, message: Message) -> None:
    email = EmailMessage(
        subject=redact(message.subject),
        body=redact(message.text),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as err:
        raise PermanentDeliveryError("The mail server refused the address.") from err
    except smtplib.SMTPResponseException as err:
        cls = PermanentDeliveryError if 500 <= err.smtp_code < 600 else TransientDeliveryError
        raise cls(f"The mail server answered {err.smtp_code}.") from err
    except (smtplib.SMTPException, OSError) as err:
        raise TransientDeliveryError(
            f"Could not reach the mail server ({type(err).__name__})."
        ) from err


def webhook_body(*, message: Message, fmt: str) -> bytes:
    if fmt == "slack":
        payload: dict = {"text": redact(message.text)}
    else:
        payload = {"subject": redact(message.subject), "events": message.items}
    return json.dumps(payload, sort_keys=True).encode()


def send_webhook(*, url: str, secret: str, message: Message, fmt: str) -> None:
    body = webhook_body(message=message, fmt=fmt)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    try:
        response = requests.post(
            url,
            data=body,
            headers=headers,
            timeout=(settings.NOTIFY_WEBHOOK_CONNECT_TIMEOUT, settings.NOTIFY_WEBHOOK_READ_TIMEOUT),
            allow_redirects=False,
        )
    except requests.RequestException as err:
        # requests puts the URL in its messages; the URL may carry a receiver's key: say less.
        raise TransientDeliveryError(
            f"Could not reach the webhook ({type(err).__name__})."
        ) from None
    if 200 <= response.status_code < 300:
        return
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientDeliveryError(f"The webhook answered {response.status_code}.")
    raise PermanentDeliveryError(f"The webhook answered {response.status_code}.")
