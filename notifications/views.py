"""The settings page: each staff member's events, channels and clients, and what was sent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from businesses.actors import Actor
from businesses.models import AuditEvent
from core.pages import render_page
from notifications import selectors, services
from notifications.forms import NotificationSettingForm
from notifications.models import Delivery


@sensitive_post_parameters("webhook_secret")
def notification_settings(request: HttpRequest) -> HttpResponse:
    setting = selectors.notification_setting_for(request.user)
    clients = selectors.managed_clients(request.user)
    if request.method == "POST":
        form = NotificationSettingForm(request.POST, clients_qs=clients)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.notification_setting_save(
                    user=request.user,
                    actor=Actor.staff(request.user, source=AuditEvent.Source.FORM),
                    events=data["events"],
                    mode=data["mode"],
                    email_enabled=data["email_enabled"],
                    email=data["email"],
                    webhook_enabled=data["webhook_enabled"],
                    webhook_url=data["webhook_url"],
                    webhook_format=data["webhook_format"],
                    webhook_secret=data["webhook_secret"],
                    clients=data["clients"],
                    watched_clients=data["watched_clients"],
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, "Notification settings saved.")
                return redirect("portal:notifications:settings")
    else:
        form = NotificationSettingForm(
            initial=NotificationSettingForm.initial_from(setting), clients_qs=clients
        )
    return render_page(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "setting": setting,
            "deliveries": selectors.recent_deliveries(request.user),
            "failed_count": selectors.failed_delivery_count(request.user),
        },
        title="Notifications",
    )


@require_POST
def notification_test(request: HttpRequest) -> HttpResponse:
    try:
        services.notification_test_send(
            user=request.user, actor=Actor.staff(request.user, source=AuditEvent.Source.FORM)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Test alert sent; its delivery shows below.")
    return redirect("portal:notifications:settings")


@require_POST
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    # Only the owner's own deliveries: anyone else's is a 404.
    delivery = Delivery.objects.filter(pk=delivery_id, user=request.user).first()
    if delivery is None:
        raise Http404("No such delivery.")
    services.delivery_retry(
        delivery=delivery, actor=Actor.staff(request.user, source=AuditEvent.Source.FORM)
    )
    messages.success(request, "Sending again.")
    return redirect("portal:notifications:settings")
