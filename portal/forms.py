"""Forms of the portal pages: they check the shape of what was typed and nothing more. The
services behind them check everything again and decide."""

from __future__ import annotations

import contextlib

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator


class AccessReportForm(forms.Form):
    asset_id = forms.CharField(
        label="Asset id",
        max_length=40,
        help_text="An ad account (act_… or its digits), Page, pixel, catalog or Instagram id.",
        validators=[
            RegexValidator(
                r"^(act_)?[0-9]{1,32}$", "Asset id: digits, or 'act_' and digits for an ad account."
            )
        ],
        error_messages={"required": "Asset id: enter the id of the asset you cannot see."},
    )


class OffboardForm(forms.Form):
    """Who left: a name or part of an email to find them, or the exact email once picked."""

    who = forms.CharField(
        label="Name or email of the person leaving",
        max_length=254,
        required=False,
        strip=True,
    )
    email = forms.EmailField(
        required=False,
        max_length=254,
        widget=forms.HiddenInput,
        error_messages={"invalid": "Email: enter an address like name@example.com."},
    )

    def clean(self):
        cleaned = super().clean()
        who = cleaned.get("who") or ""
        if not cleaned.get("email") and "@" in who:
            with contextlib.suppress(ValidationError):
                cleaned["email"] = forms.EmailField().clean(who)
        if not who and not cleaned.get("email") and not self.errors:
            raise ValidationError("Enter the name or email of the person who left.")
        return cleaned
