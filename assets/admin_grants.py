"""The grants' admin: add, change tasks, revoke and push again, each through the grant services.
Searching by system user is added above this app (``systemusers/admin_grants.py``), which
registers the page again with it."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from functools import reduce

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import smart_split, unescape_string_literal

from assets.admin_base import AssetScopedAdminMixin
from assets.grant_holds import hold_grant_create, hold_grant_removal, hold_grant_set_tasks
from assets.models import PIXEL_REMOVAL_EXPLANATION, Asset, Grant, GrantMode, PushState
from assets.services import (
    grant_create,
    grant_removal_refusal,
    grant_request_removal,
    grant_set_tasks,
    live_grant_exists,
    normalise_tasks,
    validate_tasks,
)
from businesses.actors import Actor
from businesses.admin_base import client_filter, confirm_action
from businesses.models import BusinessUser


class GrantForm(forms.ModelForm):
    # Who is saving: a risky change (full control given or taken from the last admin) is held
    # for a second staff member, and the held request is the form's error. Set by the admin.
    actor: Actor | None = None

    tasks = forms.CharField(
        help_text="Meta's task names, comma separated (e.g. ADVERTISE, ANALYZE).",
        widget=forms.TextInput(attrs={"size": 60}),
    )

    class Meta:
        model = Grant
        fields = ("asset", "person", "system_user", "tasks")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["tasks"] = ", ".join(self.instance.tasks)
            # A view-only user's form has no fields at all (everything is read-only).
            for name in ("asset", "person", "system_user"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        person, system_user = cleaned.get("person"), cleaned.get("system_user")
        if not self.instance.pk and (person is None) == (system_user is None):
            raise ValidationError("Choose either a person or a system user (exactly one).")
        asset = cleaned.get("asset") or (self.instance.asset if self.instance.pk else None)
        raw = cleaned.get("tasks")
        duplicate = (
            not self.instance.pk
            and asset is not None
            and (person or system_user)
            and live_grant_exists(asset=asset, person=person, system_user=system_user)
        )
        if duplicate:
            raise ValidationError(
                f"{person or system_user} already has a grant on {asset}: change its tasks instead."
            )
        if asset is not None and raw is not None:
            try:
                cleaned["tasks"] = validate_tasks(asset.kind, normalise_tasks(raw.split(",")))
            except ValidationError as exc:
                self.add_error("tasks", exc.message_dict["tasks"])
        if not self.errors and self.actor is not None:
            self._hold_if_risky(cleaned)
        return cleaned

    def _hold_if_risky(self, cleaned) -> None:
        if self.instance.pk:
            held = hold_grant_set_tasks(
                grant=self.instance, tasks=cleaned["tasks"], actor=self.actor
            )
        else:
            held = hold_grant_create(
                asset=cleaned["asset"],
                person=cleaned.get("person"),
                system_user=cleaned.get("system_user"),
                tasks=cleaned["tasks"],
                actor=self.actor,
            )
        if held is not None:
            raise ValidationError(held.message)

    def _post_clean(self):
        # The service validates and saves; the instance only carries the choices for display.
        if not self.instance.pk:
            for name in ("asset", "person", "system_user"):
                setattr(self.instance, name, self.cleaned_data.get(name))


WordFilter = Callable[[str], Q]


def word_meta_id(word: str) -> str | None:
    """The Meta id a search word stands for (digits, or ``act_`` and digits), else None."""
    raw = word.removeprefix("act_")
    return raw if raw.isdigit() else None


def asset_word_filter(word: str) -> Q:
    """Grants on an asset matching one search word: its Meta id exactly, else its name."""
    meta_id = word_meta_id(word)
    if meta_id is not None:
        assets = Asset.objects.filter(meta_id__in=[meta_id, f"act_{meta_id}"])
    else:
        assets = Asset.objects.filter(name__icontains=word)
    return Q(asset_id__in=assets.values("pk"))


def person_word_filter(word: str) -> Q:
    """Grants held by a person matching one search word: Meta id exactly, else name or email."""
    meta_id = word_meta_id(word)
    if meta_id is not None:
        people = BusinessUser.objects.filter(meta_id=meta_id)
    else:
        people = BusinessUser.objects.filter(Q(name__icontains=word) | Q(email__icontains=word))
    return Q(person_id__in=people.values("pk"))


def grants_matching_words(term: str, word_filters: Sequence[WordFilter]) -> Q:
    """Grants matching every word of ``term`` (as Django's admin search does), a word matching
    when any of ``word_filters`` matches it. Each filter picks ids on one table alone (by an
    exact id, or through its trigram index), never a substring filter across joined tables."""
    found = Q()
    for word in smart_split(term):
        word = unescape_string_literal(word) if word[:1] in "\"'" else word
        found &= reduce(operator.or_, (word_filter(word) for word_filter in word_filters))
    return found


@admin.register(Grant)
class GrantAdmin(AssetScopedAdminMixin, admin.ModelAdmin):
    form = GrantForm
    scope_assets_path = "asset"
    list_display = (
        "asset",
        "principal_name",
        "business",
        "task_list",
        "push_state",
        "origin",
        "updated_at",
    )
    list_filter = (client_filter("asset__owner_business"), "push_state", "origin", "asset__kind")
    list_select_related = (
        "asset",
        "business",
        "person__business",
        "system_user__business",
        "asset_group__business",
    )
    search_fields = (
        "asset__name",
        "asset__meta_id",
        "person__name",
        "person__email",
        "system_user__name",
    )
    autocomplete_fields = ("asset", "person", "system_user")
    # What a search word is matched against; systemusers/admin_grants.py adds system users.
    word_filters: tuple[WordFilter, ...] = (asset_word_filter, person_word_filter)
    readonly_fields = (
        "applied_tasks",
        "push_state",
        "push_error",
        "last_pushed_at",
        "verified_at",
        "origin",
    )
    actions = ("revoke_selected", "push_again")
    show_full_result_count = False
    # Removing a grant is a revoke in Meta (confirmed), never a plain delete.
    plain_delete_action = False

    def get_search_results(self, request, queryset, search_term):
        """Grant search at 100k grants (issue 12): an id is matched exactly (indexed); text is
        matched on each searched table alone — through its trigram index on PostgreSQL
        (assets migration 0005) — and the grants are picked by those ids, instead of one
        substring filter across four joined tables."""
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(grants_matching_words(term, self.word_filters)), False

    @admin.display(description="held by")
    def principal_name(self, obj: Grant) -> str:
        principal = obj.person or obj.system_user
        return principal.name or getattr(principal, "email", "") or principal.meta_id

    @admin.display(description="tasks")
    def task_list(self, obj: Grant) -> str:
        return ", ".join(obj.tasks)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        # A subclass per request: the actor never leaks into another request's form.
        return type(form_class.__name__, (form_class,), {"actor": Actor.staff(request.user)})

    def save_model(self, request, obj, form, change):
        actor = Actor.staff(request.user)
        data = form.cleaned_data
        if change:
            # The change form shows the grant's whole task list: what is typed is exactly what
            # the staff member wants it to hold.
            saved = grant_set_tasks(
                grant=obj, tasks=data["tasks"], actor=actor, mode=GrantMode.REPLACE
            )
        else:
            saved = grant_create(
                asset=data["asset"],
                person=data.get("person"),
                system_user=data.get("system_user"),
                tasks=data["tasks"],
                actor=actor,
            )
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass

    def has_delete_permission(self, request, obj=None):
        # Per-person removal is not offered where Meta has none (pixels): the change page
        # says why and what to do instead.
        if obj is not None and grant_removal_refusal(obj) is not None:
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        grant = self.get_object(request, object_id)
        if grant is not None:
            refusal = grant_removal_refusal(grant)
            if refusal is not None:
                messages.info(request, refusal)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_model(self, request, obj):
        request.grant_removal_held = not self._remove_unless_held(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, "grant_removal_held", False):
            # Nothing was removed: no "deleted successfully", back to the grant instead.
            return redirect(reverse("admin:assets_grant_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)

    def delete_queryset(self, request, queryset):
        for grant in self._removable(request, queryset):
            self._remove_unless_held(request, grant)

    def _remove_unless_held(self, request, grant: Grant) -> bool:
        """Remove the grant in Meta, unless it is the asset's last admin and the removal
        waits for a second staff member (the message says which request)."""
        actor = Actor.staff(request.user)
        held = hold_grant_removal(grant=grant, actor=actor)
        if held is not None:
            messages.warning(request, held.message)
            return False
        grant_request_removal(grant=grant, actor=actor)
        return True

    def _removable(self, request, queryset) -> list[Grant]:
        """The grants Meta can remove one by one; a message explains the others."""
        grants = list(queryset.select_related("asset"))
        removable = [g for g in grants if grant_removal_refusal(g) is None]
        if len(removable) < len(grants):
            messages.warning(
                request,
                f"{len(grants) - len(removable)} pixel grant(s) left as they are. "
                f"{PIXEL_REMOVAL_EXPLANATION}",
            )
        return removable

    @admin.action(
        description="Push selected failed or pending grants again", permissions=("change",)
    )
    def push_again(self, request, queryset):
        """Failed grants, and pending ones the task queue may never have received."""
        count = 0
        stuck = queryset.filter(
            push_state__in=(PushState.FAILED, PushState.PENDING, PushState.PENDING_REMOVAL)
        ).select_related("asset")
        to_remove = []
        for grant in stuck:
            if grant.push_state == PushState.PENDING_REMOVAL or not (
                grant.push_state == PushState.PENDING
                or (grant.removed_at is None and grant.applied_tasks != grant.tasks)
            ):
                to_remove.append(grant.pk)
                continue
            grant_set_tasks(grant=grant, tasks=grant.tasks, actor=Actor.staff(request.user))
            count += 1
        for grant in self._removable(request, stuck.filter(pk__in=to_remove)):
            grant_request_removal(grant=grant, actor=Actor.staff(request.user))
            count += 1
        messages.success(request, f"{count} failed or pending grant(s) queued to push again.")

    @admin.action(description="Revoke selected grants in Meta", permissions=("delete",))
    def revoke_selected(self, request, queryset):
        live = queryset.exclude(push_state=PushState.REMOVED)
        if request.POST.get("confirmed") != "yes":
            return confirm_action(
                self,
                request,
                action="revoke_selected",
                title="Revoke these grants?",
                intro="These grants will be removed in Meta. The people or system users lose these tasks.",
                objects=live,
                confirm_label="Yes, revoke",
            )
        count = 0
        for grant in self._removable(
            request, live.select_related("asset", "business", "person", "system_user")
        ):
            count += self._remove_unless_held(request, grant)
        messages.success(request, f"{count} grant(s) will be removed from Meta.")
        return None
