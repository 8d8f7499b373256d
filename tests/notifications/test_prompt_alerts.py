"""Alerts reach staff right after the workflow step that wrote the fact, with no detection pass
in between: a push (grant, share, system user) that gave up, an onboarding that failed, a token
Meta calls invalid or expiring. The step's commit runs the business's check (eagerly here, as
a worker would); the email goes to the real SMTP server the test starts. Recording the alert
can fail without failing the step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError

from assets.models import AssetAccess, PushState
from assets.tasks import grant_push_task, share_push_task
from businesses.actors import Actor
from businesses.models import AccessToken
from businesses.token_health import token_health_check
from notifications import detect
from notifications.detect import events_detect
from notifications.models import Delivery, Event, EventKind
from onboarding.models import Onboarding
from onboarding.services import onboarding_submit
from onboarding.services.draft import clean_items
from onboarding.services.login import login_token_store
from sandbox.testing import sandbox, sandbox_world  # noqa: F401 (fixtures)
from systemusers.models import SystemUser
from systemusers.services import system_user_reserve
from systemusers.tasks import system_user_create_in_meta_task
from tests.factories import AssetFactory, GrantFactory, PersonFactory, StaffFactory
from tests.notifications.conftest import alerts_for, emails, with_connection_token
from tests.portal.conftest import connected  # noqa: F401 (fixture)

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: Meta cannot be reached


@pytest.fixture
def meta_down(settings):
    settings.META_GRAPH_URL = UNREACHABLE


def _pending_grant(business, asset_name="Acme - US"):
    return GrantFactory(
        asset=AssetFactory(owner_business=business, name=asset_name),
        person=PersonFactory(business=business, name="Dana Buyer"),
        push_state=PushState.PENDING,
    )


def test_a_grant_push_that_gave_up_is_emailed_right_after_the_push(
    cast, meta_down, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.PUSH_FAILED)
    with_connection_token(cast.client_a)
    grant = _pending_grant(cast.client_a)

    with django_capture_on_commit_callbacks(execute=True):
        grant_push_task.apply(args=[grant.pk])  # eager: its last attempt

    [text] = emails(smtp_server)
    assert "A change to Ad account Acme - US (" in text and "could not be applied in Meta" in text
    assert "gave up after retrying" in text


def test_a_share_push_that_gave_up_is_emailed_right_after_the_push(
    cast, meta_down, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.PUSH_FAILED)
    with_connection_token(cast.client_a)
    access = AssetAccess.objects.create(
        asset=AssetFactory(owner_business=cast.client_a, name="Acme - EU"),
        business=cast.agency,
        access_type="AGENCY",
        permitted_tasks=["ANALYZE"],
        push_state=PushState.PENDING,
    )

    with django_capture_on_commit_callbacks(execute=True):
        share_push_task.apply(args=[access.pk])

    [text] = emails(smtp_server)
    assert "Sharing Ad account Acme - EU (" in text
    assert "with Northwind Media could not be applied in Meta" in text


def test_a_system_user_meta_did_not_create_is_emailed_right_after_the_attempt(
    cast, meta_down, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.PUSH_FAILED)
    with_connection_token(cast.client_a)
    reserved = system_user_reserve(
        business=cast.client_a, name="Reporting bot", role="EMPLOYEE", actor=Actor.system()
    )

    with django_capture_on_commit_callbacks(execute=True):
        system_user_create_in_meta_task.apply(args=[reserved.pk])

    reserved.refresh_from_db()
    assert reserved.status == SystemUser.Status.FAILED
    [text] = emails(smtp_server)
    assert "System user Reporting bot could not be created in Acme Outdoor" in text


def test_an_onboarding_whose_run_failed_is_emailed_right_after_the_run(
    cast, meta_down, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.ONBOARDING_FAILED)
    onboarding = Onboarding.objects.create(
        agency=cast.agency,
        client_meta_id=cast.client_a.meta_id,
        name="Acme Outdoor",
        method=Onboarding.Method.ON_BEHALF_OF,
        requested=clean_items([{"kind": "ad_account", "preset": "media_buyer"}]),
    )
    # The client's admin gave a token, so the run calls Meta (which cannot be reached).
    login_token_store(onboarding=onboarding, token="EAAB" + "u" * 40, actor=Actor.system())

    with django_capture_on_commit_callbacks(execute=True):
        onboarding_submit(onboarding=onboarding, actor=Actor.staff(cast.alice))

    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.FAILED
    [text] = emails(smtp_server)
    assert "Onboarding of Acme Outdoor failed" in text


@pytest.fixture
def agency_watcher(connected):  # noqa: F811 (fixture)
    """A staff member managing the connected agency, alerted of its token's health."""
    user = StaffFactory(username="tess", group="Account manager", businesses=[connected.agency])
    alerts_for(user, EventKind.TOKEN_INVALID, EventKind.TOKEN_EXPIRING)
    return user


def _agency_token(connected) -> AccessToken:  # noqa: F811 (fixture value)
    return AccessToken.objects.get(business=connected.agency, purpose="connection", is_active=True)


def test_a_token_meta_calls_invalid_is_emailed_right_after_the_health_check(
    connected,  # noqa: F811 (fixture)
    agency_watcher,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    connected.sandbox.world.revoke_token(connected.creds["admin_system_user_token"])

    with django_capture_on_commit_callbacks(execute=True):
        token = token_health_check(token=_agency_token(connected), actor=Actor.system())

    assert not token.is_valid
    [text] = emails(smtp_server)
    assert "is no longer valid" in text
    assert connected.creds["admin_system_user_token"] not in text


def test_a_token_meta_says_expires_soon_is_emailed_right_after_the_health_check(
    connected,  # noqa: F811 (fixture)
    agency_watcher,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    world = connected.sandbox.world
    world.tokens[connected.creds["admin_system_user_token"]].expires_at = int(
        world.now() + timedelta(days=3).total_seconds()
    )

    with django_capture_on_commit_callbacks(execute=True):
        token_health_check(token=_agency_token(connected), actor=Actor.system())

    [text] = emails(smtp_server)
    assert "expires in 2 day(s)" in text or "expires in 3 day(s)" in text


def test_the_periodic_pass_after_a_prompt_alert_sends_nothing_more(
    cast, meta_down, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.PUSH_FAILED)
    with_connection_token(cast.client_a)
    grant = _pending_grant(cast.client_a)
    with django_capture_on_commit_callbacks(execute=True):
        grant_push_task.apply(args=[grant.pk])

    with django_capture_on_commit_callbacks(execute=True):
        raised = events_detect()

    assert raised == 0
    assert len(smtp_server.messages) == 1


def test_a_push_still_fails_cleanly_when_recording_its_alert_raises(
    cast, meta_down, smtp_server, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def recording_breaks(**_kwargs):
        raise DatabaseError("the notifications tables are unavailable")

    monkeypatch.setattr(detect, "event_raise", recording_breaks)
    alerts_for(cast.alice, EventKind.PUSH_FAILED)
    with_connection_token(cast.client_a)
    grant = _pending_grant(cast.client_a)

    with django_capture_on_commit_callbacks(execute=True):
        grant_push_task.apply(args=[grant.pk]).get()  # re-raises whatever the task raised

    grant.refresh_from_db()
    assert grant.push_state == PushState.FAILED and "gave up after retrying" in grant.push_error
    assert not Event.objects.exists() and not Delivery.objects.exists()
    assert "alert check not started" in caplog.text
