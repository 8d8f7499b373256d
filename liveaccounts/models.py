from __future__ import annotations

from django.db import models

from assets.models import Asset


class AccountActivity(models.Model):
    """What Meta last said about an ad account's delivery: active ads, spend over 7 days."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="activity")
    active_ads = models.PositiveIntegerField(default=0)
    spend_7d = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=8, blank=True)
    is_live = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "account activity"
        indexes = [
            # Home page and offboarding: the live accounts among a set of assets.
            models.Index(fields=["is_live"], name="live_activity_is_live_idx"),
        ]

    def __str__(self) -> str:
        state = "live" if self.is_live else "not live"
        return (
            f"{self.asset}: {state} ({self.active_ads} active ads, {self.spend_7d} {self.currency})"
        )
