from __future__ import annotations

from django.conf import settings
from django.db import models

from businesses.approval_gate import RiskyChange
from businesses.models import Business, TimeStampedModel


class ApprovalPolicy(TimeStampedModel):
    """Per agency: whether risky changes in its clients wait for a second staff member."""

    agency = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="approval_policy"
    )
    enabled = models.BooleanField(default=False)
    expires_after_hours = models.PositiveIntegerField(default=72)

    class Meta:
        verbose_name_plural = "approval policies"

    def __str__(self) -> str:
        return f"Two-person approval for {self.agency.name}: {'on' if self.enabled else 'off'}"


class ChangeRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved, being applied"
        DONE = "done", "Approved and applied"
        FAILED = "failed", "Approved, but applying failed"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="change_requests")
    change = models.CharField(max_length=32, choices=RiskyChange.choices)
    summary = models.CharField(max_length=500)
    # Ids only (never a secret): what the service will be called with once approved.
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    result = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-requested_at",)
        indexes = [
            # The approvals page (pending first) and the expiry sweep.
            models.Index(fields=["state", "expires_at"], name="approval_state_expiry_idx"),
            models.Index(fields=["business", "-requested_at"], name="approval_business_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"#{self.pk} {self.get_change_display()}: {self.summary} ({self.get_state_display()})"
        )
