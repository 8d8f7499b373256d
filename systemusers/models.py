from __future__ import annotations

from django.db import models
from django.db.models import Q

from businesses.models import Business, TimeStampedModel
from businesses.models.base import meta_id_validator

# Meta's largest cap at any access level (advanced: 10 employees + 1 admin). The slot
# constraint below is the database's backstop, whatever the cap settings say.
MAX_EMPLOYEE_SLOTS = 10
MAX_ADMIN_SLOTS = 1


# SystemUser's role and status sit at module level so its Meta constraints can name them (a
# nested Meta cannot see the model's class body); callers use SystemUser.Role / .Status.
class Role(models.TextChoices):
    ADMIN = "ADMIN", "Admin system user"
    EMPLOYEE = "EMPLOYEE", "System user"


class Status(models.TextChoices):
    RESERVED = "reserved", "Reserved (being created in Meta)"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired (tokens revoked; still counts)"
    FAILED = "failed", "Failed (slot released)"


class SystemUser(TimeStampedModel):
    """A system user of a Business Manager (software acting for the business)."""

    Role = Role
    Status = Status

    class Origin(models.TextChoices):
        PORTAL = "portal", "Created in the portal"
        ON_BEHALF_OF = "on_behalf_of", "Created by On Behalf Of"
        META = "meta", "Found in Meta"

    # Statuses that occupy a slot in Meta's cap. Retired ones too: Meta cannot delete them.
    HOLDS_SLOT = (Status.RESERVED, Status.ACTIVE, Status.RETIRED)

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="system_users")
    meta_id = models.CharField(
        "app-scoped id", max_length=32, null=True, blank=True, validators=[meta_id_validator]
    )
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EMPLOYEE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RESERVED)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.PORTAL)
    slot = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Cap slot held; empty for failed ones and for ones found beyond the cap.",
    )
    failure_reason = models.TextField(blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # The task queue was unavailable when the creation was to be sent: the sweeper sends it.
    waiting_for_queue = models.BooleanField(default=False)
    # Set just before the create call to Meta: a redelivered task that finds it set cannot know
    # whether Meta created the system user, so it looks for it by name before creating again.
    create_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("business", "role", "name")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "meta_id"],
                condition=Q(meta_id__isnull=False),
                name="su_one_per_meta_id",
            ),
            # The cap's backstop: two rows can never hold the same slot of a business and role.
            models.UniqueConstraint(
                fields=["business", "role", "slot"],
                condition=Q(slot__isnull=False),
                name="su_one_row_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(slot__isnull=True)
                | Q(role=Role.EMPLOYEE, slot__gte=1, slot__lte=MAX_EMPLOYEE_SLOTS)
                | Q(role=Role.ADMIN, slot__gte=1, slot__lte=MAX_ADMIN_SLOTS),
                name="su_slot_within_meta_max",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.FAILED) | Q(slot__isnull=True),
                name="su_failed_holds_no_slot",
            ),
            models.CheckConstraint(
                condition=Q(meta_id__isnull=False) | Q(status__in=[Status.RESERVED, Status.FAILED]),
                name="su_has_meta_id_once_created",
            ),
        ]
        indexes = [
            # The cap count: a business's system users by role and status.
            models.Index(fields=["business", "role", "status"], name="su_cap_count_idx"),
            models.Index(fields=["status"], name="su_status_idx"),
            models.Index(fields=["origin"], name="su_origin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()}, {self.business.name})"
