"""The Business page as staff use it: the kernel's page (``businesses/admin/business.py``) plus
what only apps above the kernel know — "Sync now", "Full re-read", the first sync after
connecting, and the system-user cap meter. It lives in sync, the lowest app that sees both the
sync and the system users, and registers the page again with these parts."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest

from businesses.actors import Actor
from businesses.admin.business import BusinessAdmin
from businesses.models import Business
from sync.budget import business_budget_line
from sync.models import SyncRun
from sync.services import business_sync_request
from systemusers.caps import cap_meter


def _staff(request: HttpRequest) -> AbstractBaseUser:
    # The admin's views run behind its login: the user is a logged-in staff member.
    return cast(AbstractBaseUser, request.user)


class BusinessSyncAdmin(BusinessAdmin):
    actions = ("sync_now", "sync_full_now")
    readonly_fields: ClassVar[Any] = (*BusinessAdmin.readonly_fields, "cap_meter", "quota_budget")
    fieldsets: ClassVar[Any] = tuple(
        ("Connection and caps", {"fields": ("connection", "cap_meter")})
        if title == "Connection"
        else (title, {**options, "fields": (*options["fields"], "quota_budget")})
        if title == "Sync"
        else (title, options)
        for title, options in BusinessAdmin.fieldsets
    )

    @admin.display(description="system-user cap")
    def cap_meter(self, obj: Business) -> str:
        meter = cap_meter(obj)
        retired = f" (including {meter.retired_counted} retired)" if meter.retired_counted else ""
        return f"{meter}{retired}"

    @admin.display(description="quota budget")
    def quota_budget(self, obj: Business) -> str:
        return business_budget_line(obj) if obj.pk else "-"

    def connected(self, request: HttpRequest, business: Business, actor: Actor) -> None:
        business_sync_request(business=business, trigger=SyncRun.Trigger.MANUAL, actor=actor)
        messages.success(request, f"Connected {business}. The first sync is running.")

    @admin.action(description="Sync selected businesses now", permissions=("change",))
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Business]) -> None:
        actor = Actor.staff(_staff(request))
        for business in queryset:
            business_sync_request(business=business, trigger=SyncRun.Trigger.MANUAL, actor=actor)
        messages.success(request, f"Queued a sync of {queryset.count()} business(es).")

    @admin.action(
        description="Full re-read of selected businesses (every asset's people and shares)",
        permissions=("change",),
    )
    def sync_full_now(self, request: HttpRequest, queryset: QuerySet[Business]) -> None:
        actor = Actor.staff(_staff(request))
        for business in queryset:
            business_sync_request(
                business=business, trigger=SyncRun.Trigger.MANUAL, actor=actor, full=True
            )
        messages.success(request, f"Queued a full re-read of {queryset.count()} business(es).")


admin.site.unregister(Business)
admin.site.register(Business, BusinessSyncAdmin)
