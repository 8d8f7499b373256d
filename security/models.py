"""A finding of the security review is computed from live data each time (review.py); only a
staff member's decision to dismiss one is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from businesses.models import Business


class FindingKind(models.TextChoices):
    """What a finding is about; its value starts the key a dismissal stores."""

    ADMINS_OVER_THRESHOLD = "admins_over_threshold", "More admins than the threshold"
    STALE_INVITATION = "stale_invitation", "Stale invitation"
    LEFT_AGENCY = "left_agency", "Left the agency, still holds roles"
    ADMIN_SYSTEM_USER = "admin_system_user", "Admin system user"
    SYSTEM_USER_FULL_CONTROL = "system_user_full_control", "System user with full control"
    FULL_CONTROL_GRANT = "full_control_grant", "Full control granted to a person"
    TOKEN_EXTRA_SCOPES = "token_extra_scopes", "Token with scopes no use case needs"
    TOKEN_NEVER_EXPIRES = "token_never_expires", "Token that never expires"
    UNKNOWN_PARTNER = "unknown_partner", "Shared with an unknown partner"


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
