"""Forms of the portal pages: they check the shape of what was typed and nothing more. The
services behind them check everything again and decide."""

from __future__ import annotations

from django import forms
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
    email = forms.EmailField(
        label="Email of the person leaving",
        max_length=254,
        error_messages={
            "required": "Email: enter the email of the person who left.",
            "invalid": "Email: enter an address like name@example.com.",
        },
    )
