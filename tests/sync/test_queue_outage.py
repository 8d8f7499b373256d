"""A broker outage loses no work: staff changes are saved and marked not yet queued, staff are
told so (no 500), and the sweeper sends everything once the queue is back, once.

Each test runs its own ``redis-server`` on a free port and stops it to make the outage: the
shared Redis is never touched. Rows are committed (transactional tests) so the enqueue really
runs on commit, inside the request, as in production."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset, AssetAccess, AssetKind, Grant, PushState
from assets.services import grant_create, share_create
from businesses.actors import Actor
from businesses.models import BusinessUser
from businesses.queueing import QUEUE_DOWN_MESSAGE
from sync.models import SyncRun
from sync.sweeper import SWEEP_LOCK_KEY, queue_sweep, stranded_count
from systemusers.models import SystemUser
from systemusers.services import system_user_create
from tests.factories import AssetFactory, BusinessFactory, PersonFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migration_data"),
]


@pytest.fixture
def client_business():
    business = BusinessFactory(name="Acme Outdoor")
    person = PersonFactory(business=business, name="Dana Buyer")
    asset = AssetFactory(owner_business=business, kind=AssetKind.AD_ACCOUNT, name="Acme - US")
    partner = BusinessFactory(name="Northwind Media")
    return business, person, asset, partner


def queued_messages(own_redis) -> dict[str, int]:
    store = own_redis.client()
    try:
        return {queue: store.llen(queue) for queue in ("sync", "push")}
    finally:
        store.close()


def test_staff_pressing_sync_now_while_the_queue_is_down_get_a_warning_not_a_500(
    client, admin_user, own_redis, client_business
):
    business, *_ = client_business
    own_redis.stop()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:businesses_business_changelist"),
        {"action": "sync_now", "_selected_action": [business.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert QUEUE_DOWN_MESSAGE in response.content.decode()
    run = SyncRun.objects.get(business=business)
    assert run.status == SyncRun.Status.QUEUED and run.waiting_for_queue


def test_giving_access_while_the_queue_is_down_saves_the_grant_marked_not_yet_queued(
    client, admin_user, own_redis, client_business
):
    business, person, asset, _partner = client_business
    own_redis.stop()
    client.force_login(admin_user)

    response = client.post(
        reverse("portal:give_access", args=[business.pk]),
        {
            "holder": f"p{person.pk}",
            "preset": "media_buyer",
            "mode": "add",
            "assets": [asset.pk],
            "confirm": "yes",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert QUEUE_DOWN_MESSAGE in response.content.decode()
    grant = Grant.objects.get(person=person, asset=asset)
    assert grant.push_state == PushState.PENDING and grant.waiting_for_queue


def test_after_an_outage_the_sweeper_sends_every_stranded_task_and_none_is_left(
    own_redis, client_business
):
    business, person, asset, partner = client_business
    actor = Actor.command("test")
    own_redis.stop()
    started = time.monotonic()
    from sync.services import business_sync_request

    business_sync_request(business=business, trigger=SyncRun.Trigger.MANUAL, actor=actor)
    grant_create(asset=asset, tasks=["ADVERTISE"], person=person, actor=actor)
    share_create(asset=asset, partner=partner, permitted_tasks=["ANALYZE"], actor=actor)
    system_user_create(business=business, name="Reporting bot", role="EMPLOYEE", actor=actor)
    outage_calls = time.monotonic() - started
    assert stranded_count() == 4
    assert queue_sweep().still_waiting == 4  # still down: nothing sent, nothing lost

    own_redis.start()
    result = queue_sweep()

    assert (result.sync_runs, result.grants, result.shares, result.system_users) == (1, 1, 1, 1)
    assert stranded_count() == 0
    assert queued_messages(own_redis) == {"sync": 1, "push": 3}
    assert not SyncRun.objects.filter(waiting_for_queue=True).exists()
    assert not Grant.objects.filter(waiting_for_queue=True).exists()
    assert not AssetAccess.objects.filter(waiting_for_queue=True).exists()
    assert not SystemUser.objects.filter(waiting_for_queue=True).exists()
    print(f"\nfour enqueues against a stopped broker took {outage_calls:.2f}s; stranded after: 0")


def test_a_second_sweep_sends_nothing_again(own_redis, client_business):
    _business, person, asset, _partner = client_business
    own_redis.stop()
    grant_create(asset=asset, tasks=["ADVERTISE"], person=person, actor=Actor.command("test"))
    own_redis.start()
    assert queue_sweep().grants == 1

    again = queue_sweep()

    assert again.sent == 0
    assert queued_messages(own_redis)["push"] == 1


def test_a_sweep_while_another_sweep_holds_the_lock_does_nothing(own_redis, client_business):
    _business, person, asset, _partner = client_business
    own_redis.stop()
    grant_create(asset=asset, tasks=["ADVERTISE"], person=person, actor=Actor.command("test"))
    own_redis.start()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        result = queue_sweep()
    finally:
        other.close()

    assert result.locked_out and result.sent == 0
    assert stranded_count() == 1
    assert queue_sweep().grants == 1  # the lock is free again


def test_a_push_whose_message_was_lost_is_sent_again_after_the_threshold_once(
    own_redis, client_business, settings
):
    _business, person, asset, _partner = client_business
    grant = grant_create(
        asset=asset, tasks=["ADVERTISE"], person=person, actor=Actor.command("test")
    )
    own_redis.client().flushdb()  # the message is lost (a broker restarted without its data)
    assert queue_sweep().sent == 0  # within the threshold a pending push may still be queued

    later = timezone.now() + timedelta(minutes=settings.QUEUE_SWEEP_STUCK_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        first = queue_sweep()
        second = queue_sweep()

    assert (first.grants, second.grants) == (1, 0)
    assert queued_messages(own_redis)["push"] == 1
    grant.refresh_from_db()
    assert grant.push_state == PushState.PENDING


def test_push_again_also_sends_grants_stuck_pending(client, admin_user, own_redis, client_business):
    _business, person, asset, _partner = client_business
    own_redis.stop()
    grant = grant_create(
        asset=asset, tasks=["ADVERTISE"], person=person, actor=Actor.command("test")
    )
    own_redis.start()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:assets_grant_changelist"),
        {"action": "push_again", "_selected_action": [grant.pk]},
        follow=True,
    )

    assert "1 failed or pending grant(s) queued to push again." in response.content.decode()
    assert queued_messages(own_redis)["push"] == 1


def test_a_run_and_a_creation_stuck_beyond_the_threshold_are_sent_again_once(
    own_redis, client_business, settings
):
    business, *_ = client_business
    from sync.services import business_sync_request

    run = business_sync_request(
        business=business, trigger=SyncRun.Trigger.MANUAL, actor=Actor.command("test")
    )
    robot = system_user_create(
        business=business, name="Reporting bot", role="EMPLOYEE", actor=Actor.command("test")
    )
    own_redis.client().flushdb()  # both messages lost
    later = timezone.now() + timedelta(minutes=settings.QUEUE_SWEEP_STUCK_MINUTES + 1)

    with time_machine.travel(later, tick=False):
        first = queue_sweep()
        second = queue_sweep()

    assert (first.sync_runs, first.system_users) == (1, 1)
    assert second.sent == 0
    assert queued_messages(own_redis) == {"sync": 1, "push": 1}
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.QUEUED
    assert SystemUser.objects.get(pk=robot.pk).status == SystemUser.Status.RESERVED


@pytest.mark.celery_worker
def test_after_an_outage_a_worker_applies_the_swept_work_in_meta_and_nothing_is_stranded(
    cast, sb, no_sleep, own_redis, tmp_path
):
    from sync.run import business_sync
    from sync.services import business_sync_request
    from sync.tasks import queue_sweep_task

    from .test_worker import Worker, wait_until

    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    priya = BusinessUser.objects.get(business=cast.acme, name="Priya Shah")
    account = next(
        a
        for a in Asset.objects.filter(owner_business=cast.acme, kind=AssetKind.AD_ACCOUNT)
        if priya.meta_id not in sb.world.assets[a.meta_id].assigned
    )
    own_redis.stop()
    grant = grant_create(asset=account, person=priya, tasks=["ANALYZE"], actor=Actor.command("t"))
    run = business_sync_request(
        business=cast.acme, trigger=SyncRun.Trigger.MANUAL, actor=Actor.command("t")
    )
    assert stranded_count() == 2

    own_redis.start()
    worker = Worker(sb.base_url, tmp_path / "worker.log")
    worker.env["CELERY_BROKER_URL"] = own_redis.url
    worker.start()
    try:
        queue_sweep_task.delay()  # what the beat sends every minute
        wait_until(
            lambda: (
                Grant.objects.get(pk=grant.pk).push_state == PushState.IN_SYNC
                and SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.SUCCEEDED
            ),
            what="the swept push and sync",
        )
    finally:
        worker.stop()

    assert sb.world.assets[account.meta_id].assigned[priya.meta_id] == ["ANALYZE"]
    assert stranded_count() == 0
