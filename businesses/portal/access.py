"""Give access: one person or system user, several assets of one client, one preset (journey 4).
The grants are pushed to Meta, read back, and shown with Meta's answer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from assets.models import GRANTABLE_KINDS, Asset, Grant, TaskPreset
from assets.services import grants_apply_preset
from businesses import scoping
from businesses.actors import Actor
from businesses.approval_gate import FULL_CONTROL_TASKS, RiskyChange, hold_if_required
from businesses.models import AuditEvent, BusinessUser
from businesses.portal.common import business_or_404, render_page, require_perm
from systemusers.models import SystemUser


class GiveAccessForm(forms.Form):
    holder = forms.ChoiceField(label="Who", help_text="A person or a system user of this client.")
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Assets: choose at least one."},
    )
    preset = forms.ChoiceField(label="Access")

    def __init__(self, *args, business, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = BusinessUser.objects.filter(business=business, status=BusinessUser.Status.ACTIVE)
        system_users = SystemUser.objects.filter(business=business, status=SystemUser.Status.ACTIVE)
        self.fields["holder"].choices = (
            [("", "—")]
            + [(f"p{p.pk}", f"{p.name or p.email} ({p.get_role_display()})") for p in people]
            + [(f"s{s.pk}", f"{s.name} (system user)") for s in system_users]
        )
        self.fields["assets"].queryset = scoping.scope_assets(
            Asset.objects.filter(
                kind__in=GRANTABLE_KINDS,
                removed_at__isnull=True,
                accesses__business=business,
                accesses__removed_at__isnull=True,
                accesses__access_status="CONFIRMED",
            ).distinct(),
            user,
        ).order_by("kind", "name")
        presets = TaskPreset.objects.order_by("slug").values_list("slug", "label").distinct()
        self.fields["preset"].choices = list(dict.fromkeys(presets))
        self.business = business

    def clean_holder(self):
        value = self.cleaned_data["holder"]
        model = BusinessUser if value.startswith("p") else SystemUser
        holder = (
            model.objects.filter(business=self.business, pk=value[1:]).first()
            if value[1:].isdigit()
            else None
        )
        if holder is None:
            raise ValidationError("Who: choose a person or system user of this client.")
        return holder


def give_access(request: HttpRequest, business_id: int) -> HttpResponse:
    require_perm(request, "assets.add_grant")
    business = business_or_404(request, business_id)
    form = GiveAccessForm(request.POST or None, business=business, user=request.user)
    if request.method == "POST" and form.is_valid():
        holder = form.cleaned_data["holder"]
        kind = {"person": holder} if isinstance(holder, BusinessUser) else {"system_user": holder}
        actor = Actor.staff(request.user, source=AuditEvent.Source.FORM)
        held = _hold_full_control(business, holder, form.cleaned_data, actor)
        if held is not None:
            messages.warning(request, held.message)
            return redirect("portal:approvals:list")
        try:
            grants = grants_apply_preset(
                assets=form.cleaned_data["assets"],
                preset_slug=form.cleaned_data["preset"],
                actor=actor,
                **kind,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            request.session["given_grants"] = [g.pk for g in grants]
            return redirect("portal:access_result", business_id=business.pk)
    return render_page(
        request,
        "portal/give_access.html",
        {"business": business, "form": form},
        title=f"Give access in {business.name}",
    )


def _hold_full_control(business, holder, data, actor):
    """Full control waits for a second staff member when the agency turned approval on."""
    assets = list(data["assets"])
    presets = TaskPreset.objects.filter(
        slug=data["preset"], asset_kind__in={a.kind for a in assets}
    )
    if not any(set(p.tasks) & FULL_CONTROL_TASKS for p in presets):
        return None
    is_person = isinstance(holder, BusinessUser)
    return hold_if_required(
        change=RiskyChange.GRANT_FULL_CONTROL,
        business=business,
        actor=actor,
        summary=f"Give {holder.name or getattr(holder, 'email', '')} “{data['preset']}” on "
        + ", ".join(a.name or a.meta_id for a in assets[:5])
        + (f" and {len(assets) - 5} more" if len(assets) > 5 else ""),
        payload={
            "person_id" if is_person else "system_user_id": holder.pk,
            "asset_ids": [a.pk for a in assets],
            "preset": data["preset"],
        },
    )


def access_result(request: HttpRequest, business_id: int) -> HttpResponse:
    business = business_or_404(request, business_id)
    ids = request.session.get("given_grants", [])
    grants = (
        Grant.objects.filter(pk__in=ids, business=business)
        .select_related("asset", "person", "system_user")
        .order_by("asset__kind", "asset__name")
    )
    return render_page(
        request,
        "portal/give_access_result.html",
        {"business": business, "grants": grants},
        title="Access given",
    )
