from __future__ import annotations

from django.db import models

from businesses import crypto

from .base import AccessLevel, TimeStampedModel, meta_id_validator
from .business import Business


class DeveloperApp(TimeStampedModel):
    """A Meta developer app the agency calls the Graph API through."""

    class AppType(models.TextChoices):
        BUSINESS = "business", "Business"
        CONSUMER = "consumer", "Consumer"
        GAMING = "gaming", "Gaming"
        NONE = "none", "None"

    meta_id = models.CharField("App ID", max_length=32, unique=True, validators=[meta_id_validator])
    name = models.CharField(max_length=255)
    app_type = models.CharField(max_length=16, choices=AppType.choices, default=AppType.BUSINESS)
    owner_business = models.ForeignKey(
        Business,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_developer_apps",
    )
    # The access level of the "Ads Management Standard Access" feature (Marketing API Access
    # Tier): one level per app, which sets its system-user caps.
    access_level = models.CharField(
        "Marketing API access tier",
        max_length=16,
        choices=AccessLevel.choices,
        default=AccessLevel.STANDARD,
    )
    secret_ciphertext = models.TextField(blank=True, editable=False)
    secret_last4 = models.CharField(max_length=4, blank=True, editable=False)

    class Meta:
        ordering = ("name",)
        indexes = [models.Index(fields=["access_level"], name="app_access_level_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.meta_id})"

    def set_secret(self, secret: str) -> None:
        self.secret_ciphertext = crypto.encrypt(secret)
        self.secret_last4 = crypto.last4(secret)

    def reveal_secret(self) -> str:
        return crypto.decrypt(self.secret_ciphertext) if self.secret_ciphertext else ""

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_ciphertext)


class AppPermission(TimeStampedModel):
    """A permission (ads_read …) or feature (Ads Management Standard Access …) of an app."""

    class Kind(models.TextChoices):
        PERMISSION = "permission", "Permission"
        FEATURE = "feature", "Feature"

    class ReviewStatus(models.TextChoices):
        NOT_REQUESTED = "not_requested", "Not requested"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    app = models.ForeignKey(DeveloperApp, on_delete=models.CASCADE, related_name="permissions")
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERMISSION)
    access_level = models.CharField(
        max_length=16, choices=AccessLevel.choices, default=AccessLevel.STANDARD
    )
    review_status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.NOT_REQUESTED
    )

    class Meta:
        ordering = ("kind", "name")
        constraints = [
            models.UniqueConstraint(fields=["app", "name"], name="app_permission_unique"),
        ]
        indexes = [models.Index(fields=["kind", "access_level"], name="app_perm_kind_level_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_access_level_display()})"


class AppRole(TimeStampedModel):
    """A person's role on a developer app."""

    class Role(models.TextChoices):
        # Graph's legacy role values; the seeds' names as labels (DOMAIN.md decision 9).
        ADMINISTRATORS = "administrators", "Administrator"
        DEVELOPERS = "developers", "Developer"
        TESTERS = "testers", "Tester"
        INSIGHTS_USERS = "insights users", "Analyst"

    app = models.ForeignKey(DeveloperApp, on_delete=models.CASCADE, related_name="roles")
    person = models.ForeignKey(
        "businesses.BusinessUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="app_roles",
    )
    user_meta_id = models.CharField(max_length=32, validators=[meta_id_validator])
    user_name = models.CharField(max_length=255, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "user_meta_id"], name="app_role_one_per_user"),
        ]
        indexes = [models.Index(fields=["role"], name="app_role_role_idx")]

    def __str__(self) -> str:
        return (
            f"{self.user_name or self.user_meta_id}: {self.get_role_display()} of {self.app.name}"
        )
