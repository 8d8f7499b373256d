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
from businesses.admin_base import AuditedAdmin, ReadOnlyAdmin, client_filter
from businesses.approval_gate import RiskyChange, hold_if_required
from businesses.models import (
    AccessLevel,
    AccessToken,
    AppPermission,
    AppRole,
    AuditEvent,
    Business,
    BusinessUser,
    DeveloperApp,
    GraphCall,
    PartnerRelationship,
    StaffAssignment,
)
from businesses.services import developer_app_set_secret, token_store, validate_token_text
from sync.models import SyncRun

admin.site.site_header = "BM Portal"
admin.site.site_title = "BM Portal"
admin.site.index_title = "Agency administration"


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
    actions = ("sync_now", "sync_full_now")
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
        "cap_meter",
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
        ("Connection and caps", {"fields": ("connection", "cap_meter")}),
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

    @admin.display(description="system-user cap")
    def cap_meter(self, obj: Business) -> str:
        from systemusers.caps import cap_meter

        meter = cap_meter(obj)
        retired = f" (including {meter.retired_counted} retired)" if meter.retired_counted else ""
        return f"{meter}{retired}"

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
        stores it encrypted and runs the first sync."""
        from businesses.connect import business_connect
        from sync.engine import business_sync_request

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
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if not request.user.is_superuser:
                    StaffAssignment.objects.get_or_create(user=request.user, business=business)
                business_sync_request(
                    business=business, trigger=SyncRun.Trigger.MANUAL, actor=actor
                )
                messages.success(request, f"Connected {business}. The first sync is running.")
                return redirect("admin:businesses_business_change", business.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Connect a Business Manager",
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/businesses/business/connect.html", context)

    @admin.action(description="Sync selected businesses now", permissions=("change",))
    def sync_now(self, request, queryset):
        from sync.engine import business_sync_request

        actor = Actor.staff(request.user)
        for business in queryset:
            business_sync_request(business=business, trigger=SyncRun.Trigger.MANUAL, actor=actor)
        messages.success(request, f"Queued a sync of {queryset.count()} business(es).")

    @admin.action(
        description="Full re-read of selected businesses (every asset's people and shares)",
        permissions=("change",),
    )
    def sync_full_now(self, request, queryset):
        from sync.engine import business_sync_request

        actor = Actor.staff(request.user)
        for business in queryset:
            business_sync_request(
                business=business, trigger=SyncRun.Trigger.MANUAL, actor=actor, full=True
            )
        messages.success(request, f"Queued a full re-read of {queryset.count()} business(es).")


@admin.register(PartnerRelationship)
class PartnerRelationshipAdmin(AuditedAdmin):
    scope_path = "client"
    actions = ("end_in_meta",)

    @admin.action(description="End selected partnerships in Meta", permissions=("change",))
    def end_in_meta(self, request, queryset):
        from businesses.admin_base import confirm_action
        from businesses.partners import PartnershipError, partnership_end

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


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(AuditedAdmin):
    scope_path = "business"
    list_display = ("user", "business", "created_at")
    list_select_related = ("user", "business")
    search_fields = ("user__username", "business__name", "business__meta_id")
    # Staff are a handful: a plain list of them (the user autocomplete needs the user admin,
    # which agency admins do not get).
    autocomplete_fields = ("business",)
    list_filter = (client_filter("business"), "business__is_agency")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = (
                get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(BusinessUser)
class BusinessUserAdmin(AuditedAdmin):
    scope_path = "business"
    list_display = ("name", "email", "role", "status", "business", "meta_id")
    list_filter = (client_filter("business"), "role", "status", "business__is_agency")
    list_select_related = ("business",)
    search_fields = ("name", "email", "meta_id", "business__name", "business__meta_id")
    autocomplete_fields = ("business",)
    show_full_result_count = False
    # People leave through offboarding (removed in Meta), never by deleting the row here.
    plain_delete_action = False
    meta_fields = (
        "business",
        "meta_id",
        "invitation_meta_id",
        "name",
        "email",
        "role",
        "status",
        "invitation_expires_at",
        "removed_at",
    )

    def get_readonly_fields(self, request, obj=None):
        # Everything here is read from Meta by the sync.
        return self.meta_fields if obj is not None else ()


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
        from businesses.admin_base import confirm_action
        from businesses.developer_apps import (
            access_level_change_effects,
            developer_app_set_access_level,
        )

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
        from businesses.token_health import token_health_check
        from graph import TransientError

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


@admin.register(GraphCall)
class GraphCallAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "method",
        "path",
        "status",
        "error_code",
        "duration_ms",
        "app",
        "business_meta_id",
    )
    list_filter = (
        client_filter("business_meta_id", by="meta_id"),
        "method",
        "status",
        "error_code",
    )
    list_select_related = ("app",)
    search_fields = ("path", "business_meta_id")
    date_hierarchy = "at"
    show_full_result_count = False

    def scope_queryset(self, qs, user):
        # A call made with the agency's connection can name any client's assets in its path,
        # so only calls made with a client's own connection are that client's.
        if user.is_superuser:
            return qs
        visible = scoping.scope(Business.objects.filter(is_agency=False), user, "")
        return qs.filter(business_meta_id__in=visible.values("meta_id"))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    scope_path = "business"

    def scope_queryset(self, qs, user):
        return scoping.scope_audit_events(qs, user)

    list_display = ("at", "actor_label", "source", "action", "business", "summary")
    list_filter = (client_filter("business"), "source", "action")
    list_select_related = ("business",)
    search_fields = ("summary", "actor_label", "business__name", "target_id")
    date_hierarchy = "at"
    show_full_result_count = False
