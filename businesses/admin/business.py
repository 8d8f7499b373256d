"""The Business page: a business's Meta details, its lists, its connection, and connecting a new
Business Manager (journey 1)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html_join
from django.views.decorators.debug import sensitive_post_parameters

from businesses import scoping
from businesses.actors import Actor
from businesses.admin_base import AuditedAdmin
from businesses.connect import business_connect
from businesses.models import AccessToken, Business, DeveloperApp
from businesses.services import validate_token_text


class ConnectBusinessForm(forms.Form):
    business_meta_id = forms.CharField(label="Business Manager ID", max_length=32)
    app = forms.ModelChoiceField(queryset=DeveloperApp.objects.all(), label="Developer app")
    token = forms.CharField(
        label="Access token",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="An admin system user's token. Checked with Meta, stored encrypted, never shown again.",
    )
    is_agency = forms.BooleanField(
        required=False, label="This is the agency's own Business Manager"
    )

    def clean_business_meta_id(self):
        value = self.cleaned_data["business_meta_id"].strip()
        if not value.isdigit():
            raise ValidationError("A Business Manager ID is digits only.")
        return value

    def clean_token(self):
        try:
            return validate_token_text(self.cleaned_data["token"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["token"]) from None


@admin.register(Business)
class BusinessAdmin(AuditedAdmin):
    scope_path = ""
    list_display = (
        "name",
        "meta_id",
        "is_agency",
        "verification_status",
        "two_factor_type",
        "app",
        "sync_state",
        "last_synced_at",
        "system_users_over_cap",
    )
    list_filter = ("is_agency", "verification_status", "two_factor_type", "sync_state")
    list_select_related = ("app",)
    search_fields = ("name", "meta_id")
    autocomplete_fields = ("app",)
    change_list_template = "admin/businesses/business/change_list.html"
    readonly_fields = (
        "related_lists",
        "connection",
        "sync_state",
        "sync_lease_until",
        "sync_paused_until",
        "last_synced_at",
        "sync_retry_at",
        "sync_failures_in_a_row",
        "system_users_over_cap",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {"fields": ("meta_id", "name", "is_agency", "app", "contact_name", "contact_email")},
        ),
        (
            "From Meta",
            {"fields": ("verification_status", "two_factor_type", "vertical", "timezone_id")},
        ),
        ("Its data", {"fields": ("related_lists",)}),
        ("Connection", {"fields": ("connection",)}),
        (
            "Sync",
            {
                "fields": (
                    "sync_interval_minutes",
                    "sync_state",
                    "sync_lease_until",
                    "sync_paused_until",
                    "last_synced_at",
                    "sync_retry_at",
                    "sync_failures_in_a_row",
                    "system_users_over_cap",
                )
            },
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    # Read from Meta by the sync: shown, never typed over (the next sync would undo it).
    meta_fields = (
        "meta_id",
        "name",
        "verification_status",
        "two_factor_type",
        "vertical",
        "timezone_id",
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return (*self.meta_fields, *self.readonly_fields)

    @admin.display(description="lists")
    def related_lists(self, obj: Business) -> str:
        if obj.pk is None:
            return "—"
        links = [
            ("assets_asset", "Assets"),
            ("businesses_businessuser", "People"),
            ("systemusers_systemuser", "System users"),
            ("sync_syncrun", "Syncs"),
            ("assets_grant", "Grants"),
            ("businesses_auditevent", "History"),
        ]
        return format_html_join(
            " · ",
            '<a href="{}?client={}">{}</a>',
            ((reverse(f"admin:{name}_changelist"), obj.pk, label) for name, label in links),
        )

    @admin.display(description="connection token")
    def connection(self, obj: Business) -> str:
        token = obj.tokens.filter(purpose=AccessToken.Purpose.CONNECTION, is_active=True).first()
        if token is None:
            return "Not connected."
        expiry = (
            "never expires" if token.expires_at is None else f"expires {token.expires_at:%Y-%m-%d}"
        )
        state = "valid" if token.is_valid else f"INVALID: {token.invalid_reason}"
        return f"{token.get_kind_display()} token {token.masked}, {state}, {expiry}; scopes: {', '.join(token.scopes) or '—'}"

    def get_urls(self):
        urls = [
            path(
                "connect/",
                self.admin_site.admin_view(self.connect_view),
                name="businesses_business_connect",
            )
        ]
        return urls + super().get_urls()

    @method_decorator(sensitive_post_parameters("token"))
    def connect_view(self, request):
        """Journey 1: connect a Business Manager with a token; the portal checks it with Meta,
        stores it encrypted and assigns the staff member to it (``connected`` then runs)."""
        if not request.user.has_perm("businesses.add_business"):
            raise PermissionDenied
        form = ConnectBusinessForm(request.POST or None)
        form.fields["app"].queryset = scoping.scope_apps(DeveloperApp.objects.all(), request.user)
        if request.method == "POST" and form.is_valid():
            actor = Actor.staff(request.user)
            try:
                business = business_connect(
                    business_meta_id=form.cleaned_data["business_meta_id"],
                    app=form.cleaned_data["app"],
                    token=form.cleaned_data["token"],
                    is_agency=form.cleaned_data["is_agency"],
                    actor=actor,
                    staff=request.user,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.connected(request, business, actor)
                return redirect("admin:businesses_business_change", business.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Connect a Business Manager",
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/businesses/business/connect.html", context)

    def connected(self, request, business: Business, actor: Actor) -> None:
        """After a connection is stored. The sync's page requests the first sync here."""
        messages.success(request, f"Connected {business}.")
