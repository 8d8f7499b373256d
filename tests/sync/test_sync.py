"""The sync engine against the sandbox: truth, idempotence, faults, safe removal, pauses."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from assets.models import Asset, AssetAccess, AssetGroup, Grant, PushState
from businesses.models import AccessToken, Business, BusinessUser, PartnerRelationship
from sync.models import SyncRun
from sync.run import business_sync
from sync.tasks import business_sync_task
from systemusers.models import SystemUser

from . import truth
from .conftest import assert_only_the_next_sync_is_queued, sync_all

ROW_MODELS = (Asset, AssetAccess, AssetGroup, Grant, BusinessUser, SystemUser, PartnerRelationship)
FAULT_KINDS = ["500", "503", "throttle", "malformed_json"]


def updated_at_of_every_row() -> dict[tuple[str, int], object]:
    return {
        (model.__name__, pk): stamp
        for model in (*ROW_MODELS, Business)
        for pk, stamp in model.objects.values_list("pk", "updated_at")
    }


def removed_rows() -> dict[str, list]:
    """Every row a sync has marked removed, by kind (empty lists when none)."""
    return {
        "accesses": list(
            AssetAccess.objects.filter(removed_at__isnull=False).values_list(
                "asset__meta_id", "business__name"
            )
        ),
        "assets": list(Asset.objects.filter(removed_at__isnull=False).values_list("meta_id")),
        "people": list(
            BusinessUser.objects.filter(status=BusinessUser.Status.REMOVED).values_list("meta_id")
        ),
        "grants": list(
            Grant.objects.filter(push_state=PushState.REMOVED).values_list("asset__meta_id")
        ),
        "groups": list(AssetGroup.objects.filter(removed_at__isnull=False).values_list("meta_id")),
    }


NOTHING_REMOVED = {"accesses": [], "assets": [], "people": [], "grants": [], "groups": []}


def acme_owned_ad_accounts(sb, cast) -> list[str]:
    return sorted(a.id for a in sb.world.owned_assets(cast.acme.meta_id, "ad_account"))


def delete_from_meta(sb, asset_ids: list[str]) -> None:
    """What an owner does in Meta's UI: the assets are gone."""
    with sb.world.lock:
        for asset_id in asset_ids:
            del sb.world.assets[asset_id]


def live_owner_access(business: Business, asset_id: str) -> bool:
    return AssetAccess.objects.filter(
        business=business, asset__meta_id=asset_id, removed_at__isnull=True
    ).exists()


# --- 1. truth ----------------------------------------------------------------------------------


def test_a_full_sync_holds_what_meta_holds(cast, sb, no_sleep):
    runs = sync_all(cast, no_sleep)

    assert [run.status for run in runs] == [SyncRun.Status.SUCCEEDED] * 4, [r.error for r in runs]
    assert (
        truth.differences(truth.portal(cast.businesses), truth.meta(sb.world, cast.businesses))
        == {}
    )


def test_a_full_sync_finds_something_of_every_kind(cast, sb, no_sleep):
    sync_all(cast, no_sleep)

    picture = truth.portal(cast.businesses)
    assert {kind for _, kind, *_ in picture["accesses"]} >= {
        "ad_account",
        "page",
        "pixel",
        "catalog",
        "app",
        "instagram_account",
    }
    assert {status for *_, status, _ in picture["accesses"]} == {"CONFIRMED", "PENDING"}
    assert all(len(picture[key]) > 0 for key in picture), {k: len(v) for k, v in picture.items()}


# --- 2. idempotence ----------------------------------------------------------------------------


def test_a_second_sync_of_unchanged_data_changes_nothing(cast, no_sleep):
    sync_all(cast, no_sleep)
    before = updated_at_of_every_row()

    again = sync_all(cast, no_sleep)

    counts = [(r.status, r.created_count, r.updated_count, r.removed_count) for r in again]
    assert counts == [(SyncRun.Status.SUCCEEDED, 0, 0, 0)] * 4
    assert updated_at_of_every_row() == before


# --- 3. faults ---------------------------------------------------------------------------------


def test_a_sync_under_twenty_percent_faults_converges_without_removing_anything(
    cast, sb, no_sleep, settings
):
    # One retry per call: some sections still fail, so listings end half-read and a business
    # needs more than one sync, and that is when nothing may be removed.
    settings.META_MAX_RETRIES = 1
    sb.faults.set_rate(0.2, kinds=FAULT_KINDS)
    world_truth = truth.meta(sb.world, cast.businesses)
    rounds = []
    for _ in range(12):
        runs = [resume_after_pause(run, no_sleep) for run in sync_all(cast, no_sleep)]
        rounds.append([run.status for run in runs])
        assert removed_rows() == NOTHING_REMOVED, f"after round {len(rounds)}"
        assert all(run.removed_count == 0 for run in runs)
        converged = truth.differences(truth.portal(cast.businesses), world_truth) == {}
        every_kind_fired = {kind for kind, *_ in sb.faults.fired} == set(FAULT_KINDS)
        # Keep syncing (faults still on) until every fault kind has hit at least once: a
        # converged portal must also stay put, with nothing removed, under further faults.
        if converged and every_kind_fired:
            break

    assert truth.differences(truth.portal(cast.businesses), world_truth) == {}, rounds
    assert SyncRun.Status.FAILED in rounds[0], "the faults should have broken some sections"
    assert {kind for kind, *_ in sb.faults.fired} == set(FAULT_KINDS)
    assert no_sleep.waits, "retries waited through the injected sleep, not for real"


def resume_after_pause(run: SyncRun, sleep) -> SyncRun:
    """A throttle that outlasted the retries paused the business: sync again once it ends."""
    for _ in range(5):
        if run.status != SyncRun.Status.PAUSED:
            return run
        with time_machine.travel(run.paused_until + timedelta(seconds=1), tick=True):
            run = business_sync(business_id=run.business_id, sleep=sleep)
    return run


# --- 4. removal only after complete listings ---------------------------------------------------


def test_an_asset_gone_from_meta_has_its_access_marked_removed(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    gone = acme_owned_ad_accounts(sb, cast)[0]
    delete_from_meta(sb, [gone])

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.removed_count == 1
    assert not live_owner_access(cast.acme, gone)
    assert all(live_owner_access(cast.acme, a) for a in acme_owned_ad_accounts(sb, cast))


def test_a_failed_page_of_a_listing_marks_nothing_removed(cast, sb, no_sleep, settings):
    settings.META_PAGE_SIZE = 2  # Acme's six ad accounts come in three pages
    sync_all(cast, no_sleep)
    gone = acme_owned_ad_accounts(sb, cast)[-1]
    delete_from_meta(sb, [gone])
    sb.faults.add("500", method="GET", path_contains="/owned_ad_accounts", page=2, times=None)

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == SyncRun.Status.FAILED
    assert "Owned ad_account" in run.error
    assert run.removed_count == 0
    assert removed_rows() == NOTHING_REMOVED
    assert live_owner_access(cast.acme, gone)


def test_a_sweep_larger_than_the_safe_share_is_held_back_and_reported(cast, sb, no_sleep, settings):
    settings.SYNC_MAX_REMOVAL_SHARE = 0.5
    sync_all(cast, no_sleep)
    accounts = acme_owned_ad_accounts(sb, cast)
    delete_from_meta(sb, accounts[:4])  # four of six: more than half

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert "Held back removing 4 of 6 owner ad_account assets" in run.held_back
    assert run.removed_count == 0
    assert all(live_owner_access(cast.acme, a) for a in accounts)


# --- 9. throttling -----------------------------------------------------------------------------


def test_a_throttled_sync_pauses_the_business_and_requeues_itself_for_later(cast, sb, redis_broker):
    sb.faults.add("throttle", path_contains=cast.acme.meta_id, times=None, regain_minutes=30)
    run = SyncRun.objects.create(business=cast.acme, status=SyncRun.Status.QUEUED)

    # In this process, as a worker runs it; a worker that slept the 30 minutes would hang here.
    status = business_sync_task(cast.acme.pk, run.pk)

    run.refresh_from_db()
    cast.acme.refresh_from_db()
    assert status == SyncRun.Status.PAUSED
    assert run.paused_until == cast.acme.sync_paused_until
    assert timedelta(minutes=29) < run.paused_until - run.started_at <= timedelta(minutes=31)
    assert cast.acme.sync_state == Business.SyncState.IDLE
    assert "too many calls" in run.error.lower()
    assert_only_the_next_sync_is_queued(redis_broker, cast.acme.pk, run.paused_until)


def test_a_throttled_sync_run_eagerly_pauses_once_instead_of_recursing(cast, sb):
    sb.faults.add("throttle", path_contains=cast.acme.meta_id, times=None, regain_minutes=30)

    result = business_sync_task.apply((cast.acme.pk, None))

    assert result.get() == SyncRun.Status.PAUSED
    assert list(cast.acme.sync_runs.values_list("status", flat=True)) == [SyncRun.Status.PAUSED]


# --- 10. invalid token -------------------------------------------------------------------------


def test_a_revoked_token_fails_the_sync_and_is_marked_invalid_with_a_reason(cast, sb, no_sleep):
    acme_token = sb.credentials["clients"][0]["admin_user_token"]
    sb.world.revoke_token(acme_token)

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    token = AccessToken.objects.get(business=cast.acme, purpose=AccessToken.Purpose.CONNECTION)
    assert run.status == SyncRun.Status.FAILED
    assert not token.is_valid
    assert token.invalid_reason
    assert run.error == token.invalid_reason
    assert Business.objects.get(pk=cast.acme.pk).sync_state == Business.SyncState.IDLE


def test_a_custom_conversion_without_a_pixel_is_synced(cast, sb, no_sleep):
    account = acme_owned_ad_accounts(sb, cast)[0]
    conversion = sb.world.add_asset(
        "custom_conversion", cast.acme.meta_id, "Acme Phone Calls", ad_account_id=account
    )

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert Asset.objects.get(meta_id=conversion.id).parent.meta_id == account


def test_drift_about_an_asset_names_it_for_scoping(cast, sb, no_sleep):
    from sync.models import DriftEvent

    sync_all(cast, no_sleep)
    added = sb.world.add_asset("page", cast.acme.meta_id, "Acme - New Page")

    sync_all(cast, no_sleep)

    drift = DriftEvent.objects.get(business=cast.acme, kind=DriftEvent.Kind.ASSET_ADDED)
    assert drift.details["asset"] == added.id
