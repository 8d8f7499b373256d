"""Sync runs and drift: read-only, scoped to the staff member's clients."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from assets.scoping import scope_drift_events
from businesses.admin_base import ReadOnlyAdmin, client_filter
from sync import admin_business  # noqa: F401 (registers the Business page with its sync parts)
from sync.models import DriftEvent, SyncChunk, SyncRun


class SyncChunkInline(admin.TabularInline):
    """A big run's chunks on its page: which worker read each, how far, and what it found.
    Written only by the chunk tasks."""

    model = SyncChunk
    fields = (
        "index",
        "state",
        "attempts",
        "worker",
        "started_at",
        "finished_at",
        "graph_calls",
        "created_count",
        "updated_count",
        "removed_count",
        "errors",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        # Whoever may see the run (scoped by its admin) sees its chunks.
        return bool(request.user.has_perm("sync.view_syncrun"))


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    scope_path = "business"
    inlines = (SyncChunkInline,)
    list_display = (
        "business",
        "status",
        "trigger",
        "started_at",
        "finished_at",
        "progress_done",
        "progress_total",
        "created_count",
        "updated_count",
        "removed_count",
        "graph_calls",
    )
    list_filter = (client_filter("business"), "status", "trigger")
    list_select_related = ("business",)
    search_fields = ("business__name", "business__meta_id", "error", "warnings")
    show_full_result_count = False


@admin.register(DriftEvent)
class DriftEventAdmin(ReadOnlyAdmin):
    scope_path = "business"

    def scope_queryset(self, qs: QuerySet[DriftEvent], user: Any) -> QuerySet[DriftEvent]:
        return scope_drift_events(qs, user)

    list_display = ("detected_at", "business", "kind", "summary")
    list_filter = (client_filter("business"), "kind")
    list_select_related = ("business",)
    search_fields = ("summary", "business__name")
    show_full_result_count = False
