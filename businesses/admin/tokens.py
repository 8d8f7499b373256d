"""Access tokens: stored encrypted, shown masked, checked with Meta on demand."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from businesses.actors import Actor
from businesses.admin_base import ReadOnlyAdmin, client_filter
from businesses.models import AccessToken
from businesses.services import token_store, validate_token_text
from businesses.token_health import token_health_check
from graph import TransientError


class AccessTokenAddForm(forms.ModelForm):
    token = forms.CharField(
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted; only its last 4 characters are ever shown again.",
    )

    class Meta:
        model = AccessToken
        fields = ("kind", "purpose", "business", "app", "meta_user_id", "expires_at")

    def clean_token(self):
        try:
            return validate_token_text(self.cleaned_data.get("token", ""))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["token"]) from None


@method_decorator(sensitive_post_parameters("token"), name="changeform_view")
@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    actions = ("check_health",)

    @admin.action(
        description="Check selected tokens with Meta (debug_token)", permissions=("check",)
    )
    def check_health(self, request, queryset):
        actor = Actor.staff(request.user)
        valid = invalid = unreachable = 0
        for token in queryset.select_related("app", "business__app"):
            try:
                checked = token_health_check(token=token, actor=actor)
            except TransientError:
                unreachable += 1
                continue
            valid += checked.is_valid
            invalid += not checked.is_valid
        messages.info(
            request,
            f"{valid} valid, {invalid} invalid, {unreachable} not checked (Meta unreachable).",
        )

    scope_path = "business"
    list_display = (
        "__str__",
        "kind",
        "purpose",
        "business",
        "app",
        "is_valid",
        "expires_at",
        "last_verified_at",
        "is_active",
    )
    list_filter = (client_filter("business"), "kind", "purpose", "is_valid", "is_active")
    list_select_related = ("business", "app")
    search_fields = ("business__name", "business__meta_id", "meta_user_id", "last4")
    readonly_fields = (
        "masked",
        "kind",
        "purpose",
        "business",
        "app",
        "system_user",
        "meta_user_id",
        "scopes",
        "granular_scopes",
        "issued_at",
        "expires_at",
        "last_verified_at",
        "is_valid",
        "invalid_reason",
        "is_active",
        "revoked_at",
    )
    exclude = ("ciphertext",)

    def has_add_permission(self, request):
        return request.user.has_perm("businesses.add_accesstoken")

    def has_check_permission(self, request):
        # The check writes (validity, scopes, the audit trail): not for read-only staff.
        return request.user.has_perm("businesses.change_accesstoken")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AccessTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_exclude(self, request, obj=None):
        return ("ciphertext",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("token", "kind", "purpose", "business", "app", "meta_user_id", "expires_at")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        stored = token_store(
            token=data["token"],
            kind=data["kind"],
            purpose=data["purpose"],
            business=data.get("business"),
            app=data.get("app"),
            meta_user_id=data.get("meta_user_id", ""),
            expires_at=data.get("expires_at"),
            actor=Actor.staff(request.user),
        )
        obj.pk = stored.pk
        messages.info(request, "Stored encrypted. Verify it with the token health check.")
