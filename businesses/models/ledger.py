from __future__ import annotations

from django.db import models


class GraphCall(models.Model):
    """One call to the Graph API, kept for the Advanced-access eligibility rule and support."""

    at = models.DateTimeField(db_index=True)
    app = models.ForeignKey(
        "businesses.DeveloperApp",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calls",
    )
    business_meta_id = models.CharField(max_length=32, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255, help_text="Without query string or token.")
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # What Meta's answer said of the quotas (X-App-Usage, X-Business-Use-Case-Usage), so every
    # call (a push, a live-accounts read, not only a sync) feeds the dispatcher's budgets.
    app_usage_pct = models.PositiveSmallIntegerField(
        "app usage %", null=True, blank=True, help_text="X-App-Usage, the highest share."
    )
    business_usage_pct = models.PositiveSmallIntegerField(
        "business use case usage %",
        null=True,
        blank=True,
        help_text="X-Business-Use-Case-Usage for this client, the highest share.",
    )

    class Meta:
        ordering = ("-at",)
        indexes = [
            # Eligibility: calls of one app over the last 15 days (and its last 500 calls).
            models.Index(fields=["app", "at"], name="graphcall_app_at_idx"),
            models.Index(fields=["business_meta_id", "at"], name="graphcall_business_at_idx"),
        ]

    def __str__(self) -> str:
        outcome = f"error {self.error_code}" if self.error_code else str(self.status or "no answer")
        return f"{self.method} {self.path} → {outcome}"

    @property
    def succeeded(self) -> bool:
        return self.error_code is None and self.status is not None and self.status < 400
