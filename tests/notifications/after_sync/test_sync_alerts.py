"""A sync run's facts reach staff as soon as the run finishes, with no detection pass in between:
a dead token, a second failure in a row, access lost (an asset gone, a partnership the client
ended), drift on a watched client, a client over its system-user cap. The sync runs against the
sandbox (tests/sync's cast: Northwind Media and its clients); its commit runs the business's
check (eagerly, as a worker would) and the email lands on the real SMTP server."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import DatabaseError
from django.utils import timezone

from businesses.models import AccessToken
from notifications import detect
from notifications.models import Event, EventKind
from notifications.prompt import business_events_detect_task
from sync.chunks import sync_chunk_run
from sync.models import SyncChunk, SyncRun
from sync.run import business_sync
from tests.factories import StaffFactory
from tests.notifications.conftest import alerts_for, emails
from tests.sync.conftest import redis_broker, sync_all  # noqa: F401 (fixture)

UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture
def alice(cast):
    """An account manager of Acme."""
    return StaffFactory(username="alice", group="Account manager", businesses=[cast.acme])


def _sync(business, no_sleep, capture) -> SyncRun:
    with capture(execute=True):
        return business_sync(business_id=business.pk, sleep=no_sleep)


def test_a_sync_that_finds_the_token_dead_emails_at_once(
    cast, sb, alice, no_sleep, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(alice, EventKind.TOKEN_INVALID)
    acme_token = sb.credentials["clients"][0]["admin_user_token"]
    sb.world.revoke_token(acme_token)

    run = _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)

    assert run.status == SyncRun.Status.FAILED
    [text] = emails(smtp_server)
    assert "is no longer valid" in text and acme_token not in text


def test_a_second_failed_sync_in_a_row_emails_as_it_finishes(
    cast, alice, no_sleep, settings, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(alice, EventKind.SYNC_FAILED_TWICE)
    settings.META_GRAPH_URL = UNREACHABLE

    _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)
    assert smtp_server.messages == []  # one failure is no streak
    run = _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)

    assert run.status == SyncRun.Status.FAILED
    [text] = emails(smtp_server)
    assert "The last 2 syncs of Acme" in text


def test_an_asset_gone_from_meta_is_an_access_lost_email_as_the_sync_finishes(
    cast, sb, alice, no_sleep, smtp_server, django_capture_on_commit_callbacks
):
    sync_all(cast, no_sleep)
    alerts_for(alice, EventKind.ACCESS_LOST)
    gone = sorted(a.id for a in sb.world.owned_assets(cast.acme.meta_id, "ad_account"))[0]
    with sb.world.lock:
        del sb.world.assets[gone]

    _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)

    [text] = emails(smtp_server)
    assert "Access lost" in text and gone in text


def test_a_partnership_the_client_ended_is_emailed_as_the_agencys_sync_finishes(
    cast, sb, alice, no_sleep, smtp_server, django_capture_on_commit_callbacks
):
    sync_all(cast, no_sleep)
    alerts_for(alice, EventKind.ACCESS_LOST)
    with sb.world.lock:  # the client's admin removes the agency as a partner in Meta
        sb.world.partners.pop((cast.agency.meta_id, cast.acme.meta_id))

    _sync(cast.agency, no_sleep, django_capture_on_commit_callbacks)

    [text] = emails(smtp_server)
    assert f"partnership between {cast.agency.name} and {cast.acme.name} has ended" in text


def test_drift_on_a_watched_client_is_emailed_as_the_sync_finishes(
    cast, sb, alice, no_sleep, smtp_server, django_capture_on_commit_callbacks
):
    sync_all(cast, no_sleep)
    alerts_for(alice, EventKind.DRIFT, watched=[cast.acme])
    sb.world.add_asset("page", cast.acme.meta_id, "Acme - New Page")

    _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)

    [text] = emails(smtp_server)
    assert "Acme - New Page" in text


def test_a_client_found_over_its_cap_is_emailed_as_the_sync_finishes(
    cast, sb, alice, no_sleep, smtp_server, django_capture_on_commit_callbacks
):
    alerts_for(alice, EventKind.CAP_REACHED)
    for n in range(3):  # made in Business Settings, beyond Limited access's one
        sb.world.add_system_user(cast.acme.meta_id, f"Made in Meta {n}")

    _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)

    cast.acme.refresh_from_db()
    assert cast.acme.system_users_over_cap
    [text] = emails(smtp_server)
    assert "more system users than its access level allows" in text


def test_a_sync_ends_as_it_would_when_recording_its_alert_raises(
    cast, sb, alice, no_sleep, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def recording_breaks(**_kwargs):
        raise DatabaseError("the notifications tables are unavailable")

    monkeypatch.setattr(detect, "event_raise", recording_breaks)
    alerts_for(alice, EventKind.TOKEN_INVALID)
    sb.world.revoke_token(sb.credentials["clients"][0]["admin_user_token"])

    run = _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)

    assert run.status == SyncRun.Status.FAILED and run.finished_at is not None
    assert not AccessToken.objects.get(business=cast.acme, purpose="connection").is_valid
    assert not Event.objects.exists()
    assert "alert check not started" in caplog.text  # it was tried, and failed, after the run


def _checks_queued(broker) -> list[list[int]]:
    """The arguments of every alert check waiting in the broker, whatever its queue."""
    found = []
    for queue in broker.keys("*"):
        if broker.type(queue) != b"list":
            continue
        for message in broker.lrange(queue, 0, -1):
            message = json.loads(message)
            if message["headers"]["task"] == business_events_detect_task.name:
                args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
                found.append(args)
    return found


def test_a_sync_stopped_by_an_unexpected_error_queues_its_alert_check_at_once(
    cast, alice, no_sleep, settings, django_capture_on_commit_callbacks, request
):
    alerts_for(alice, EventKind.SYNC_FAILED_TWICE)
    meta = settings.META_GRAPH_URL
    settings.META_GRAPH_URL = UNREACHABLE
    _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)  # the first failure
    settings.META_GRAPH_URL = meta
    settings.SYNC_CHUNK_ASSETS = 3  # Acme is a big client: its reads go out as chunks
    broker = request.getfixturevalue("redis_broker")
    run = _sync(cast.acme, no_sleep, django_capture_on_commit_callbacks)
    # One chunk's worker died three times (what kills it may be the chunk itself).
    chunk = SyncChunk.objects.filter(run=run).order_by("index").first()
    SyncChunk.objects.filter(pk=chunk.pk).update(
        state=SyncChunk.State.RUNNING, attempts=3, lease_until=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        sync_chunk_run(chunk.pk, sleep=no_sleep)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and "unexpected error" in run.error
    assert _checks_queued(broker) == [[cast.acme.pk]]
    business_events_detect_task(cast.acme.pk)  # as the worker that takes it does
    [event] = Event.objects.filter(kind=EventKind.SYNC_FAILED_TWICE, business=cast.acme)
    assert "The last 2 syncs of Acme" in event.summary
