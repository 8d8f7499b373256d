"""Partner relationships (agency → client), as read from Meta. Ending one in Meta also ends the
agency's shares and grants, so that action is added by the assets app
(``assets/admin_partnerships.py``)."""

from __future__ import annotations

from django.contrib import admin

from businesses.admin_base import AuditedAdmin, client_filter
from businesses.models import PartnerRelationship


@admin.register(PartnerRelationship)
class PartnerRelationshipAdmin(AuditedAdmin):
    scope_path = "client"
    list_display = ("agency", "client", "origin", "status", "updated_at")
    list_filter = (client_filter("client"), "origin", "status")
    plain_delete_action = False
    # Read from Meta (and written by the sync or "End in Meta"), never typed here.
    meta_fields = ("agency", "client", "origin", "status")

    def get_readonly_fields(self, request, obj=None):
        return self.meta_fields if obj is not None else ()

    list_select_related = ("agency", "client")
    search_fields = ("agency__name", "client__name", "agency__meta_id", "client__meta_id")
    autocomplete_fields = ("agency", "client")
