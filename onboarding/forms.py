"""The onboarding wizard's forms: they check the shape of what was typed and nothing more. The
services behind them check everything again and decide."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator

from assets.models import AssetKind, TaskPreset
from assets.selectors import task_labels
from onboarding.models import Onboarding

BM_ID_HELP = "Digits only, as shown in Business Settings → Business info (e.g. 1234567890123456)."
digits_only = RegexValidator(
    r"^[0-9]{1,32}$", "Business Manager ID: digits only (1 to 32), e.g. 1234567890123456."
)

# Kinds a client can share with a partner and give a system user tasks on (DOMAIN §2.4).
ONBOARDING_KINDS: tuple[str, ...] = (
    AssetKind.AD_ACCOUNT,
    AssetKind.PAGE,
    AssetKind.PIXEL,
    AssetKind.CATALOG,
    AssetKind.INSTAGRAM_ACCOUNT,
)
MAX_IDS_PER_KIND = 100


def client_admin_token_field(*, label: str, help_text: str) -> forms.CharField:
    """A write-only token field: never rendered back, stored encrypted by the service."""
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        max_length=1024,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=help_text,
        error_messages={
            "max_length": "Client admin's user token: at most %(limit_value)d characters."
        },
    )


def clean_client_admin_token(token: str) -> str:
    if token and (any(ch.isspace() for ch in token) or len(token) < 20):
        raise forms.ValidationError(
            "Client admin's user token: this is not a Meta access token "
            "(expected 20–1024 characters, no spaces)."
        )
    return token


class ClientDetailsForm(forms.Form):
    name = forms.CharField(
        label="Client name",
        max_length=255,
        strip=True,
        error_messages={
            "required": "Client name: enter the client's name.",
            "max_length": "Client name: at most %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    contact_name = forms.CharField(
        label="Contact person",
        max_length=255,
        required=False,
        error_messages={
            "max_length": "Contact person: at most %(limit_value)d characters (it has %(show_value)d)."
        },
    )
    contact_email = forms.EmailField(
        label="Contact email",
        required=False,
        max_length=254,
        error_messages={"invalid": "Contact email: enter an address like name@example.com."},
    )
    client_meta_id = forms.CharField(
        label="Business Manager ID (optional)",
        max_length=32,
        required=False,
        help_text=BM_ID_HELP
        + " Leave empty if the client grants access by logging in: their login tells us.",
        error_messages={
            "max_length": "Business Manager ID: at most %(limit_value)d digits (it has %(show_value)d).",
        },
    )

    def clean_client_meta_id(self) -> str:
        # People paste ids with spaces in them; only those are forgiven. [0-9] and not \d:
        # other scripts' digits are not a Meta id.
        value = re.sub(r"\s", "", self.cleaned_data["client_meta_id"])
        if value:
            digits_only(value)
        return value

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if any(ord(ch) < 32 for ch in name):
            raise forms.ValidationError("Client name: no control characters (tabs, line breaks).")
        return name


class MethodForm(forms.Form):
    method = forms.ChoiceField(
        label="Access method",
        choices=Onboarding.Method.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Access method: choose how the agency gets access.",
            "invalid_choice": "Access method: %(value)s is not one of the offered methods.",
        },
    )
    client_admin_token = client_admin_token_field(
        label="Client admin's user token (On Behalf Of)",
        help_text=(
            "A user token of an admin of the client's Business Manager, with business_management "
            "(from Facebook Login through the agency's app). Or leave empty and send the client "
            "admin the Login link instead."
        ),
    )

    def clean_client_admin_token(self) -> str:
        return clean_client_admin_token(self.cleaned_data["client_admin_token"])


def preset_choices(kind: str) -> list[tuple[str, str]]:
    """Presets by their titles, with the tasks as Business Settings names them."""
    rows = TaskPreset.objects.filter(asset_kind=kind).order_by("pk")
    return [("", "Not needed")] + [
        (p.slug, f"{p.label} — {', '.join(task_labels(kind, p.tasks))}") for p in rows
    ]


class AssetsForm(forms.Form):
    """One preset per kind of asset and, when the client's assets could be read (On Behalf Of
    with the client admin's login), the ones to use, ticked from a list: nobody types ids."""

    def __init__(
        self,
        *args,
        presets: dict[str, list[tuple[str, str]]] | None = None,
        listed: dict[str, list] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        presets = presets or {kind: preset_choices(kind) for kind in ONBOARDING_KINDS}
        self.listed = listed or {}
        for kind in ONBOARDING_KINDS:
            label = AssetKind(kind).label
            self.fields[f"{kind}_preset"] = forms.ChoiceField(
                label=f"{label}s: access",
                choices=presets[kind],
                required=False,
                error_messages={
                    "invalid_choice": f"{label}s: %(value)s is not one of the offered presets."
                },
            )
            if kind in self.listed:
                self.fields[f"{kind}_assets"] = forms.MultipleChoiceField(
                    label=f"{label}s of the client",
                    required=False,
                    choices=[(a.id, f"{a.name or a.id} ({a.id})") for a in self.listed[kind]],
                    widget=forms.CheckboxSelectMultiple,
                    help_text="None ticked = every one of them.",
                    error_messages={
                        "invalid_choice": f"{label}s: %(value)s is not one of the client's."
                    },
                )

    def kind_rows(self):
        return [
            (
                AssetKind(kind).label,
                self[f"{kind}_preset"],
                self[f"{kind}_assets"] if f"{kind}_assets" in self.fields else None,
            )
            for kind in ONBOARDING_KINDS
        ]

    def clean(self):
        cleaned = super().clean()
        items = []
        for kind in ONBOARDING_KINDS:
            preset = cleaned.get(f"{kind}_preset") or ""
            ids = list(cleaned.get(f"{kind}_assets") or [])
            label = AssetKind(kind).label
            if ids and not preset:
                self.add_error(
                    f"{kind}_preset", f"{label}s: choose the access for the ones ticked."
                )
                continue
            if not preset:
                continue
            if len(ids) > MAX_IDS_PER_KIND:
                self.add_error(f"{kind}_assets", f"{label}s: at most {MAX_IDS_PER_KIND}.")
                continue
            item = {"kind": kind, "preset": preset, "asset_ids": ids}
            if ids:
                listed = {a.id: a.name for a in self.listed.get(kind, [])}
                item["asset_names"] = {i: listed[i] for i in ids if listed.get(i)}
            items.append(item)
        if not self.errors and not items:
            raise forms.ValidationError(
                "Choose the access the agency needs on at least one kind of asset."
            )
        cleaned["items"] = items
        return cleaned

    @classmethod
    def initial_from(cls, items: list[dict]) -> dict:
        initial: dict = {}
        for item in items:
            initial[f"{item['kind']}_preset"] = item["preset"]
            initial[f"{item['kind']}_assets"] = list(item.get("asset_ids") or [])
        return initial
