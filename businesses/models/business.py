from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .base import TimeStampedModel, meta_id_validator


class Business(TimeStampedModel):
    """A Meta Business Manager (a "business portfolio")."""

    class VerificationStatus(models.TextChoices):
        # Graph's Business.verification_status values, verbatim.
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"
        INELIGIBLE = "ineligible", "Ineligible"
        NOT_VERIFIED = "not_verified", "Not verified"
        PENDING = "pending", "Pending"
        PENDING_NEED_MORE_INFO = "pending_need_more_info", "Pending: more info needed"
        PENDING_SUBMISSION = "pending_submission", "Pending submission"
        REJECTED = "rejected", "Rejected"
        REVOKED = "revoked", "Revoked"
        VERIFIED = "verified", "Verified"

    class TwoFactorType(models.TextChoices):
        NONE = "none", "Not required"
        ADMIN_REQUIRED = "admin_required", "Required for admins"
        ALL_REQUIRED = "all_required", "Required for everyone"

    class SyncState(models.TextChoices):
        IDLE = "idle", "Idle"
        RUNNING = "running", "Running"

    meta_id = models.CharField(
        "Business ID", max_length=32, unique=True, validators=[meta_id_validator]
    )
    name = models.CharField(max_length=255)
    verification_status = models.CharField(
        max_length=32, choices=VerificationStatus.choices, default=VerificationStatus.NOT_VERIFIED
    )
    two_factor_type = models.CharField(
        max_length=16, choices=TwoFactorType.choices, default=TwoFactorType.NONE
    )
    vertical = models.CharField(max_length=64, blank=True)
    timezone_id = models.PositiveIntegerField(null=True, blank=True)
    is_agency = models.BooleanField(
        "agency's own", default=False, help_text="The agency's own Business Manager."
    )
    contact_name = models.CharField(max_length=255, blank=True)
    contact_email = models.EmailField(blank=True)
    app = models.ForeignKey(
        "businesses.DeveloperApp",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="businesses",
        help_text="The developer app the portal calls Meta with for this business.",
    )

    # Sync bookkeeping. The claim is a compare-and-swap on sync_state with a lease, so a
    # crashed worker's claim expires by itself (STYLE 7).
    sync_interval_minutes = models.PositiveIntegerField(default=60)
    sync_state = models.CharField(max_length=16, choices=SyncState.choices, default=SyncState.IDLE)
    sync_lease_until = models.DateTimeField(null=True, blank=True)
    sync_paused_until = models.DateTimeField(
        null=True, blank=True, help_text="Meta throttled this business; syncs wait until then."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # After a failed sync: when the dispatcher tries again (back-off from SYNC_RETRY_MINUTES by
    # the number of failures in a row). Cleared by a successful sync.
    sync_retry_at = models.DateTimeField("next try at", null=True, blank=True)
    sync_failures_in_a_row = models.PositiveSmallIntegerField("failed syncs in a row", default=0)
    system_users_over_cap = models.BooleanField(
        default=False, help_text="A sync found more system users than the access level allows."
    )

    class Meta:
        verbose_name_plural = "businesses"
        ordering = ("name",)
        indexes = [
            # Admin filters: "agency's own" and verification status.
            models.Index(fields=["is_agency"], name="biz_is_agency_idx"),
            models.Index(fields=["verification_status"], name="biz_verification_idx"),
            # The scheduler's lookup of idle businesses due for a sync.
            models.Index(fields=["sync_state", "last_synced_at"], name="biz_sync_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sync_interval_minutes__gte=5), name="biz_sync_interval_at_least_5_min"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.meta_id})"


class PartnerRelationship(TimeStampedModel):
    """An agency ↔ client partnership between two Business Managers."""

    class Origin(models.TextChoices):
        ON_BEHALF_OF = "on_behalf_of", "Business On Behalf Of"
        CLIENT_GRANT = "client_grant", "Client granted partner access"
        PARTNER_REQUEST = "partner_request", "Partner request"
        MANUAL = "manual", "Entered by hand"
        DISCOVERED = "discovered", "Found by a sync"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"
        REMOVED = "removed", "Removed"

    agency = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="client_relationships"
    )
    client = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="agency_relationships"
    )
    origin = models.CharField(max_length=32, choices=Origin.choices, default=Origin.MANUAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "client"], name="partner_one_per_pair"),
            models.CheckConstraint(condition=~Q(agency=F("client")), name="partner_not_self"),
        ]
        indexes = [models.Index(fields=["status"], name="partner_status_idx")]

    def __str__(self) -> str:
        return f"{self.agency.name} → {self.client.name} ({self.get_status_display()})"


class StaffAssignment(TimeStampedModel):
    """Which staff member works on which business: staff see only their businesses."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="business_assignments"
    )
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="staff_assignments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="staff_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.business.name}"
