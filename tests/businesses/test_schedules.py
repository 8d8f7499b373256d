"""Scheduling: each business is synced on its own interval, never while busy or paused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from businesses.actors import Actor
from businesses.models import AccessToken, Business
from businesses.services import token_store
from sync.models import SyncRun
from sync.tasks import dispatch_due_syncs
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def connected(**fields) -> Business:
    business = BusinessFactory(**fields)
    token_store(
        token=f"EAAB{'q' * 30}{business.meta_id}",
        kind=AccessToken.Kind.SYSTEM_USER,
        business=business,
        actor=Actor.system(),
    )
    return business


def queued() -> set[int]:
    return set(
        SyncRun.objects.filter(status=SyncRun.Status.QUEUED).values_list("business_id", flat=True)
    )


def test_a_business_never_synced_is_due():
    business = connected()
    dispatch_due_syncs()
    assert queued() == {business.pk}


def test_each_business_waits_for_its_own_interval():
    now = timezone.now()
    hourly = connected(sync_interval_minutes=60, last_synced_at=now - timedelta(minutes=30))
    quarter = connected(sync_interval_minutes=15, last_synced_at=now - timedelta(minutes=30))
    dispatch_due_syncs()
    assert queued() == {quarter.pk}
    assert hourly.pk not in queued()


def test_a_running_or_paused_business_is_not_dispatched():
    connected(sync_state=Business.SyncState.RUNNING)
    connected(sync_paused_until=timezone.now() + timedelta(minutes=20))
    dispatch_due_syncs()
    assert queued() == set()


def test_a_business_without_a_working_token_is_not_dispatched():
    BusinessFactory()
    broken = connected()
    AccessToken.objects.filter(business=broken).update(is_valid=False)
    dispatch_due_syncs()
    assert queued() == set()


def test_a_business_already_queued_is_not_queued_twice():
    business = connected()
    dispatch_due_syncs()
    dispatch_due_syncs()
    assert SyncRun.objects.filter(business=business, status=SyncRun.Status.QUEUED).count() == 1


def test_three_hundred_due_businesses_are_queued_with_one_insert_each(
    django_assert_max_num_queries,
):
    for _ in range(300):
        connected()
    # The due businesses with their readings, their apps' budgets, the syncs already in flight
    # for those apps; then one insert per queued sync.
    with django_assert_max_num_queries(3 + 300 * 1):
        assert dispatch_due_syncs() == 300
    assert len(queued()) == 300


def test_install_schedules_is_idempotent_and_editable_in_the_admin():
    call_command("install_schedules")
    call_command("install_schedules")
    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {
        "businesses.tasks.dispatch_due_syncs",
        "businesses.tasks.token_health_task",
        "businesses.tasks.eligibility_snapshot_task",
        "businesses.tasks.graph_calls_prune_task",
    } <= names
    assert PeriodicTask.objects.filter(task="businesses.tasks.dispatch_due_syncs").count() == 1


def test_the_ledger_prune_keeps_the_retention_window():
    from businesses.models import GraphCall
    from businesses.services import graph_calls_prune

    now = timezone.now()
    for days in (1, 14, 44, 46, 90):
        GraphCall.objects.create(at=now - timedelta(days=days), method="GET", path="/x", status=200)
    assert graph_calls_prune(keep_days=45, batch_size=1) == 2
    assert sorted((now - at).days for at in GraphCall.objects.values_list("at", flat=True)) == [
        1,
        14,
        44,
    ]


def test_a_failed_business_waits_for_its_retry_time_not_its_interval():
    now = timezone.now()
    failed = connected(
        sync_interval_minutes=60,
        last_synced_at=now - timedelta(hours=3),
        sync_retry_at=now + timedelta(minutes=4),
        sync_failures_in_a_row=1,
    )
    dispatch_due_syncs()
    assert failed.pk not in queued()


def test_a_failed_business_is_dispatched_once_its_retry_time_passed_within_its_interval():
    now = timezone.now()
    failed = connected(
        sync_interval_minutes=60,
        last_synced_at=now - timedelta(minutes=10),
        sync_retry_at=now - timedelta(seconds=1),
        sync_failures_in_a_row=1,
    )
    dispatch_due_syncs()
    assert queued() == {failed.pk}
