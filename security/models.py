"""A finding of the security review is computed from live data each time (review.py); only a
staff member's decision to dismiss one is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from businesses.models import Business


class FindingDismissal(models.Model):
    """ "We know, and it is fine": hides one finding (its stable key) of one client."""

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="finding_dismissals"
    )
    key = models.CharField(max_length=200, help_text="e.g. 'admin_system_user:12'.")
    reason = models.TextField()
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-dismissed_at",)
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="security_dismiss_once"),
        ]

    def __str__(self) -> str:
        return f"{self.business.name}: {self.key} dismissed"
