from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from businesses import crypto

from .base import TimeStampedModel
from .business import Business


class AccessToken(TimeStampedModel):
    """A Graph access token. The token itself is stored only encrypted and shown as its last 4."""

    class Kind(models.TextChoices):
        USER = "USER", "User"
        PAGE = "PAGE", "Page"
        APP = "APP", "App"
        SYSTEM_USER = "SYSTEM_USER", "System user"

    class Purpose(models.TextChoices):
        CONNECTION = "connection", "Portal's connection to the business"
        SYSTEM_USER = "system_user", "Issued to a system user"
        LOGIN = "login", "From a Facebook Login"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.CONNECTION)
    app = models.ForeignKey(
        "businesses.DeveloperApp",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tokens",
    )
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens"
    )
    system_user = models.ForeignKey(
        "systemusers.SystemUser",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tokens",
    )
    meta_user_id = models.CharField("whose (Meta user / system user id)", max_length=32, blank=True)
    ciphertext = models.TextField(editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    scopes = models.JSONField(default=list, blank=True)
    granular_scopes = models.JSONField(default=list, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty means it never expires."
    )
    last_verified_at = models.DateTimeField(null=True, blank=True)
    is_valid = models.BooleanField(default=True)
    invalid_reason = models.TextField(blank=True)
    is_active = models.BooleanField(
        default=True, help_text="The token in use; older ones are kept until revoked."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            # One token the portal acts with per business.
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(is_active=True, purpose="connection", business__isnull=False),
                name="token_one_active_connection_per_business",
            ),
            models.CheckConstraint(condition=~Q(ciphertext=""), name="token_has_ciphertext"),
        ]
        indexes = [
            # Token health: valid tokens ordered by expiry; the home page's "expiring soon".
            models.Index(fields=["is_valid", "expires_at"], name="token_health_idx"),
            models.Index(fields=["kind"], name="token_kind_idx"),
        ]

    def __str__(self) -> str:
        # Never the token: its kind, whose, and the last 4 characters only.
        whose = self.business.name if self.business_id else self.meta_user_id or "?"
        return f"{self.get_kind_display()} token …{self.last4} ({whose})"

    def set_token(self, token: str) -> None:
        self.ciphertext = crypto.encrypt(token)
        self.last4 = crypto.last4(token)

    def reveal(self) -> str:
        return crypto.decrypt(self.ciphertext)

    @property
    def masked(self) -> str:
        return f"…{self.last4}" if self.last4 else "…"

    @property
    def never_expires(self) -> bool:
        return self.expires_at is None

    def expires_within(self, days: int | None = None) -> bool:
        if self.expires_at is None:
            return False
        days = settings.TOKEN_EXPIRY_WARNING_DAYS if days is None else days
        return self.expires_at <= timezone.now() + timedelta(days=days)

    @property
    def days_left(self) -> int | None:
        if self.expires_at is None:
            return None
        return max(0, (self.expires_at - timezone.now()).days)
