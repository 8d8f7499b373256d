"""The audit trail's admin, narrowed by asset visibility: the agency's rows record its people's
grants in every client, so rows about an asset, share or grant the staff member cannot see are
left out. The kernel registers the page; this app, which knows assets, registers it again."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

from assets.scoping import scope_audit_events
from businesses.admin.audit import AuditEventAdmin
from businesses.models import AuditEvent


class AssetScopedAuditEventAdmin(AuditEventAdmin):
    def scope_queryset(self, qs: QuerySet, user) -> QuerySet:
        return scope_audit_events(qs, user)


admin.site.unregister(AuditEvent)
admin.site.register(AuditEvent, AssetScopedAuditEventAdmin)
