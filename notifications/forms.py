from __future__ import annotations

from django import forms

from notifications.models import CHOOSABLE_EVENTS, NotificationSetting


class NotificationSettingForm(forms.Form):
    events = forms.MultipleChoiceField(
        choices=CHOOSABLE_EVENTS, widget=forms.CheckboxSelectMultiple, required=False
    )
    mode = forms.ChoiceField(choices=NotificationSetting.Mode.choices, widget=forms.RadioSelect)
    email_enabled = forms.BooleanField(label="Send email", required=False)
    email = forms.EmailField(required=False, help_text="Empty: the address on your staff account.")
    webhook_enabled = forms.BooleanField(label="Call a webhook", required=False)
    webhook_url = forms.URLField(
        label="Webhook address",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 60, "autocomplete": "off"}),
        help_text="Kept encrypted and never shown again. Leave empty to keep the one saved.",
    )
    webhook_format = forms.ChoiceField(choices=NotificationSetting.WebhookFormat.choices)
    webhook_secret = forms.CharField(
        label="Signing secret",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Each request carries X-BM-Portal-Signature: sha256=HMAC(secret, "
        "timestamp + '.' + body). Leave empty to keep the one saved.",
    )
    clients = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every client you manage.",
    )
    watched_clients = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Watch for changes made outside the portal",
    )

    def __init__(self, *args, clients_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clients"].queryset = clients_qs
        self.fields["watched_clients"].queryset = clients_qs

    @classmethod
    def initial_from(cls, setting: NotificationSetting | None) -> dict:
        if setting is None:
            return {"mode": NotificationSetting.Mode.IMMEDIATE, "email_enabled": True}
        return {
            "events": setting.events,
            "mode": setting.mode,
            "email_enabled": setting.email_enabled,
            "email": setting.email,
            "webhook_enabled": setting.webhook_enabled,
            "webhook_format": setting.webhook_format,
            "clients": list(setting.clients.all()),
            "watched_clients": list(setting.watched_clients.all()),
        }
