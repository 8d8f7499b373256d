"""What every BM Portal admin class shares: object scoping per staff member, and saving through
services so each change is validated and audited."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import Http404
from django.template.response import TemplateResponse

from businesses import scoping
from businesses.actors import Actor
from businesses.models import AuditEvent, Business
from businesses.services import record_delete, record_save


class ScopedAdminMixin:
    """Restrict every surface (changelist, change, delete, history, autocomplete, actions) to
    the staff member's businesses. ``scope_path`` reaches the business from the row; asset
    rows use ``assets.admin_base.AssetScopedAdminMixin`` instead."""

    scope_path: str | None = None
    object_history_template = "admin/bm_object_history.html"

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request)
        return self.scope_queryset(qs, request.user)

    def scope_queryset(self, qs: QuerySet, user) -> QuerySet:
        if self.scope_path is not None:
            return scoping.scope(qs, user, self.scope_path)
        return qs

    def _require_visible(self, request, object_id) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(f"No {self.opts.verbose_name} with id {object_id!r} here.")

    def delete_view(self, request, object_id, extra_context=None):
        # Scope before permission: out of scope is a 404 even where deleting is never allowed.
        self._require_visible(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # Beside the admin's own log: every audited change, whoever made it (task, sync, command).
        self._require_visible(request, object_id)
        events = AuditEvent.objects.filter(
            target_type=self.opts.label_lower, target_id=str(unquote(object_id))
        ).select_related("actor")[:200]
        extra_context = {**(extra_context or {}), "audit_events": events}
        return super().history_view(request, object_id, extra_context)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Out of scope and missing look the same: a 404, never a hint that the row exists.
        raise Http404(f"No {opts.verbose_name} with id {object_id!r} here.")

    # False where only "Revoke / End in Meta" is right: a plain delete would forget the row here
    # and leave it in Meta.
    plain_delete_action = True

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.plain_delete_action:
            actions.pop("delete_selected", None)
        return actions

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Choices offered in forms are scoped like the related model's own admin.
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related_admin, ScopedAdminMixin) and "queryset" not in kwargs:
            kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def client_filter(path: str, *, by: str = "pk"):
    """A "By client" list filter offering only the staff member's businesses (a related-field
    filter would list every business). ``path`` reaches the business's ``by`` from the row;
    the business page links to its lists with ``?client=<pk>``."""

    class ClientFilter(admin.SimpleListFilter):
        title = "client"
        parameter_name = "client"

        def lookups(self, request, model_admin):
            visible = scoping.scope(Business.objects.order_by("name"), request.user, "")
            return [(b.pk, b.name) for b in visible.only("pk", "name")]

        def queryset(self, request, queryset):
            value = self.value()
            if not value:
                return queryset
            if not value.isdigit():
                return queryset.none()
            if by == "pk":
                return queryset.filter(**{path: value})
            field = Business.objects.filter(pk=value).values(by)[:1]
            return queryset.filter(**{f"{path}__in": field})

    return ClientFilter


def confirm_action(
    modeladmin, request, *, action: str, title: str, intro: str, objects, confirm_label: str
):
    """The confirmation page destructive actions go through (like delete_selected)."""
    return TemplateResponse(
        request,
        "admin/bm_confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "objects": objects,
            "action": action,
            "confirm_label": confirm_label,
            "opts": modeladmin.model._meta,
        },
    )


class AuditedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Plain records: save and delete through the audited record services."""

    def save_model(self, request, obj, form, change):
        record_save(
            obj=obj,
            actor=Actor.staff(request.user),
            created=not change,
            changed_fields=list(form.changed_data),
        )

    def delete_model(self, request, obj):
        record_delete(obj=obj, actor=Actor.staff(request.user))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_delete(obj=obj, actor=Actor.staff(request.user))


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Records written only by the system (ledger, sync runs, drift, audit)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuperuserReadOnlyAdmin(admin.ModelAdmin):
    """Tables that cross clients and people (approval requests, review dismissals): staff work
    with their own rows on the portal's pages, through audited services; superusers read them
    all here, and nobody edits them in the admin."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
