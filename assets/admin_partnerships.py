"""The partner relationships' admin with "End selected partnerships in Meta". Ending one also
ends the agency's shares and grants (``assets/partnerships.py``), so the action is added here,
above the kernel, to the kernel's page, which is registered again with it."""

from __future__ import annotations

from django.contrib import admin, messages

from assets.partnerships import PartnershipError, partnership_end
from businesses.actors import Actor
from businesses.admin.partners import PartnerRelationshipAdmin
from businesses.admin_base import confirm_action
from businesses.approval_gate import RiskyChange, hold_if_required
from businesses.models import PartnerRelationship


class PartnerRelationshipEndAdmin(PartnerRelationshipAdmin):
    actions = ("end_in_meta",)

    @admin.action(description="End selected partnerships in Meta", permissions=("change",))
    def end_in_meta(self, request, queryset):
        live = queryset.exclude(status=PartnerRelationship.Status.REMOVED).select_related(
            "agency", "client"
        )
        if request.POST.get("confirmed") != "yes":
            return confirm_action(
                self,
                request,
                action="end_in_meta",
                title="End these partnerships?",
                intro=(
                    "The agency dissociates each client in Meta: it loses access to the client's "
                    "shared assets, and its people and system users lose their tasks on them."
                ),
                objects=live,
                confirm_label="Yes, end them",
            )
        for relationship in live:
            held = hold_if_required(
                change=RiskyChange.END_PARTNERSHIP,
                business=relationship.client,
                actor=Actor.staff(request.user),
                summary=f"End the partnership {relationship.agency.name} → {relationship.client.name}",
                payload={"relationship_id": relationship.pk},
            )
            if held is not None:
                messages.warning(request, held.message)
                continue
            try:
                partnership_end(relationship=relationship, actor=Actor.staff(request.user))
            except PartnershipError as exc:
                messages.error(request, f"{relationship}: {exc}")
            else:
                messages.success(
                    request, f"Ended: {relationship.agency.name} → {relationship.client.name}."
                )
        return None


admin.site.unregister(PartnerRelationship)
admin.site.register(PartnerRelationship, PartnerRelationshipEndAdmin)
