from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who changed what, written in the same transaction as the change (Zulip's do_* habit)."""

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        FORM = "form", "Staff page"
        TASK = "task", "Background task"
        SYNC = "sync", "Sync"
        COMMAND = "command", "Operator command"
        SYSTEM = "system", "System"

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    action = models.CharField(max_length=64)
    business = models.ForeignKey(
        "businesses.Business",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    summary = models.TextField()
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-at",)
        indexes = [
            # A business's history (the audit CSV) and one object's history.
            models.Index(fields=["business", "-at"], name="audit_business_latest_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["source"], name="audit_source_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or self.get_source_display()}: {self.summary}"
