from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from businesses.models import Business
from businesses.models.base import TimeStampedModel, meta_id_validator


class Onboarding(TimeStampedModel):
    """A client being brought under the agency: the wizard's draft, then the work it queued.

    The wizard writes the draft step by step; submitting creates the steps (OnboardingStep),
    and the tasks tick them off. Secrets never live here: the client admin's token is an
    encrypted AccessToken referenced by ``login_token``."""

    class Method(models.TextChoices):
        ON_BEHALF_OF = "on_behalf_of", "Business On Behalf Of"
        CLIENT_GRANT = "client_grant", "Client grants partner access"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Queued"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting for the client"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # Statuses of an onboarding that has work under way: one per client at a time.
    IN_PROGRESS = (Status.SUBMITTED, Status.RUNNING, Status.WAITING)
    # What "Retry what failed" just did, in one sentence (set by onboarding_resume for the page
    # and the audit trail; not stored).
    resume_summary: str = ""

    agency = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="onboardings_as_agency"
    )
    client_business = models.ForeignKey(
        Business,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="onboardings",
        help_text="Set when the onboarding is submitted.",
    )
    # Blank for a client who grants access by logging in: the ID is learned from that login.
    client_meta_id = models.CharField(
        "client's Business Manager ID", max_length=32, blank=True, validators=[meta_id_validator]
    )
    name = models.CharField("client name", max_length=255)
    contact_name = models.CharField(max_length=255, blank=True)
    contact_email = models.EmailField(blank=True)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    # [{"kind": "ad_account", "preset": "media_buyer", "asset_ids": ["act_1", ...]}, ...];
    # an empty asset_ids means "every asset of that kind the client owns".
    requested = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    login_token = models.ForeignKey(
        "businesses.AccessToken",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The client admin's user token (encrypted elsewhere), from the wizard or Login.",
    )
    # Ties the Facebook Login callback to this onboarding: random, single-use, expiring
    # (onboarding/services/login.py login_state_* is the one place that issues and spends it).
    oauth_state = models.CharField(max_length=64, blank=True, editable=False)
    oauth_state_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    oauth_state_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What Meta said about the client's Business Manager when it was checked (name,
    # two_factor_type, verification_status): the review step's pre-flight reads it.
    meta_facts = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="onboardings",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim on the run; a crashed worker's claim expires by itself (STYLE 7).
    run_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Moved from the businesses app: the table keeps its name (migration onboarding 0001).
        db_table = "businesses_onboarding"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(client_meta_id__regex=r"^[0-9]{1,32}$") | Q(client_meta_id=""),
                name="onboarding_client_meta_id_digits",
            ),
            models.CheckConstraint(
                condition=Q(method__in=["", "on_behalf_of", "client_grant"]),
                name="onboarding_method_known",
            ),
            # Submitted work always knows its method, and its client business unless the
            # client has yet to log in and say which one it is (client grants).
            models.CheckConstraint(
                condition=Q(status="draft")
                | (~Q(method="") & (Q(client_business__isnull=False) | Q(method="client_grant"))),
                name="onboarding_submitted_is_complete",
            ),
            # Two staff members must not onboard the same client at once.
            models.UniqueConstraint(
                fields=["client_meta_id"],
                condition=Q(status__in=["submitted", "running", "waiting"]) & ~Q(client_meta_id=""),
                name="onboarding_one_in_progress_per_client",
            ),
            models.UniqueConstraint(
                fields=["oauth_state"],
                condition=~Q(oauth_state=""),
                name="onboarding_oauth_state_unique",
            ),
        ]
        indexes = [
            # The portal's list of onboardings (a staff member's own, latest first).
            models.Index(fields=["created_by", "-created_at"], name="onboarding_mine_idx"),
            models.Index(fields=["status"], name="onboarding_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Onboarding of {self.name} ({self.client_meta_id}, {self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.DRAFT)


class OnboardingStep(models.Model):
    """One idempotent piece of an onboarding: a Meta call sequence or one requested asset.

    A step that is ``done`` is never redone, so resuming after a failure repeats nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=128, help_text="e.g. 'managed_business' or 'asset:page:1'.")
    label = models.CharField(max_length=255)
    position = models.PositiveSmallIntegerField(default=0)
    asset_kind = models.CharField(max_length=32, blank=True)
    asset_meta_id = models.CharField(max_length=40, blank=True)
    tasks = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Ids learned on the way (the system user's id ...), never a token.
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "businesses_onboardingstep"
        ordering = ("onboarding", "position", "pk")
        constraints = [
            models.UniqueConstraint(fields=["onboarding", "key"], name="onboarding_step_unique"),
        ]
        indexes = [
            # The status page and the runner read an onboarding's steps in order.
            models.Index(fields=["onboarding", "position"], name="onboarding_step_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.get_status_display()}"

    @property
    def is_asset(self) -> bool:
        return self.key.startswith("asset:")
