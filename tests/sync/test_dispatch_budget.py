"""Quota-aware dispatch: the beat's tick queues the stalest due businesses first, and only those
whose business use case and app budgets (Meta's usage headers, as their last sync left them)
leave room for their next sync; the others stay due for a later tick, holding no worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from businesses.actors import Actor
from businesses.models import AccessToken, Business
from businesses.services import token_store
from sync.budget import Wait, business_budget_line
from sync.models import SyncRun
from sync.run import business_sync
from sync.selectors import businesses_due_for_sync
from sync.services import sync_dispatch_due
from tests.factories import BusinessFactory, DeveloperAppFactory

pytestmark = pytest.mark.django_db

SCHEDULER = Actor.task("scheduler")


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


def synced_long_ago(business: Business) -> None:
    """Due again by its interval; its last run (and the usage it read) stays where it was."""
    Business.objects.filter(pk=business.pk).update(
        last_synced_at=timezone.now() - timedelta(hours=3)
    )


def app_read_after_250_calls_each(
    *, app_usage_pct: int, hours_since_sync: tuple[int, ...]
) -> list[Business]:
    """Businesses of one app, due by their interval, whose last syncs (250 calls each) just
    ended with the app's usage at ``app_usage_pct``."""
    app = DeveloperAppFactory()
    now = timezone.now()
    businesses = [
        connected(app=app, last_synced_at=now - timedelta(hours=h)) for h in hours_since_sync
    ]
    for business in businesses:
        SyncRun.objects.create(
            business=business,
            status=SyncRun.Status.SUCCEEDED,
            started_at=now - timedelta(minutes=10),
            finished_at=now - timedelta(seconds=1),
            graph_calls=250,
            app_usage_pct=app_usage_pct,
        )
    return businesses


def test_the_stalest_due_businesses_are_queued_first_never_synced_before_all():
    now = timezone.now()
    never = connected()
    oldest = connected(last_synced_at=now - timedelta(hours=9))
    connected(last_synced_at=now - timedelta(hours=2))
    connected(last_synced_at=now - timedelta(hours=5))

    tick = sync_dispatch_due(actor=SCHEDULER, limit=2)

    assert tick.dispatched == 2
    assert queued() == {never.pk, oldest.pk}


def test_each_sync_queued_in_a_tick_spends_from_its_app_s_budget():
    # The app read 60 % after its businesses' 750 calls: each next sync (250 calls) costs 20 %.
    businesses = app_read_after_250_calls_each(app_usage_pct=60, hours_since_sync=(4, 3, 2))

    tick = sync_dispatch_due(actor=SCHEDULER)

    # 60 % + 20 % for the stalest: the app is then over the headroom for the two others.
    assert queued() == {businesses[0].pk}
    assert tick.waiting == {Wait.APP_HEADROOM: 2}


def test_the_tick_logs_why_a_business_waits(cast, sb, no_sleep, caplog):
    sb.world.usage.override(cast.acme.meta_id, call_count=90)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    synced_long_ago(cast.acme)

    with caplog.at_level("INFO", logger="sync.services"):
        sync_dispatch_due(actor=SCHEDULER)

    assert (
        f"event=sync_dispatch_wait business_id={cast.acme.pk} business_meta_id="
        f"{cast.acme.meta_id} wait=business_headroom why='business use case usage 90% is at or "
        "above the 75% headroom'" in caplog.messages
    )
    assert "event=sync_dispatch dispatched=3 waiting=1 business_headroom=1" in caplog.messages


def test_a_sync_records_the_app_and_business_use_case_usage_meta_reported(cast, sb, no_sleep):
    sb.world.usage.configure(app_quota=10**9)
    sb.world.usage.override(cast.acme.meta_id, call_count=42)

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert (run.business_usage_pct, run.app_usage_pct) == (42, 0)


def test_headroom_keeps_every_business_of_a_busy_app_waiting(cast, sb, no_sleep):
    # A tiny app quota: one sync takes the app to 100 % (the sandbox only throttles per business).
    sb.world.usage.configure(app_quota=10)
    assert business_sync(business_id=cast.acme.pk, sleep=no_sleep).app_usage_pct == 100
    synced_long_ago(cast.acme)

    tick = sync_dispatch_due(actor=SCHEDULER)

    assert queued() == set()
    assert tick.waiting == {Wait.APP_HEADROOM: 4}


def test_a_business_waiting_for_its_budget_stays_due_without_a_queued_run(cast, sb, no_sleep):
    sb.world.usage.configure(app_quota=10)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    runs_before = SyncRun.objects.count()

    sync_dispatch_due(actor=SCHEDULER)

    assert SyncRun.objects.count() == runs_before
    assert cast.agency.pk in {b.pk for b in businesses_due_for_sync()}


def test_a_business_whose_next_sync_exceeds_its_remaining_budget_waits(cast, sb, no_sleep):
    # 60 % used, under the 75 % headroom; the next sync costs what the last did (~60 %).
    sb.world.usage.override(cast.acme.meta_id, call_count=60)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    synced_long_ago(cast.acme)

    tick = sync_dispatch_due(actor=SCHEDULER)

    assert cast.acme.pk not in queued()
    assert tick.waiting == {Wait.BUSINESS_COST: 1}
    # Its app has room: the other (never synced) businesses start.
    assert queued() == {cast.agency.pk, cast.blue_harbor.pk, cast.cedar_pine.pk}


def test_a_business_whose_next_sync_fits_its_remaining_budget_starts(cast, sb, no_sleep):
    sb.world.usage.override(cast.acme.meta_id, call_count=40)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    synced_long_ago(cast.acme)

    sync_dispatch_due(actor=SCHEDULER)

    assert cast.acme.pk in queued()


def test_a_business_throttled_by_meta_is_not_dispatched_while_paused(cast, sb, no_sleep):
    sb.world.usage.configure(business_quota=3)
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    assert run.status == SyncRun.Status.PAUSED

    tick = sync_dispatch_due(actor=SCHEDULER)

    assert cast.acme.pk not in queued()
    assert tick.dispatched == 3  # the agency and the two other clients


def test_budgets_recover_as_the_usage_window_passes(cast, sb, no_sleep):
    sb.world.usage.configure(app_quota=10)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    synced_long_ago(cast.acme)
    now = timezone.now()

    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        assert sync_dispatch_due(actor=SCHEDULER).dispatched == 0
    with time_machine.travel(now + timedelta(minutes=61), tick=False):
        assert sync_dispatch_due(actor=SCHEDULER).dispatched == 4


def test_the_business_page_shows_its_budget_in_meta_s_words(cast, sb, no_sleep):
    sb.world.usage.override(cast.acme.meta_id, call_count=60)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    line = business_budget_line(cast.acme)

    assert line.startswith("Business use case 60% used, app 0% used; next sync about ")
    assert line.endswith("% is left.")


def test_the_business_admin_page_shows_the_quota_budget(cast, sb, no_sleep, admin_client):
    sb.world.usage.override(cast.acme.meta_id, call_count=60)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    page = admin_client.get(reverse("admin:businesses_business_change", args=[cast.acme.pk]))

    assert page.status_code == 200
    assert "Business use case 60% used, app 0% used" in page.content.decode()
