from __future__ import annotations

from django.db import models
from django.db.models import Q

from .base import TimeStampedModel, meta_id_validator
from .business import Business


class BusinessUser(TimeStampedModel):
    """A person in a Business Manager (Graph's BusinessUser), or an open invitation to become one."""

    class Role(models.TextChoices):
        # Business-level roles as Graph spells them (BusinessUser.Role).
        ADMIN = "ADMIN", "Admin"
        EMPLOYEE = "EMPLOYEE", "Employee"
        FINANCE_EDITOR = "FINANCE_EDITOR", "Finance editor"
        FINANCE_ANALYST = "FINANCE_ANALYST", "Finance analyst"
        ADS_RIGHTS_REVIEWER = "ADS_RIGHTS_REVIEWER", "Ads rights reviewer"
        DEVELOPER = "DEVELOPER", "Developer"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INVITED = "invited", "Invited (pending)"
        REMOVED = "removed", "Removed"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="people")
    meta_id = models.CharField(
        "business-scoped user id",
        max_length=32,
        null=True,
        blank=True,
        validators=[meta_id_validator],
        help_text="The id from /{business}/business_users, not the id shown in Meta's UI.",
    )
    invitation_meta_id = models.CharField(
        max_length=32, null=True, blank=True, validators=[meta_id_validator]
    )
    name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.EMPLOYEE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    invitation_expires_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = ("name", "email")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "meta_id"],
                condition=Q(meta_id__isnull=False),
                name="person_one_per_meta_id",
            ),
            models.UniqueConstraint(
                fields=["business", "invitation_meta_id"],
                condition=Q(invitation_meta_id__isnull=False),
                name="person_one_per_invitation",
            ),
            # A person who is in the business has Meta's id; only an invitation may lack it.
            models.CheckConstraint(
                condition=Q(meta_id__isnull=False) | Q(status="invited"),
                name="person_has_meta_id_unless_invited",
            ),
        ]
        indexes = [
            # Admin filters (role, status) and offboarding's lookup by email across businesses.
            models.Index(fields=["role"], name="person_role_idx"),
            models.Index(fields=["status"], name="person_status_idx"),
            models.Index(fields=["email"], name="person_email_idx"),
        ]

    def __str__(self) -> str:
        who = self.name or self.email or self.meta_id or "?"
        return f"{who} ({self.get_role_display()}, {self.business.name})"
