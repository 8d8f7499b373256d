"""The alerts beyond grants: a share or a system-user creation that failed after its retries,
and a cap refusal met in the portal (system-user add, operator command, onboarding) or by Meta.
Delivered to the real SMTP server the tests start."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assets.models import AssetAccess, PushState
from assets.push import give_up_share
from businesses.actors import Actor
from notifications.detect import events_detect
from notifications.models import Event, EventKind
from onboarding.models import Onboarding
from onboarding.services import onboarding_submit
from portal.tasks import person_remove_task
from sandbox.testing import sandbox, sandbox_world  # noqa: F401 (fixtures)
from systemusers.errors import SystemUserCapError
from systemusers.models import SystemUser
from systemusers.services import system_user_reserve
from systemusers.tasks import system_user_create_in_meta_task
from tests.factories import (
    AssetFactory,
    BusinessFactory,
    GrantFactory,
    PersonFactory,
    SystemUserFactory,
)
from tests.notifications.conftest import alerts_for, with_connection_token
from tests.portal.conftest import connected  # noqa: F401 (fixture)


def _messages(smtp_server) -> list[str]:
    return [m.content.decode() for m in smtp_server.messages]


def _full_cap(business):
    """The Limited access level's one system-user slot is held (a retired one still counts)."""
    SystemUserFactory(business=business, role="EMPLOYEE", status="retired", slot=1)


def test_a_share_that_failed_after_its_retries_is_an_alert_once(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.PUSH_FAILED)
    asset = AssetFactory(owner_business=cast.client_a, name="Acme - US")
    access = AssetAccess.objects.create(
        asset=asset, business=cast.agency, access_type="AGENCY", push_state=PushState.PENDING
    )
    give_up_share(access=access, reason="Meta answered 500.")

    with django_capture_on_commit_callbacks(execute=True):
        assert events_detect() == 1
        assert events_detect() == 0

    [text] = _messages(smtp_server)
    assert "Sharing Ad account Acme - US" in text and "with Northwind Media could not" in text
    assert "gave up after retrying" in text


def test_a_system_user_creation_that_failed_after_its_retries_is_an_alert(
    cast, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.META_GRAPH_URL = "http://127.0.0.1:9"  # nothing listens: Meta cannot be reached
    alerts_for(cast.alice, EventKind.PUSH_FAILED)
    with_connection_token(cast.client_a)
    reserved = system_user_reserve(
        business=cast.client_a, name="Reporting bot", role="EMPLOYEE", actor=Actor.system()
    )
    system_user_create_in_meta_task.apply(args=[reserved.pk])  # eager: its last attempt
    reserved.refresh_from_db()
    assert reserved.status == SystemUser.Status.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        events_detect()

    [text] = _messages(smtp_server)
    assert "System user Reporting bot could not be created in Acme Outdoor" in text


def test_the_admins_system_user_add_refused_by_the_cap_is_a_cap_alert(
    cast, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.CAP_REACHED)
    _full_cap(cast.client_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:systemusers_systemuser_add"),
            {"business": cast.client_a.pk, "name": "One too many", "role": "EMPLOYEE"},
        )

    assert "Cannot create another system user" in response.content.decode()
    [text] = _messages(smtp_server)
    assert "Cannot create another system user in Acme Outdoor" in text
    assert Event.objects.get().link.endswith(f"?client={cast.client_a.pk}")


def test_trying_again_the_same_day_does_not_alert_again(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.CAP_REACHED)
    _full_cap(cast.client_a)

    for _ in range(2):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(SystemUserCapError),
        ):
            system_user_reserve(
                business=cast.client_a, name="Again", role="EMPLOYEE", actor=Actor.system()
            )

    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_refused_by_the_cap_is_a_cap_alert():
    business = BusinessFactory(name="Acme Outdoor")  # no staff: transactional tests flush groups
    _full_cap(business)

    with pytest.raises(CommandError, match="Cannot create another system user"):
        call_command("create_system_user", business.meta_id, name="Bot", role="EMPLOYEE")

    assert Event.objects.get().kind == EventKind.CAP_REACHED


def test_an_onboarding_refused_by_the_cap_is_a_cap_alert_although_its_submission_rolled_back(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(cast.alice, EventKind.CAP_REACHED)
    _full_cap(cast.client_a)
    onboarding = Onboarding.objects.create(
        agency=cast.agency,
        client_meta_id=cast.client_a.meta_id,
        name="Acme Outdoor",
        method=Onboarding.Method.ON_BEHALF_OF,
        requested=[{"kind": "ad_account", "preset": "media_buyer"}],
    )

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(SystemUserCapError),
    ):
        onboarding_submit(onboarding=onboarding, actor=Actor.staff(cast.alice))

    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.DRAFT
    [text] = _messages(smtp_server)
    assert "Cannot create another system user in Acme Outdoor" in text


def test_a_cap_refusal_for_a_business_nobody_watches_is_recorded_without_a_message(db, smtp_server):
    business = BusinessFactory(name="Unwatched")
    _full_cap(business)

    with pytest.raises(SystemUserCapError):
        system_user_reserve(business=business, name="Bot", role="EMPLOYEE", actor=Actor.system())

    assert Event.objects.get().business == business and smtp_server.messages == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_metas_own_cap_refusal_is_a_cap_alert(connected, smtp_server):  # noqa: F811
    # The agency already holds its one admin system user in Meta, which the portal has not
    # synced yet: the portal's count has room, Meta refuses (3949).
    with pytest.raises(CommandError, match="Meta refused"):
        call_command(
            "create_system_user",
            connected.agency.meta_id,
            name="Second admin",
            role="ADMIN",
            stdout=io.StringIO(),
        )

    event = Event.objects.get()
    assert event.kind == EventKind.CAP_REACHED and event.business == connected.agency
    assert "Meta refused" in event.summary


def test_an_offboarding_removal_that_failed_after_its_retries_is_an_alert(
    cast, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.META_GRAPH_URL = "http://127.0.0.1:9"  # nothing listens: Meta cannot be reached
    alerts_for(cast.alice, EventKind.PUSH_FAILED)
    with_connection_token(cast.client_a)
    grant = GrantFactory(
        asset=AssetFactory(owner_business=cast.client_a, name="Acme - EU"),
        person=PersonFactory(business=cast.client_a, name="Lee Ver"),
        push_state=PushState.PENDING_REMOVAL,
    )
    person_remove_task.apply(args=[grant.person_id])  # eager: its last attempt

    grant.refresh_from_db()
    assert grant.push_state == PushState.FAILED and "Gave up after retrying" in grant.push_error
    with django_capture_on_commit_callbacks(execute=True):
        events_detect()
    [text] = _messages(smtp_server)
    assert "Acme - EU" in text and "Gave up after retrying" in text
