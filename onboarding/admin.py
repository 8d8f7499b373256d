"""Onboardings are run from the staff pages; the admin only shows them, scoped."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from businesses import scoping
from businesses.admin_base import ReadOnlyAdmin, client_filter
from onboarding.models import Onboarding, OnboardingStep


class OnboardingStepInline(admin.TabularInline):
    model = OnboardingStep
    extra = 0
    fields = ("position", "label", "status", "message", "attempts", "updated_at")
    readonly_fields = fields
    can_delete = False
    ordering = ("position",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Onboarding)
class OnboardingAdmin(ReadOnlyAdmin):
    """Onboardings are run from the staff pages; here they are only looked at."""

    list_display = (
        "name",
        "client_meta_id",
        "method",
        "status",
        "created_by",
        "created_at",
        "status_page",
    )
    list_filter = (client_filter("client_business"), "method", "status")
    list_select_related = ("created_by", "client_business")
    search_fields = ("name", "client_meta_id", "contact_email")
    exclude = ("oauth_state", "login_token")
    inlines = (OnboardingStepInline,)

    def scope_queryset(self, qs, user):
        if user.is_superuser:
            return qs
        visible = scoping.assigned_business_ids(user)
        return qs.filter(Q(client_business__in=visible) | Q(created_by=user))

    @admin.display(description="status page")
    def status_page(self, obj: Onboarding) -> str:
        url = reverse("portal:onboarding_status", args=[obj.pk])
        return format_html('<a href="{}">open</a>', url)
