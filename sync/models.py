from __future__ import annotations

from django.conf import settings
from django.db import models

from businesses.models import Business


class SyncRun(models.Model):
    """One attempt to pull a business's state from Meta."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        # Everything Meta served was read; some listing or field it no longer serves was not.
        SUCCEEDED_WITH_WARNINGS = "with_warnings", "Succeeded with warnings"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another sync was running)"
        PAUSED = "paused", "Paused (throttled by Meta)"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Staff request"
        ONBOARDING = "onboarding", "Onboarding"
        COMMAND = "command", "Operator command"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="sync_runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    graph_calls = models.PositiveIntegerField(default=0)
    max_usage_pct = models.PositiveSmallIntegerField(default=0)
    # The usage Meta reported in the run's responses (the highest of call_count, total_cputime
    # and total_time), kept apart: the app's quota is shared by every business the app syncs,
    # the business use case quota is this business's own. The dispatcher budgets from them.
    app_usage_pct = models.PositiveSmallIntegerField(
        default=0, help_text="Highest X-App-Usage percentage Meta reported during the run."
    )
    business_usage_pct = models.PositiveSmallIntegerField(
        default=0,
        help_text="Highest X-Business-Use-Case-Usage percentage Meta reported for this business "
        "during the run.",
    )
    paused_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    held_back = models.TextField(
        blank=True, help_text="Removals not applied because they exceeded the safe share."
    )
    warnings = models.TextField(
        blank=True,
        help_text="What the sync could not read because Meta no longer serves it (one a line); "
        "rows read from it before are kept.",
    )
    # The task queue was unavailable when the run was to be sent: the sweeper sends it.
    waiting_for_queue = models.BooleanField(default=False)
    sent_again_at = models.DateTimeField(
        null=True, blank=True, help_text="When the queue sweeper last sent this run again."
    )
    full_read = models.BooleanField(
        default=False,
        help_text="Re-read every asset's users, partner shares and conversions, not only those "
        "due (the first sync of a business always does).",
    )

    class Meta:
        # Moved from the businesses app: the table keeps its name (migration sync 0001).
        db_table = "businesses_syncrun"
        ordering = ("-created_at",)
        indexes = [
            # Home page and business page: the latest runs of a business.
            models.Index(fields=["business", "-created_at"], name="syncrun_business_latest_idx"),
            models.Index(fields=["status"], name="syncrun_status_idx"),
        ]

    FINISHED = frozenset(
        {Status.SUCCEEDED, Status.SUCCEEDED_WITH_WARNINGS, Status.FAILED, Status.SKIPPED}
    )
    SUCCESSFUL = frozenset({Status.SUCCEEDED, Status.SUCCEEDED_WITH_WARNINGS})

    def __str__(self) -> str:
        return f"Sync of {self.business.name} #{self.pk} ({self.get_status_display()})"

    @property
    def warning_lines(self) -> list[str]:
        return [line for line in self.warnings.splitlines() if line.strip()]

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def progress_pct(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class SyncChunk(models.Model):
    """One slice of a big run's per-asset reads (custom conversions, assigned users, partner
    shares), taken by any worker (``sync.chunks``). It holds asset ids only: a worker reads the
    rest. What it found waits here until the last chunk settles the run."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    asset_ids = models.JSONField(default=list, help_text="Primary keys of the assets to read.")
    # The edges and fields Meta no longer serves, as the run's listings found them.
    withdrawn = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # host/pid of the worker process of the latest attempt.
    worker = models.CharField(max_length=200, blank=True)
    graph_calls = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    max_usage_pct = models.PositiveSmallIntegerField(default=0)
    app_usage_pct = models.PositiveSmallIntegerField(default=0)
    business_usage_pct = models.PositiveSmallIntegerField(default=0)
    errors = models.TextField(blank=True)
    warnings = models.TextField(blank=True)
    held_back = models.TextField(blank=True)
    # Queued: until the sweeper sends it again; running: extended while it makes progress.
    lease_until = models.DateTimeField(null=True, blank=True)
    waiting_for_queue = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("run", "index")
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="syncchunk_run_index_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "done", "failed"]),
                name="syncchunk_state_valid",
            ),
        ]
        indexes = [
            # The sweeper's question: chunks queued or running whose lease ran out.
            models.Index(fields=["state", "lease_until"], name="syncchunk_state_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"Chunk {self.index} of sync #{self.run_id} ({self.get_state_display()})"


class DriftEvent(models.Model):
    """A change found in Meta that the portal did not make (or a loss the portal must show)."""

    class Kind(models.TextChoices):
        ASSET_ADDED = "asset_added", "Asset appeared"
        ASSET_LOST = "asset_lost", "Asset lost"
        PERSON_ADDED = "person_added", "Person added"
        ADMIN_ADDED = "admin_added", "New admin"
        PERSON_REMOVED = "person_removed", "Person removed"
        SYSTEM_USER_ADDED = "system_user_added", "System user appeared"
        GRANT_ADDED = "grant_added", "Grant made outside the portal"
        GRANT_CHANGED = "grant_changed", "Grant changed outside the portal"
        GRANT_REMOVED = "grant_removed", "Grant removed outside the portal"
        SHARE_CHANGED = "share_changed", "Partner share changed"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="drift_events")
    sync_run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="drift_events"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "businesses_driftevent"
        ordering = ("-detected_at",)
        indexes = [
            models.Index(fields=["business", "-detected_at"], name="drift_business_latest_idx"),
            models.Index(fields=["kind"], name="drift_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"
