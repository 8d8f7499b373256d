"""Alerts for staff: what happened (Event), who wants to hear about it and how
(NotificationSetting), and each attempt to tell them (Delivery)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q

from businesses import crypto
from businesses.alerts import EventKind
from businesses.models import Business, TimeStampedModel

# What a staff member can choose on the settings page (the test alert is not a choice).
CHOOSABLE_EVENTS = [(k, label) for k, label in EventKind.choices if k != EventKind.TEST]


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class Event(models.Model):
    """Something staff may want to hear about, recorded once however often it is raised."""

    kind = models.CharField(max_length=32, choices=EventKind.choices)
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, null=True, blank=True, related_name="notify_events"
    )
    # What makes two raises the same event (e.g. "push_failed:grant:12:3"): raising it again
    # (a retried task, the next detection pass) finds the row and sends nothing.
    dedup_key = models.CharField(max_length=200, unique=True)
    summary = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True, help_text="A portal path, never a URL.")
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-raised_at",)
        indexes = [models.Index(fields=["business", "-raised_at"], name="notify_event_biz_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"


class NotificationSetting(TimeStampedModel):
    """One staff member's choice: which events, for which of their clients, by which channel."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", "As they happen"
        DAILY = "daily", "One daily digest"

    class WebhookFormat(models.TextChoices):
        JSON = "json", "JSON"
        SLACK = "slack", "Slack-compatible incoming webhook"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_setting"
    )
    events = models.JSONField(default=list, blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.IMMEDIATE)
    email_enabled = models.BooleanField(default=True)
    email = models.EmailField(blank=True, help_text="Empty: the address on your staff account.")
    webhook_enabled = models.BooleanField(default=False)
    # A webhook address is itself a credential (Slack's carries its key in the path): stored
    # encrypted, shown as its host and last 4 characters only.
    webhook_url_ciphertext = models.TextField(blank=True, editable=False)
    webhook_url_hint = models.CharField(max_length=300, blank=True, editable=False)
    webhook_format = models.CharField(
        max_length=16, choices=WebhookFormat.choices, default=WebhookFormat.JSON
    )
    webhook_secret_ciphertext = models.TextField(blank=True, editable=False)
    webhook_secret_last4 = models.CharField(max_length=4, blank=True, editable=False)
    clients = models.ManyToManyField(
        Business,
        blank=True,
        related_name="+",
        help_text="Empty: every client you manage.",
    )
    watched_clients = models.ManyToManyField(
        Business, blank=True, related_name="+", help_text="Drift alerts come from these only."
    )

    def __str__(self) -> str:
        return f"Notifications of {self.user}"

    def set_webhook_secret(self, secret: str) -> None:
        self.webhook_secret_ciphertext = crypto.encrypt(secret) if secret else ""
        self.webhook_secret_last4 = crypto.last4(secret) if secret else ""

    def set_webhook_url(self, url: str) -> None:
        self.webhook_url_ciphertext = crypto.encrypt(url) if url else ""
        parts = urlsplit(url)
        self.webhook_url_hint = f"{parts.scheme}://{parts.hostname}/…{url[-4:]}" if url else ""

    def reveal_webhook_url(self) -> str:
        return crypto.decrypt(self.webhook_url_ciphertext) if self.webhook_url_ciphertext else ""

    def reveal_webhook_secret(self) -> str:
        return (
            crypto.decrypt(self.webhook_secret_ciphertext) if self.webhook_secret_ciphertext else ""
        )

    @property
    def email_address(self) -> str:
        return self.email or self.user.email

    def channels(self) -> list[str]:
        out = []
        if self.email_enabled and self.email_address:
            out.append(Channel.EMAIL)
        if self.webhook_enabled and self.webhook_url_ciphertext:
            out.append(Channel.WEBHOOK)
        return out


class Delivery(models.Model):
    """One message to one staff member on one channel: a single event, or a daily digest that
    bundles the events waiting for it."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for the daily digest"
        BUNDLED = "bundled", "Sent in a digest"
        PENDING = "pending", "Sending"
        SENT = "sent", "Delivered"
        FAILED = "failed", "Failed to deliver"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_deliveries"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    digest = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # The broker refused its send task (businesses.queueing.enqueue marks it); the periodic
    # pass sends it again (notifications.services.deliveries_sweep).
    waiting_for_queue = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name_plural = "deliveries"
        constraints = [
            # One alert per event per person per channel, however often the event is raised.
            models.UniqueConstraint(
                fields=["event", "user", "channel"],
                condition=Q(event__isnull=False),
                name="notify_one_delivery_per_event",
            ),
        ]
        indexes = [
            # The settings page's recent deliveries; the digest's waiting items.
            models.Index(fields=["user", "-created_at"], name="notify_delivery_user_idx"),
            models.Index(fields=["state"], name="notify_delivery_state_idx"),
        ]

    def __str__(self) -> str:
        what = self.event.summary if self.event_id else "Daily digest"
        return f"{self.get_channel_display()} to {self.user}: {what} ({self.get_state_display()})"

    @property
    def is_digest(self) -> bool:
        return self.event_id is None
