from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count

from assets import (  # noqa: F401 (registers the pages they hold or extend)
    admin_audit,
    admin_grants,
    admin_partnerships,
)
from assets.admin_base import AssetScopedAdminMixin
from assets.models import (
    OFFLINE_EVENT_SET_NOTE,
    Asset,
    AssetAccess,
    AssetGroup,
    AssetKind,
    TaskDefinition,
    TaskPreset,
)
from assets.services import validate_tasks
from businesses.admin_base import AuditedAdmin, ReadOnlyAdmin, client_filter


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(AuditedAdmin):
    list_display = ("name", "asset_kind", "label", "is_deprecated")
    list_filter = ("asset_kind", "is_deprecated")
    search_fields = ("name", "label")


class TaskPresetForm(forms.ModelForm):
    """A preset's tasks are checked against its kind's vocabulary while the form validates, so
    an unknown task is a form error (not an error page when saving)."""

    class Meta:
        model = TaskPreset
        fields = ("slug", "label", "asset_kind", "tasks", "description")

    def clean(self):
        cleaned = super().clean()
        kind, tasks = cleaned.get("asset_kind"), cleaned.get("tasks")
        if kind is not None and tasks is not None:
            cleaned["tasks"] = validate_tasks(kind, tasks if isinstance(tasks, list) else [tasks])
        return cleaned


@admin.register(TaskPreset)
class TaskPresetAdmin(AuditedAdmin):
    form = TaskPresetForm
    list_display = ("label", "slug", "asset_kind", "tasks")
    list_filter = ("slug", "asset_kind")
    search_fields = ("label", "slug")


class AssetAccessInline(admin.TabularInline):
    model = AssetAccess
    extra = 0
    fields = (
        "business",
        "access_type",
        "access_status",
        "permitted_tasks",
        "push_state",
        "push_error",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(AssetScopedAdminMixin, ReadOnlyAdmin):
    scope_assets_path = ""
    list_display = ("name", "kind", "meta_id", "owner_business", "last_seen_at", "removed_at")
    list_filter = (client_filter("owner_business"), "kind")
    list_select_related = ("owner_business",)
    search_fields = ("name", "meta_id", "owner_business__name")
    inlines = (AssetAccessInline,)
    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("assets.view_asset")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.kind == AssetKind.OFFLINE_EVENT_SET:
            fields.insert(0, "legacy_note")
        return fields

    @admin.display(description="legacy")
    def legacy_note(self, obj: Asset) -> str:
        return OFFLINE_EVENT_SET_NOTE


@admin.register(AssetAccess)
class AssetAccessAdmin(AssetScopedAdminMixin, ReadOnlyAdmin):
    scope_assets_path = "asset"
    list_display = (
        "asset",
        "business",
        "access_type",
        "access_status",
        "permitted_tasks",
        "push_state",
    )
    list_filter = (
        client_filter("business"),
        "access_type",
        "access_status",
        "push_state",
        "asset__kind",
    )
    list_select_related = ("asset", "business")
    search_fields = ("asset__name", "asset__meta_id", "business__name", "business__meta_id")
    show_full_result_count = False


@admin.register(AssetGroup)
class AssetGroupAdmin(ReadOnlyAdmin):
    scope_path = "business"
    list_display = ("name", "meta_id", "business", "asset_count")
    list_filter = (client_filter("business"),)
    list_select_related = ("business",)
    search_fields = ("name", "meta_id", "business__name")
    filter_horizontal = ("assets",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_asset_count=Count("assets"))

    @admin.display(description="assets", ordering="_asset_count")
    def asset_count(self, obj):
        return obj._asset_count
