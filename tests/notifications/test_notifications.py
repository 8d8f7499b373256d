"""Notifications: events found from the workflows' records, delivered by email to a real SMTP
server and by webhook to a local receiver, once per event, scoped to the staff's clients."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assets.models import PushState
from businesses.actors import Actor
from businesses.models import AccessToken, AuditEvent, PartnerRelationship
from businesses.services import token_store
from notifications import transports
from notifications.delivery import delivery_send
from notifications.detect import events_detect
from notifications.models import Delivery, Event, EventKind, NotificationSetting
from notifications.services import (
    digest_send_due,
    notification_setting_save,
    validate_webhook_url,
)
from onboarding.models import Onboarding
from sync.models import DriftEvent, SyncRun
from tests.factories import GrantFactory

TOKEN = "EAAB" + "s" * 40 + "zq9X"
SIGNING_SECRET = "whsec-correct-horse-battery"


def _settings_for(user, *, events, clients=(), watched=(), **overrides):
    options = {
        "mode": NotificationSetting.Mode.IMMEDIATE,
        "email_enabled": True,
        "email": f"{user.username}@agency.example",
        "webhook_enabled": False,
        "webhook_url": "",
        "webhook_format": NotificationSetting.WebhookFormat.JSON,
        "webhook_secret": "",
        **overrides,
    }
    return notification_setting_save(
        user=user,
        actor=Actor.staff(user),
        events=events,
        clients=clients,
        watched_clients=watched,
        **options,
    )


def _expiring_token(business, days=3):
    return token_store(
        token=TOKEN,
        kind=AccessToken.Kind.SYSTEM_USER,
        business=business,
        scopes=["business_management"],
        expires_at=timezone.now() + timedelta(days=days),
        actor=Actor.system(),
    )


def _detect(capture):
    with capture(execute=True):
        return events_detect()


def test_an_expiring_token_is_emailed_through_a_real_smtp_server_without_the_token(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.TOKEN_EXPIRING])
    token = _expiring_token(cast.client_a)

    assert _detect(django_capture_on_commit_callbacks) == 1

    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["alice@agency.example"]
    text = envelope.content.decode()
    assert "Acme Outdoor" in text and token.masked in text
    assert TOKEN not in text and TOKEN[4:20] not in text
    assert Delivery.objects.get().state == Delivery.State.SENT


def test_the_webhook_receives_signed_json_the_receiver_can_verify(
    cast, http_receiver, django_capture_on_commit_callbacks
):
    _settings_for(
        cast.alice,
        events=[EventKind.TOKEN_EXPIRING],
        email_enabled=False,
        webhook_enabled=True,
        webhook_url=http_receiver.url,
        webhook_secret=SIGNING_SECRET,
    )
    _expiring_token(cast.client_a)

    _detect(django_capture_on_commit_callbacks)

    [request] = http_receiver.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    expected = transports.sign(SIGNING_SECRET, headers["x-bm-portal-timestamp"], request["body"])
    assert headers["x-bm-portal-signature"] == expected
    payload = json.loads(request["body"])
    assert payload["events"][0]["kind"] == "token_expiring"
    assert payload["events"][0]["client"] == "Acme Outdoor"
    assert payload["events"][0]["link"].startswith("http")
    raw = request["body"].decode()
    assert TOKEN not in raw and SIGNING_SECRET not in raw


def test_the_slack_format_posts_a_text_message(
    cast, http_receiver, django_capture_on_commit_callbacks
):
    _settings_for(
        cast.alice,
        events=[EventKind.TOKEN_EXPIRING],
        email_enabled=False,
        webhook_enabled=True,
        webhook_url=http_receiver.url,
        webhook_secret=SIGNING_SECRET,
        webhook_format=NotificationSetting.WebhookFormat.SLACK,
    )
    _expiring_token(cast.client_a)

    _detect(django_capture_on_commit_callbacks)

    payload = json.loads(http_receiver.requests[0]["body"])
    assert set(payload) == {"text"}
    assert "Acme Outdoor" in payload["text"]


def test_raising_the_same_event_again_sends_nothing_more(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.TOKEN_EXPIRING])
    _expiring_token(cast.client_a)

    _detect(django_capture_on_commit_callbacks)
    assert _detect(django_capture_on_commit_callbacks) == 0

    assert Event.objects.count() == 1
    assert len(smtp_server.messages) == 1


def test_staff_hear_only_about_the_clients_they_manage(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.TOKEN_EXPIRING])
    _settings_for(cast.bob, events=[EventKind.TOKEN_EXPIRING])
    _expiring_token(cast.client_b)

    _detect(django_capture_on_commit_callbacks)

    assert [m.rcpt_tos for m in smtp_server.messages] == [["bob@agency.example"]]


def test_settings_refuse_a_client_the_staff_member_does_not_manage(cast):
    with pytest.raises(ValidationError):
        _settings_for(cast.alice, events=[EventKind.DRIFT], watched=[cast.client_b])


def test_a_transient_webhook_failure_is_retried_then_delivered(cast, http_receiver):
    _settings_for(
        cast.alice,
        events=[EventKind.TOKEN_EXPIRING],
        email_enabled=False,
        webhook_enabled=True,
        webhook_url=http_receiver.url,
        webhook_secret=SIGNING_SECRET,
    )
    _expiring_token(cast.client_a)
    events_detect()  # on_commit not run: the delivery waits for its task
    delivery = Delivery.objects.get()
    http_receiver.statuses = [503]

    with pytest.raises(transports.TransientDeliveryError):
        delivery_send(delivery=delivery, final_attempt=False)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.PENDING, 1)

    delivery = delivery_send(delivery=delivery, final_attempt=False)
    assert (delivery.state, delivery.attempts) == (Delivery.State.SENT, 2)
    assert len(http_receiver.requests) == 2


def test_a_refused_webhook_is_marked_failed_and_shown_on_the_settings_page(
    cast, client, http_receiver, django_capture_on_commit_callbacks
):
    _settings_for(
        cast.alice,
        events=[EventKind.TOKEN_EXPIRING],
        email_enabled=False,
        webhook_enabled=True,
        webhook_url=http_receiver.url,
        webhook_secret=SIGNING_SECRET,
    )
    _expiring_token(cast.client_a)
    http_receiver.statuses = [404]

    _detect(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.last_error == "The webhook answered 404."
    client.force_login(cast.alice)
    page = client.get(reverse("portal:notifications:settings")).content.decode()
    assert "could not be delivered" in page and "The webhook answered 404." in page
    assert SIGNING_SECRET not in page


def test_sending_a_failed_alert_again_from_the_page_delivers_it(
    cast, client, http_receiver, django_capture_on_commit_callbacks
):
    _settings_for(
        cast.alice,
        events=[EventKind.TOKEN_EXPIRING],
        email_enabled=False,
        webhook_enabled=True,
        webhook_url=http_receiver.url,
        webhook_secret=SIGNING_SECRET,
    )
    _expiring_token(cast.client_a)
    http_receiver.statuses = [500]
    _detect(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    client.force_login(cast.alice)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:notifications:retry", args=[delivery.pk]))

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert AuditEvent.objects.filter(action="notification.retry", actor=cast.alice).exists()


def test_another_persons_delivery_cannot_be_retried(
    cast, client, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.TOKEN_EXPIRING], email="")
    cast.alice.email = ""
    cast.alice.save()
    delivery = Delivery.objects.create(user=cast.alice, channel="email", state="failed")
    client.force_login(cast.bob)

    response = client.post(reverse("portal:notifications:retry", args=[delivery.pk]))

    assert response.status_code == 404


def test_the_daily_digest_bundles_the_days_alerts_into_one_email(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(
        cast.alice,
        events=[EventKind.TOKEN_EXPIRING, EventKind.PUSH_FAILED],
        mode=NotificationSetting.Mode.DAILY,
    )
    _expiring_token(cast.client_a)
    GrantFactory(
        asset__owner_business=cast.client_a,
        push_state=PushState.FAILED,
        push_error="Meta refused (code 200).",
    )
    _detect(django_capture_on_commit_callbacks)
    assert smtp_server.messages == []
    assert Delivery.objects.filter(state=Delivery.State.WAITING).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send_due() == 1

    [message] = smtp_server.messages
    text = message.content.decode()
    assert "Daily digest: 2 alerts" in text and "Meta refused (code 200)." in text
    assert Delivery.objects.filter(state=Delivery.State.BUNDLED).count() == 2


def test_a_sync_that_succeeded_with_warnings_ends_a_failure_streak(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.SYNC_FAILED_TWICE])
    now = timezone.now()
    for status, minutes in (
        (SyncRun.Status.FAILED, 90),
        (SyncRun.Status.SUCCEEDED_WITH_WARNINGS, 60),
        (SyncRun.Status.FAILED, 30),
    ):
        SyncRun.objects.create(
            business=cast.client_a, status=status, finished_at=now - timedelta(minutes=minutes)
        )

    assert _detect(django_capture_on_commit_callbacks) == 0
    assert smtp_server.messages == []


def test_a_sync_failing_twice_in_a_row_raises_one_alert_for_the_streak(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.SYNC_FAILED_TWICE])
    now = timezone.now()

    def run(status, minutes):
        return SyncRun.objects.create(
            business=cast.client_a,
            status=status,
            error="Meta answered 500." if status == SyncRun.Status.FAILED else "",
            finished_at=now - timedelta(minutes=minutes),
        )

    run(SyncRun.Status.SUCCEEDED, 90)
    run(SyncRun.Status.FAILED, 60)
    assert _detect(django_capture_on_commit_callbacks) == 0
    run(SyncRun.Status.FAILED, 30)
    assert _detect(django_capture_on_commit_callbacks) == 1
    run(SyncRun.Status.FAILED, 1)
    assert _detect(django_capture_on_commit_callbacks) == 0

    assert len(smtp_server.messages) == 1
    assert "Meta answered 500." in smtp_server.messages[0].content.decode()


def test_drift_is_sent_only_for_watched_clients(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.DRIFT])
    DriftEvent.objects.create(
        business=cast.client_a, kind=DriftEvent.Kind.ADMIN_ADDED, summary="Zoe became an admin."
    )
    _detect(django_capture_on_commit_callbacks)
    assert smtp_server.messages == []

    Event.objects.all().delete()
    _settings_for(cast.alice, events=[EventKind.DRIFT], watched=[cast.client_a])
    _detect(django_capture_on_commit_callbacks)

    assert "Zoe became an admin." in smtp_server.messages[0].content.decode()


def test_a_lost_asset_is_an_access_lost_alert(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.ACCESS_LOST])
    DriftEvent.objects.create(
        business=cast.client_a,
        kind=DriftEvent.Kind.ASSET_LOST,
        summary="Acme - US is no longer shared with the agency.",
    )

    _detect(django_capture_on_commit_callbacks)

    assert "no longer shared" in smtp_server.messages[0].content.decode()


def test_detection_ignores_failures_older_than_the_lookback(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.PUSH_FAILED])
    with time_machine.travel(timezone.now() - timedelta(days=5)):
        GrantFactory(asset__owner_business=cast.client_a, push_state=PushState.FAILED)

    assert _detect(django_capture_on_commit_callbacks) == 0


@pytest.mark.parametrize(
    ("url", "https_only", "ok"),
    [
        ("https://hooks.example.com/x", True, True),
        ("http://hooks.example.com/x", True, False),
        ("http://127.0.0.1:9000/x", False, True),
        ("https://user:pw@hooks.example.com/x", True, False),
        ("ftp://hooks.example.com/x", False, False),
    ],
)
def test_webhook_addresses_are_validated(settings, url, https_only, ok):
    settings.NOTIFY_WEBHOOK_HTTPS_ONLY = https_only
    if ok:
        validate_webhook_url(url)
    else:
        with pytest.raises(ValidationError):
            validate_webhook_url(url)


def test_the_settings_page_saves_choices_and_never_shows_the_signing_secret(
    cast, client, http_receiver
):
    client.force_login(cast.alice)
    response = client.post(
        reverse("portal:notifications:settings"),
        {
            "events": [EventKind.TOKEN_INVALID, EventKind.DRIFT],
            "mode": "daily",
            "email_enabled": "on",
            "webhook_enabled": "on",
            "webhook_url": http_receiver.url,
            "webhook_format": "json",
            "webhook_secret": SIGNING_SECRET,
            "watched_clients": [cast.client_a.pk],
        },
    )
    assert response.status_code == 302
    setting = NotificationSetting.objects.get(user=cast.alice)
    assert setting.events == ["drift", "token_invalid"]
    assert setting.reveal_webhook_secret() == SIGNING_SECRET
    assert SIGNING_SECRET not in setting.webhook_secret_ciphertext
    page = client.get(reverse("portal:notifications:settings")).content.decode()
    assert SIGNING_SECRET not in page and "…tery" in page
    assert http_receiver.url not in page and "Saved: http://127.0.0.1/…hook" in page
    assert http_receiver.url not in setting.webhook_url_ciphertext
    assert setting.reveal_webhook_url() == http_receiver.url
    assert "Birch Bakery" not in page


def test_the_settings_page_rejects_another_clients_id(cast, client):
    client.force_login(cast.alice)
    response = client.post(
        reverse("portal:notifications:settings"),
        {"mode": "immediate", "webhook_format": "json", "clients": [cast.client_b.pk]},
    )
    assert response.status_code == 200
    assert not NotificationSetting.objects.filter(user=cast.alice).exists()


def _one_message(capture, smtp_server) -> str:
    _detect(capture)
    [message] = smtp_server.messages
    return message.content.decode()


def test_a_token_that_became_invalid_is_an_alert(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.TOKEN_INVALID])
    token = _expiring_token(cast.client_a, days=40)
    AccessToken.objects.filter(pk=token.pk).update(is_valid=False, updated_at=timezone.now())

    text = _one_message(django_capture_on_commit_callbacks, smtp_server)

    assert "no longer valid" in text and TOKEN not in text


def test_a_partnership_the_client_ended_is_an_access_lost_alert(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.ACCESS_LOST])
    PartnerRelationship.objects.create(
        agency=cast.agency, client=cast.client_a, status=PartnerRelationship.Status.REMOVED
    )

    assert "partnership between Northwind Media and Acme Outdoor has ended" in _one_message(
        django_capture_on_commit_callbacks, smtp_server
    )


def test_a_failed_onboarding_is_an_alert(cast, smtp_server, django_capture_on_commit_callbacks):
    _settings_for(cast.alice, events=[EventKind.ONBOARDING_FAILED])
    Onboarding.objects.create(
        agency=cast.agency,
        client_business=cast.client_a,
        client_meta_id=cast.client_a.meta_id,
        name="Acme Outdoor",
        method=Onboarding.Method.CLIENT_GRANT,
        status=Onboarding.Status.FAILED,
        finished_at=timezone.now(),
    )

    assert "Onboarding of Acme Outdoor failed" in _one_message(
        django_capture_on_commit_callbacks, smtp_server
    )


def test_a_client_over_its_system_user_cap_is_an_alert_once_a_day(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    _settings_for(cast.alice, events=[EventKind.CAP_REACHED])
    cast.client_a.system_users_over_cap = True
    cast.client_a.save()

    assert "more system users than its access level allows" in _one_message(
        django_capture_on_commit_callbacks, smtp_server
    )
    assert _detect(django_capture_on_commit_callbacks) == 0
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert _detect(django_capture_on_commit_callbacks) == 1
