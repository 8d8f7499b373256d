from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from businesses.models import Business, BusinessUser, TimeStampedModel
from businesses.models.base import ad_account_id_validator, meta_id_validator


class AssetKind(models.TextChoices):
    AD_ACCOUNT = "ad_account", "Ad account"
    PAGE = "page", "Page"
    PIXEL = "pixel", "Pixel (dataset)"
    CATALOG = "catalog", "Product catalog"
    APP = "app", "App"
    OFFLINE_EVENT_SET = "offline_event_set", "Offline event set (legacy)"
    CUSTOM_CONVERSION = "custom_conversion", "Custom conversion"
    INSTAGRAM_ACCOUNT = "instagram_account", "Instagram account"


# Shown wherever a legacy offline event set appears: why the portal keeps it but no longer
# reads it (Business.offline_conversion_data_sets left the SDK in v20, June 2024).
OFFLINE_EVENT_SET_NOTE = (
    "Legacy: Meta discontinued offline event sets; offline events now go to datasets (pixels) "
    "through the Conversions API, so the portal no longer reads them from Meta and keeps this "
    "one as it was last seen."
)

# Kinds with an assigned_users edge in Graph: only these carry per-person grants.
GRANTABLE_KINDS = frozenset(
    {
        AssetKind.AD_ACCOUNT,
        AssetKind.PAGE,
        AssetKind.PIXEL,
        AssetKind.CATALOG,
        AssetKind.INSTAGRAM_ACCOUNT,
    }
)
# Kinds with an agencies edge: these can be shared with a partner business.
SHAREABLE_KINDS = GRANTABLE_KINDS
# Kinds whose assigned_users edge takes DELETE: a person's access can be removed one asset at a
# time. Pixels cannot (SDK adobjects/adspixel.py has GET and POST on assigned_users only;
# reference "Ads Pixel Assigned Users": Deleting "You can't perform this operation").
PER_PERSON_REMOVAL_KINDS = GRANTABLE_KINDS - {AssetKind.PIXEL}
PIXEL_REMOVAL_EXPLANATION = (
    "Meta does not let anyone remove one person's access to a pixel (dataset): its "
    "assigned_users edge has no removal. To take the access away, remove the person from the "
    "business (Offboarding), or give the access through an asset group and take them off the "
    "group, or change it in Meta's Business Settings."
)


class PushState(models.TextChoices):
    IN_SYNC = "in_sync", "Applied"
    PENDING = "pending", "Pending push"
    PENDING_REMOVAL = "pending_removal", "Pending removal"
    FAILED = "failed", "Failed"
    REMOVED = "removed", "Removed"


class GrantMode(models.TextChoices):
    """How a change meets the tasks a holder already has on an asset. Meta's assigned_users
    POST replaces the holder's whole task list, so ADD means the portal sends the union of what
    the holder holds in Meta and what was asked for; REPLACE sends exactly what was asked for
    (an explicit choice, confirmed with the tasks it takes away)."""

    ADD = "add", "Add to what they hold"
    REPLACE = "replace", "Replace what they hold"


class TaskDefinition(TimeStampedModel):
    """A task name Meta accepts on one kind of asset. Data, not code: Page tasks are in flux."""

    asset_kind = models.CharField(max_length=32, choices=AssetKind.choices)
    name = models.CharField(max_length=64, help_text="Meta's task name, e.g. ADVERTISE.")
    label = models.CharField(max_length=128, blank=True)
    is_deprecated = models.BooleanField(
        default=False, help_text="Meta no longer accepts it; kept so old grants still display."
    )

    class Meta:
        ordering = ("asset_kind", "name")
        constraints = [
            models.UniqueConstraint(fields=["asset_kind", "name"], name="task_one_name_per_kind"),
            models.CheckConstraint(
                condition=Q(name__regex=r"^[A-Z][A-Z0-9_]*$"), name="task_name_is_meta_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_asset_kind_display()})"


class TaskPreset(TimeStampedModel):
    """A named bundle of tasks per asset kind ("media buyer" on an ad account = ADVERTISE+ANALYZE)."""

    slug = models.SlugField(max_length=64)
    label = models.CharField(max_length=128)
    asset_kind = models.CharField(max_length=32, choices=AssetKind.choices)
    tasks = models.JSONField(default=list)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ("slug", "asset_kind")
        constraints = [
            models.UniqueConstraint(fields=["slug", "asset_kind"], name="preset_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.label} on {self.get_asset_kind_display()}: {', '.join(self.tasks)}"


class Asset(TimeStampedModel):
    """Any business asset Meta knows: ad account, page, pixel, catalog, app, …"""

    kind = models.CharField(max_length=32, choices=AssetKind.choices)
    meta_id = models.CharField("Meta id", max_length=40)
    name = models.CharField(max_length=255, blank=True)
    owner_business = models.ForeignKey(
        Business,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_assets",
        help_text="Empty when the owner is a business the portal does not manage.",
    )
    owner_meta_id = models.CharField(max_length=32, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        help_text="For custom conversions: the ad account they were listed through.",
    )
    details = models.JSONField(
        default=dict, blank=True, help_text="Kind-specific fields from Meta."
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("kind", "name")
        constraints = [
            models.UniqueConstraint(fields=["kind", "meta_id"], name="asset_one_per_meta_id"),
            models.CheckConstraint(
                condition=~Q(kind=AssetKind.AD_ACCOUNT) | Q(meta_id__regex=r"^act_[0-9]+$"),
                name="asset_ad_account_id_shape",
            ),
            models.CheckConstraint(
                condition=Q(kind=AssetKind.AD_ACCOUNT) | Q(meta_id__regex=r"^[0-9]+$"),
                name="asset_numeric_id_shape",
            ),
        ]
        indexes = [
            # Admin filter by kind and the scoping join through the owner.
            models.Index(fields=["kind", "owner_business"], name="asset_kind_owner_idx"),
            models.Index(fields=["meta_id"], name="asset_meta_id_idx"),
            models.Index(fields=["name"], name="asset_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or '(unnamed)'} ({self.meta_id})"

    def clean(self) -> None:
        validator = (
            ad_account_id_validator if self.kind == AssetKind.AD_ACCOUNT else meta_id_validator
        )
        try:
            validator(self.meta_id)
        except ValidationError as exc:
            raise ValidationError({"meta_id": exc.messages}) from None

    @property
    def is_legacy(self) -> bool:
        return self.kind == AssetKind.OFFLINE_EVENT_SET

    @property
    def is_grantable(self) -> bool:
        return self.kind in GRANTABLE_KINDS


# AssetAccess's enums sit at module level so its Meta constraints can name them (a nested Meta
# cannot see the model's class body); callers use them as AssetAccess.AccessType / .AccessStatus.
class AccessType(models.TextChoices):
    OWNER = "OWNER", "Owner"
    AGENCY = "AGENCY", "Agency (partner)"


class AccessStatus(models.TextChoices):
    CONFIRMED = "CONFIRMED", "Confirmed"
    PENDING = "PENDING", "Pending"


class AssetAccess(TimeStampedModel):
    """How one business relates to an asset: owner, or agency with permitted tasks; confirmed or
    pending. One row serves both sides of a partner share (Meta's access_type/access_status)."""

    AccessType = AccessType
    AccessStatus = AccessStatus

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="accesses")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="asset_accesses")
    access_type = models.CharField(max_length=8, choices=AccessType.choices)
    access_status = models.CharField(
        max_length=16, choices=AccessStatus.choices, default=AccessStatus.CONFIRMED
    )
    permitted_tasks = models.JSONField(default=list, blank=True)
    request_meta_id = models.CharField(
        max_length=32, blank=True, help_text="Meta's id of the pending request, if any."
    )
    push_state = models.CharField(
        max_length=16, choices=PushState.choices, default=PushState.IN_SYNC
    )
    push_error = models.TextField(blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # The task queue was unavailable when the push was to be sent: the sweeper sends it.
    waiting_for_queue = models.BooleanField(default=False)
    edges_read_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When this business's sync last read the asset's assigned users, partner "
        "shares and custom conversions (empty: due at the next sync).",
    )

    class Meta:
        verbose_name = "asset access"
        verbose_name_plural = "asset accesses"
        constraints = [
            models.UniqueConstraint(fields=["asset", "business"], name="access_one_per_business"),
            models.CheckConstraint(
                condition=Q(access_type=AccessType.AGENCY) | Q(permitted_tasks=[]),
                name="access_owner_has_no_permitted_tasks",
            ),
        ]
        indexes = [
            # Sync lookup of a business's listing, and admin filters.
            models.Index(
                fields=["business", "access_type", "access_status"], name="access_listing_idx"
            ),
            models.Index(fields=["push_state"], name="access_push_state_idx"),
            # Admin filters by access type and status across businesses.
            models.Index(fields=["access_type", "access_status"], name="access_type_status_idx"),
            # Incremental sync: a business's accesses oldest-read first (the rolling slice).
            models.Index(fields=["business", "edges_read_at"], name="access_edges_read_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.business.name}: {self.get_access_type_display()} of {self.asset}"


class AssetGroup(TimeStampedModel):
    """A business asset group: assets organised for the team working on them."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="asset_groups")
    meta_id = models.CharField(max_length=32, unique=True, validators=[meta_id_validator])
    name = models.CharField(max_length=255)
    assets = models.ManyToManyField(Asset, blank=True, related_name="asset_groups")
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.business.name})"


class SystemUserHolder(Protocol):
    """A system user as the grant services see it. systemusers sits above this app, so the
    services name the system user by what they use of it instead of importing its model."""

    @property
    def pk(self) -> int: ...

    @property
    def meta_id(self) -> str | None: ...

    @property
    def business_id(self) -> int: ...

    @property
    def business(self) -> Business: ...


class Grant(TimeStampedModel):
    """A principal (person or system user) holding tasks on an asset, in a business's context.

    ``tasks`` is what the portal wants; ``applied_tasks`` is what Meta last reported (Meta may
    add implied tasks, so applied ⊇ tasks counts as applied)."""

    class Origin(models.TextChoices):
        PORTAL = "portal", "Made in the portal"
        META = "meta", "Found in Meta"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="grants")
    business = models.ForeignKey(
        Business,
        on_delete=models.CASCADE,
        related_name="grants",
        help_text="The business whose person or system user holds the grant.",
    )
    person = models.ForeignKey(
        BusinessUser, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    system_user = models.ForeignKey(
        "systemusers.SystemUser",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
    )
    asset_group = models.ForeignKey(
        AssetGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
        help_text="Set when the grant comes through an asset group rather than directly.",
    )
    tasks = models.JSONField(default=list)
    applied_tasks = models.JSONField(default=list, blank=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.PORTAL)
    push_state = models.CharField(
        max_length=16, choices=PushState.choices, default=PushState.PENDING
    )
    push_mode = models.CharField(
        max_length=8,
        choices=GrantMode.choices,
        default=GrantMode.ADD,
        help_text="Add: the push keeps every task the holder has in Meta. Replace: the push "
        "sets exactly these tasks.",
    )
    push_error = models.TextField(blank=True)
    push_attempts = models.PositiveSmallIntegerField(default=0)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # The task queue was unavailable when the push was to be sent: the sweeper sends it.
    waiting_for_queue = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(person__isnull=False, system_user__isnull=True)
                    | Q(person__isnull=True, system_user__isnull=False)
                ),
                name="grant_exactly_one_principal",
            ),
            models.UniqueConstraint(
                fields=["asset", "person"],
                condition=Q(person__isnull=False, asset_group__isnull=True)
                & ~Q(push_state=PushState.REMOVED),
                name="grant_one_direct_per_person",
            ),
            models.UniqueConstraint(
                fields=["asset", "system_user"],
                condition=Q(system_user__isnull=False, asset_group__isnull=True)
                & ~Q(push_state=PushState.REMOVED),
                name="grant_one_direct_per_system_user",
            ),
            models.UniqueConstraint(
                fields=["asset", "person", "system_user", "asset_group"],
                condition=Q(asset_group__isnull=False),
                name="grant_one_per_group_path",
            ),
        ]
        indexes = [
            # Push queue and admin filter by state; sync lookup of an asset's grants.
            models.Index(fields=["push_state"], name="grant_push_state_idx"),
            models.Index(fields=["asset", "business"], name="grant_asset_business_idx"),
            # Admin filter "made in the portal / found in Meta"; offboarding's person lookup.
            models.Index(fields=["origin"], name="grant_origin_idx"),
        ]

    def __str__(self) -> str:
        principal = self.person or self.system_user
        return f"{principal} on {self.asset}: {', '.join(self.tasks) or 'no tasks'}"

    @property
    def principal(self):
        return self.person if self.person_id else self.system_user

    @property
    def principal_meta_id(self) -> str | None:
        principal = self.principal
        return principal.meta_id if principal else None
