"""Incremental sync (issue 12): listings every time, per-asset edges when due."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assets.models import Grant, PushState
from sync.models import SyncRun
from sync.run import business_sync

from .conftest import sync_all


def _acme_grant_tasks(cast, asset_id: str, user_id: str) -> list[str] | None:
    grant = Grant.objects.filter(
        business=cast.acme, asset__meta_id=asset_id, person__meta_id=user_id
    ).first()
    return None if grant is None else sorted(grant.applied_tasks)


def _acme_account_and_member(sb, cast) -> tuple[str, str]:
    world = sb.world
    account = world.owned_assets(cast.acme.meta_id, "ad_account")[0]
    member = next(u.id for u in world.users_of(cast.acme.meta_id))
    return account.id, member


def test_a_change_made_in_meta_is_seen_within_the_window(cast, sb, no_sleep, settings):
    settings.SYNC_EDGE_WINDOW_HOURS = 4  # hourly syncs: a quarter of the assets each
    sync_all(cast, no_sleep)
    account, member = _acme_account_and_member(sb, cast)
    sb.world.assign(account, member, ["ANALYZE"])
    expected = sorted(sb.world.assets[account].assigned[member])

    seen_after = None
    start = timezone.now()
    for hour in range(1, 5):
        with time_machine.travel(start + timedelta(hours=hour, minutes=1), tick=True):
            run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
        assert run.status == SyncRun.Status.SUCCEEDED, run.error
        if _acme_grant_tasks(cast, account, member) == expected:
            seen_after = hour
            break

    assert seen_after is not None and seen_after <= 4


def test_an_asset_not_read_for_a_whole_window_is_read_at_the_next_sync(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    account, member = _acme_account_and_member(sb, cast)
    sb.world.assign(account, member, ["ANALYZE"])
    expected = sorted(sb.world.assets[account].assigned[member])

    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=True):
        run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert _acme_grant_tasks(cast, account, member) == expected


def test_a_new_asset_in_the_listing_has_its_users_read_at_once(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    world = sb.world
    member = next(u.id for u in world.users_of(cast.acme.meta_id))
    account = world.add_asset("ad_account", cast.acme.meta_id, "Acme Brand New Account")
    world.assign(account.id, member, ["ANALYZE"])

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert _acme_grant_tasks(cast, account.id, member) == sorted(account.assigned[member])


def test_an_asset_the_portal_is_pushing_to_is_read_back_at_once(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    account, member = _acme_account_and_member(sb, cast)
    grant = Grant.objects.get(business=cast.acme, asset__meta_id=account, person__meta_id=member)
    Grant.objects.filter(pk=grant.pk).update(push_state=PushState.FAILED)
    sb.world.assign(account, member, ["ANALYZE"])

    business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert _acme_grant_tasks(cast, account, member) == sorted(
        sb.world.assets[account].assigned[member]
    )


def test_a_full_re_read_reads_every_asset_again(cast, no_sleep):
    first = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    incremental = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    full = business_sync(business_id=cast.acme.pk, sleep=no_sleep, full=True)

    assert incremental.graph_calls < first.graph_calls
    assert full.graph_calls == first.graph_calls


def test_the_admin_action_queues_a_full_re_read(admin_client, cast):
    response = admin_client.post(
        reverse("admin:businesses_business_changelist"),
        {"action": "sync_full_now", "_selected_action": [cast.acme.pk]},
    )

    assert response.status_code == 302
    run = SyncRun.objects.filter(business=cast.acme).latest("created_at")
    assert run.full_read


def test_the_sync_command_takes_a_full_flag(cast, no_sleep, capsys):
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    call_command("sync_business", cast.acme.meta_id, "--full")

    run = SyncRun.objects.filter(business=cast.acme).latest("created_at")
    assert run.trigger == SyncRun.Trigger.COMMAND
    assert run.full_read
    assert (
        run.graph_calls
        == SyncRun.objects.filter(business=cast.acme).earliest("created_at").graph_calls
    )
