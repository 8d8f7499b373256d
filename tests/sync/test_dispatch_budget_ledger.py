"""Quota budgets fed by every call, not only by syncs: a push, a check or a live-accounts read
spends the same quotas (the call ledger keeps what each answer said), and syncs already queued
or running are charged to their app before a tick queues more."""

# ruff: noqa: F811 (the tests take the sync cast's fixtures, imported below, as parameters)

from __future__ import annotations

import pytest

from assets.models import Asset, PushState
from assets.push import grant_push
from assets.services import grant_create
from businesses.actors import Actor
from businesses.models import BusinessUser, GraphCall
from sync.budget import Wait
from sync.models import SyncRun
from sync.run import business_sync
from sync.services import sync_dispatch_due
from tests.sync.conftest import access_level, app, cast, no_sleep, sb, world  # noqa: F401
from tests.sync.test_dispatch_budget import (
    SCHEDULER,
    app_read_after_250_calls_each,
    queued,
    synced_long_ago,
)

pytestmark = pytest.mark.django_db

STAFF = Actor.command("test")


@pytest.fixture(autouse=True)
def no_slowdown(settings):
    # The client paces itself above this reading; these tests read high usage on purpose.
    settings.META_USAGE_SLOWDOWN_PCT = 101


def push_a_grant(sb, business) -> None:
    """A grant pushed by staff: calls to Meta outside any sync run."""
    person = BusinessUser.objects.get(business=business, name="Priya Shah")
    free = [
        a.id
        for a in sb.world.owned_assets(business.meta_id, "ad_account")
        if person.meta_id not in a.assigned
    ]
    grant = grant_create(
        asset=Asset.objects.get(meta_id=free[0]),
        person=person,
        tasks=["ANALYZE"],
        actor=STAFF,
        push=False,
    )
    assert grant_push(grant=grant, actor=STAFF).push_state == PushState.IN_SYNC


def test_the_ledger_keeps_each_answer_s_app_and_business_usage(cast, sb, no_sleep):
    sb.world.usage.override(cast.acme.meta_id, call_count=37)
    before = GraphCall.objects.count()  # connecting the cast called Meta already

    business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    calls = GraphCall.objects.order_by("pk")[before:]
    assert {(c.business_meta_id, c.business_usage_pct) for c in calls} == {(cast.acme.meta_id, 37)}
    assert None not in {c.app_usage_pct for c in calls}


def test_a_push_that_read_high_business_usage_holds_the_business_s_next_sync(cast, sb, no_sleep):
    sb.world.usage.configure(app_quota=10**9)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)  # read at a low usage
    synced_long_ago(cast.acme)
    sb.world.usage.override(cast.acme.meta_id, call_count=80)

    push_a_grant(sb, cast.acme)
    tick = sync_dispatch_due(actor=SCHEDULER)

    assert cast.acme.pk not in queued()
    assert tick.waiting[Wait.BUSINESS_HEADROOM] == 1


def test_calls_outside_syncs_that_read_high_app_usage_hold_every_business_of_the_app(
    cast, sb, no_sleep
):
    sb.world.usage.configure(app_quota=10**9)
    for business in (cast.acme, cast.blue_harbor):
        business_sync(business_id=business.pk, sleep=no_sleep)
        synced_long_ago(business)
    sb.world.usage.configure(app_quota=1)  # whatever is called next reads the app at 100 %

    push_a_grant(sb, cast.acme)
    tick = sync_dispatch_due(actor=SCHEDULER)

    assert tick.dispatched == 0
    assert tick.waiting[Wait.APP_HEADROOM] == len(cast.businesses)


def test_syncs_already_queued_spend_their_app_s_budget_before_a_tick_queues_more():
    # The app read 50 % after its businesses' 750 calls: each sync (250 calls) costs ~17 %.
    busy, *due = app_read_after_250_calls_each(app_usage_pct=50, hours_since_sync=(5, 4, 3))
    # A staff member's sync of the first one is queued, not yet run: its ~17 % is on its way.
    SyncRun.objects.create(business=busy, status=SyncRun.Status.QUEUED)

    tick = sync_dispatch_due(actor=SCHEDULER)

    # 50 % + 17 % in flight + 17 % for the stalest due one is over the 75 % headroom for the last.
    assert queued() == {busy.pk, due[0].pk}
    assert tick.waiting == {Wait.APP_HEADROOM: 1}
