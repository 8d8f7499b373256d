"""Developer apps: their secret (write-only), permissions, roles and recorded access level."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from businesses.actors import Actor
from businesses.admin_base import AuditedAdmin, client_filter, confirm_action
from businesses.developer_apps import access_level_change_effects, developer_app_set_access_level
from businesses.models import AccessLevel, AppPermission, AppRole, DeveloperApp
from businesses.services import developer_app_set_secret


class AppPermissionInline(admin.TabularInline):
    model = AppPermission
    extra = 0
    fields = ("name", "kind", "access_level", "review_status")


class AppRoleInline(admin.TabularInline):
    model = AppRole
    extra = 0
    fields = ("user_meta_id", "user_name", "role", "person")
    raw_id_fields = ("person",)


class DeveloperAppForm(forms.ModelForm):
    # Write-only: the stored secret is never rendered back into the page.
    secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the stored secret.",
    )

    class Meta:
        model = DeveloperApp
        fields = ("meta_id", "name", "app_type", "owner_business", "access_level")

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "")
        if secret and (any(ch.isspace() for ch in secret) or len(secret) > 256):
            raise ValidationError(
                "The app secret is malformed (no spaces, at most 256 characters)."
            )
        return secret


@method_decorator(sensitive_post_parameters("secret"), name="changeform_view")
@admin.register(DeveloperApp)
class DeveloperAppAdmin(AuditedAdmin):
    form = DeveloperAppForm
    scope_path = "owner_business"
    list_display = (
        "name",
        "meta_id",
        "app_type",
        "access_level",
        "owner_business",
        "secret_on_file",
    )
    list_filter = (client_filter("owner_business"), "access_level", "app_type")
    list_select_related = ("owner_business",)
    search_fields = ("name", "meta_id")
    autocomplete_fields = ("owner_business",)
    inlines = (AppPermissionInline, AppRoleInline)

    def get_readonly_fields(self, request, obj=None):
        # The level changes only through the confirmed actions below, which say what it
        # changes (the caps) and that Meta decides the real level.
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "access_level") if obj is not None else readonly

    actions = ("set_level_advanced", "set_level_standard")

    def _set_level(self, request, queryset, level: str, action: str):
        apps = [app for app in queryset if app.access_level != level]
        label = AccessLevel(level).label
        if request.POST.get("confirmed") != "yes":
            effects = [
                line
                for app in apps
                for line in access_level_change_effects(app=app, access_level=level)
            ]
            return confirm_action(
                self,
                request,
                action=action,
                title=f"Set the access level to {label}?",
                intro=" ".join(effects) or "Every selected app is already at this level.",
                objects=apps,
                confirm_label=f"Yes, set {label}",
            )
        for app in apps:
            developer_app_set_access_level(
                app=app, access_level=level, actor=Actor.staff(request.user)
            )
        messages.success(
            request,
            f"{len(apps)} app(s) set to {label} in the portal. Meta decides the real level.",
        )
        return None

    @admin.action(description="Set access level: advanced (Full)…", permissions=("change",))
    def set_level_advanced(self, request, queryset):
        return self._set_level(request, queryset, AccessLevel.ADVANCED, "set_level_advanced")

    @admin.action(description="Set access level: standard (Limited)…", permissions=("change",))
    def set_level_standard(self, request, queryset):
        return self._set_level(request, queryset, AccessLevel.STANDARD, "set_level_standard")

    @admin.display(description="secret", boolean=False)
    def secret_on_file(self, obj: DeveloperApp) -> str:
        return f"…{obj.secret_last4}" if obj.has_secret else "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        secret = form.cleaned_data.get("secret")
        if secret:
            developer_app_set_secret(app=obj, secret=secret, actor=Actor.staff(request.user))
