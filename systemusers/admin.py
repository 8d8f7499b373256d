from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import csrf_protect_m
from django.core.exceptions import ValidationError

from businesses.actors import Actor
from businesses.admin_base import AuditedAdmin, client_filter, confirm_action
from businesses.approval_gate import RiskyChange, hold_if_required
from businesses.graph_access import NotConnectedError
from systemusers import admin_grants  # noqa: F401 (registers the grants page with system users)
from systemusers.caps import cap_meter
from systemusers.errors import SystemUserCapError
from systemusers.models import SystemUser
from systemusers.push import SystemUserPushError, system_user_issue_token, system_user_retire
from systemusers.services import system_user_create_now


class SystemUserAddForm(forms.ModelForm):
    """Checks only: the fields, and the approval gate for an admin system user (a held request
    is the form's error). The admin's ``save_model`` creates the system user through the cap
    service and Meta; a refusal met there (the portal's cap, Meta's 3949 / 3965, another refusal
    by Meta) comes back as ``refusal`` when the admin validates the same data again, so it shows
    as a form error and leaves no row behind (a released row keeps Meta's other reasons)."""

    class Meta:
        model = SystemUser
        fields = ("business", "name", "role")

    def __init__(
        self,
        *args,
        actor: Actor | None = None,
        refusal: ValidationError | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.refusal = refusal

    def clean(self):
        cleaned = super().clean()
        if self.refusal is not None:
            raise self.refusal
        if self.errors or cleaned.get("role") != SystemUser.Role.ADMIN:
            return cleaned
        held = hold_if_required(
            change=RiskyChange.ADMIN_SYSTEM_USER,
            business=cleaned["business"],
            actor=self.actor,
            summary=f"Create admin system user {cleaned['name']} in {cleaned['business'].name}",
            payload={"name": cleaned["name"]},
        )
        if held is not None:
            raise ValidationError(held.message)
        return cleaned


class SystemUserAddRefused(Exception):
    """Creating the system user was refused while saving; carries the error for the form."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(error)
        self.error = error


def _add_refusal(exc: Exception) -> ValidationError:
    if isinstance(exc, ValidationError):
        return exc
    if isinstance(exc, SystemUserPushError):
        return ValidationError(f"Meta refused to create the system user: {exc}")
    return ValidationError(str(exc))


@admin.register(SystemUser)
class SystemUserAdmin(AuditedAdmin):
    scope_path = "business"
    list_display = ("name", "role", "status", "business", "meta_id", "slot", "origin", "created_at")
    list_filter = (client_filter("business"), "role", "status", "origin")
    plain_delete_action = False
    list_select_related = ("business",)
    search_fields = ("name", "meta_id", "business__name", "business__meta_id")
    autocomplete_fields = ("business",)
    readonly_fields = (
        "meta_id",
        "status",
        "origin",
        "slot",
        "failure_reason",
        "retired_at",
        "business",
        "role",
        "name",
    )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None and request.method == "POST":
            # Adding calls Meta while saving, and Meta is never called inside a transaction:
            # skip the admin's request-wide atomic block. The cap service takes its own row
            # lock and commits the reservation before the call.
            try:
                return self._changeform_view(request, object_id, form_url, extra_context)
            except SystemUserAddRefused as refused:
                # Show the refusal on the add form: validate the same data again with it as
                # the form's error (the form is then invalid, so nothing is saved this time).
                request.system_user_add_refusal = refused.error
                return self._changeform_view(request, object_id, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form_class = super().get_form(
                request, obj, form=SystemUserAddForm, fields=("business", "name", "role")
            )

            class BoundActorForm(form_class):
                def __init__(self, *args, **kw):
                    super().__init__(
                        *args,
                        actor=Actor.staff(request.user),
                        refusal=getattr(request, "system_user_add_refusal", None),
                        **kw,
                    )

            return BoundActorForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        try:
            created = system_user_create_now(
                business=data["business"],
                name=data["name"],
                role=data["role"],
                actor=Actor.staff(request.user),
            )
        except (SystemUserCapError, SystemUserPushError, NotConnectedError, ValidationError) as exc:
            raise SystemUserAddRefused(_add_refusal(exc)) from None
        obj.pk = created.pk

    actions = ("retire_selected", "issue_token")

    @admin.action(
        description="Retire selected system users (revoke their tokens)", permissions=("change",)
    )
    def retire_selected(self, request, queryset):
        live = queryset.filter(status=SystemUser.Status.ACTIVE).select_related("business")
        if request.POST.get("confirmed") != "yes":
            return confirm_action(
                self,
                request,
                action="retire_selected",
                title="Retire these system users?",
                intro=(
                    "Retiring revokes every token of these system users in Meta. Meta cannot delete "
                    "a system user, so each keeps its slot in the cap of its business's access level."
                ),
                objects=live,
                confirm_label="Yes, retire",
            )
        for system_user in live:
            try:
                system_user_retire(system_user=system_user, actor=Actor.staff(request.user))
            except SystemUserPushError as exc:
                messages.error(request, f"{system_user.name}: {exc}")
            else:
                meter = cap_meter(system_user.business)
                messages.success(
                    request, f"Retired {system_user.name}. It still counts toward the cap: {meter}."
                )
        return None

    @admin.action(
        description="Issue a token (installs the app; stored encrypted)", permissions=("change",)
    )
    def issue_token(self, request, queryset):
        for system_user in queryset.filter(status=SystemUser.Status.ACTIVE).select_related(
            "business__app"
        ):
            try:
                token = system_user_issue_token(
                    system_user=system_user, actor=Actor.staff(request.user)
                )
            except SystemUserPushError as exc:
                messages.error(request, f"{system_user.name}: {exc}")
            else:
                messages.success(request, f"Issued token {token.masked} for {system_user.name}.")

    def has_delete_permission(self, request, obj=None):
        # Meta cannot delete system users; retire them instead (revokes their tokens).
        return False
