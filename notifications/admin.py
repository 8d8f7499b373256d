from __future__ import annotations

from django.contrib import admin

from notifications.models import Delivery, Event, NotificationSetting


class SuperuserOnly(admin.ModelAdmin):
    """Alerts cross clients and people: staff see their own on the settings page, superusers
    see all here."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(Event)
class EventAdmin(SuperuserOnly):
    list_display = ("raised_at", "kind", "business", "summary")
    list_filter = ("kind",)
    search_fields = ("summary", "business__name", "dedup_key")
    list_select_related = ("business",)
    readonly_fields = ("kind", "business", "dedup_key", "summary", "link", "raised_at")

    def has_add_permission(self, request):
        return False


@admin.register(Delivery)
class DeliveryAdmin(SuperuserOnly):
    list_display = ("created_at", "user", "channel", "state", "attempts", "last_error")
    list_filter = ("state", "channel")
    list_select_related = ("user", "event")
    raw_id_fields = ("event", "digest")
    readonly_fields = (
        "user",
        "channel",
        "event",
        "digest",
        "state",
        "attempts",
        "last_error",
        "sent_at",
    )
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(NotificationSetting)
class NotificationSettingAdmin(SuperuserOnly):
    list_display = ("user", "mode", "email_enabled", "webhook_enabled")
    exclude = ("webhook_secret_ciphertext",)
    readonly_fields = ("webhook_url_hint", "webhook_secret_last4")
    filter_horizontal = ("clients", "watched_clients")
