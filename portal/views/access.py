"""Give access: one person or system user, several assets of one client, one preset (journey 4).

The form shows, for the chosen holder, what they hold on each asset now. Submitting it shows a
review (held now → after, per asset; with "replace", every task that will be lost) and only the
confirmed review is applied. The grants are pushed to Meta, read back, and the result page shows
before → after per asset, with Meta's answer."""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from assets.models import Asset, AssetKind, Grant, GrantMode, PushState, TaskPreset
from assets.selectors import is_last_admin_grant
from assets.services import grants_apply_preset, grants_preview_preset
from businesses.actors import Actor
from businesses.approval_gate import FULL_CONTROL_TASKS, RiskyChange, hold_if_required
from businesses.models import AuditEvent, Business, BusinessUser
from businesses.selectors import business_or_404
from core.pages import render_page, require_perm
from portal.selectors.give_access import (
    assignable_assets,
    assignable_holders,
    holder_businesses,
    holdings,
)
from systemusers.models import SystemUser


class GiveAccessForm(forms.Form):
    holder = forms.ChoiceField(
        label="Who",
        help_text="A person or system user of this client, or of the agency serving it.",
        error_messages={"required": "Who: choose a person or system user."},
    )
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Assets: choose at least one."},
    )
    preset = forms.ChoiceField(label="Access")
    mode = forms.ChoiceField(
        label="What they already hold",
        choices=GrantMode.choices,
        initial=GrantMode.ADD,
        widget=forms.RadioSelect,
        help_text="Add keeps every task they hold and adds the preset's. Replace leaves them "
        "with exactly the preset's tasks: the review lists every task they would lose.",
    )

    def __init__(self, *args, business: Business, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        self.holder_businesses = holder_businesses(business, user)
        self.fields["holder"].choices = [("", "—"), *assignable_holders(self.holder_businesses)]
        self.fields["assets"].queryset = assignable_assets(business, user)
        presets = TaskPreset.objects.order_by("slug").values_list("slug", "label").distinct()
        self.fields["preset"].choices = list(dict.fromkeys(presets))

    def clean_holder(self) -> BusinessUser | SystemUser:
        value = self.cleaned_data["holder"]
        model = BusinessUser if value.startswith("p") else SystemUser
        ids = [b.pk for b in self.holder_businesses]
        holder = (
            model.objects.select_related("business")
            .filter(business_id__in=ids, pk=value[1:], meta_id__isnull=False)
            .first()
            if value[1:].isdigit()
            else None
        )
        if holder is None:
            raise ValidationError(
                "Who: choose a person or system user of this client or its agency."
            )
        return holder

    def holder_kwargs(self) -> dict:
        holder = self.cleaned_data["holder"]
        return {"person": holder} if isinstance(holder, BusinessUser) else {"system_user": holder}

    def asset_groups(self) -> list[dict]:
        """The assets grouped by kind, each with whether it is ticked (for the template)."""
        chosen = {str(v) for v in (self.data.getlist("assets") if self.is_bound else [])}
        assets = list(self.fields["assets"].queryset)
        groups = []
        for kind, rows in groupby(assets, key=lambda a: a.kind):
            rows = list(rows)
            groups.append(
                {
                    "kind": kind,
                    "label": AssetKind(kind).label,
                    "assets": [(a, str(a.pk) in chosen) for a in rows],
                }
            )
        return groups

    def holdings(self) -> dict[str, dict[str, list[str]]]:
        """What each offered holder holds on each offered asset: {holder: {asset: [tasks]}}."""
        asset_ids = list(self.fields["assets"].queryset.values_list("pk", flat=True))
        return holdings(asset_ids, self.holder_businesses)


def give_access(request: HttpRequest, business_id: int) -> HttpResponse:
    require_perm(request, "assets.add_grant")
    business = business_or_404(request, business_id)
    form = GiveAccessForm(request.POST or None, business=business, user=request.user)
    if request.method == "POST" and form.is_valid():
        kwargs = {
            "assets": form.cleaned_data["assets"],
            "preset_slug": form.cleaned_data["preset"],
            "mode": form.cleaned_data["mode"],
            **form.holder_kwargs(),
        }
        actor = Actor.staff(request.user, source=AuditEvent.Source.FORM)
        try:
            changes = grants_preview_preset(**kwargs)
            if request.POST.get("confirm") == "yes":
                # Reviewed and confirmed: a risky change may still wait for a second person.
                held = _hold_if_risky(business, form.cleaned_data, actor, changes)
                if held is not None:
                    messages.warning(request, held.message)
                    return redirect("portal:approvals:list")
                before = {c.asset.pk: c.before for c in changes}
                grants = grants_apply_preset(actor=actor, **kwargs)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if request.POST.get("confirm") == "yes":
                request.session["given_grants"] = [g.pk for g in grants]
                request.session["given_before"] = {
                    str(g.pk): before.get(g.asset_id, []) for g in grants
                }
                return redirect("portal:access_result", business_id=business.pk)
            lost = [c for c in changes if c.lost]
            return render_page(
                request,
                "portal/give_access_review.html",
                {
                    "business": business,
                    "form": form,
                    "changes": changes,
                    "lost": lost,
                    "holder": form.cleaned_data["holder"],
                    "replace": form.cleaned_data["mode"] == GrantMode.REPLACE,
                    "preset_label": dict(form.fields["preset"].choices).get(
                        form.cleaned_data["preset"]
                    ),
                },
                title=f"Review: give access in {business.name}",
            )
    return render_page(
        request,
        "portal/give_access.html",
        {"business": business, "form": form},
        title=f"Give access in {business.name}",
    )


def _hold_if_risky(business, data, actor, changes):
    """Full control given, or (replacing) taken from the last holder who manages an asset,
    waits for a second staff member when the agency turned approval on."""
    assets = list(data["assets"])
    presets = TaskPreset.objects.filter(
        slug=data["preset"], asset_kind__in={a.kind for a in assets}
    )
    if any(set(p.tasks) & FULL_CONTROL_TASKS for p in presets):
        change, verb = RiskyChange.GRANT_FULL_CONTROL, "Give"
    elif any(
        c.grant is not None
        and not set(c.after) & FULL_CONTROL_TASKS
        and is_last_admin_grant(c.grant, FULL_CONTROL_TASKS)
        for c in changes
    ):
        change, verb = RiskyChange.REVOKE_LAST_ADMIN, "Take full control from the last admin: set"
    else:
        return None
    holder = data["holder"]
    is_person = isinstance(holder, BusinessUser)
    return hold_if_required(
        change=change,
        business=business,
        actor=actor,
        summary=f"{verb} {holder.name or getattr(holder, 'email', '')} “{data['preset']}” on "
        + ", ".join(a.name or a.meta_id for a in assets[:5])
        + (f" and {len(assets) - 5} more" if len(assets) > 5 else ""),
        payload={
            "person_id" if is_person else "system_user_id": holder.pk,
            "asset_ids": [a.pk for a in assets],
            "preset": data["preset"],
            "mode": data["mode"],
        },
    )


def access_result(request: HttpRequest, business_id: int) -> HttpResponse:
    business = business_or_404(request, business_id)
    ids = request.session.get("given_grants", [])
    before = request.session.get("given_before", {})
    grants = list(
        Grant.objects.filter(pk__in=ids)
        .filter(Q(business=business) | Q(asset__owner_business=business))
        .select_related("asset", "person", "system_user", "business")
        .order_by("asset__kind", "asset__name")
    )
    rows = []
    for g in grants:
        held_before = before.get(str(g.pk), [])
        after = list(g.applied_tasks) if g.push_state == PushState.IN_SYNC else list(g.tasks)
        rows.append(
            {
                "grant": g,
                "before": held_before,
                "after": after,
                "added": [t for t in after if t not in held_before],
                "lost": [t for t in held_before if t not in after],
            }
        )
    pending = any(g.push_state in (PushState.PENDING, PushState.PENDING_REMOVAL) for g in grants)
    return render_page(
        request,
        "portal/give_access_result.html",
        {"business": business, "rows": rows, "pending": pending},
        title="Access given",
    )
