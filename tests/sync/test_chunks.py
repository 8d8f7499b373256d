"""Big clients split across workers (issue 12 item 3): a run's per-asset reads as chunk tasks.

The chunk size is set small (3 assets) so the demo's clients are "big". Without a broker the
chunks run inline, one after another; with the ``redis_broker`` fixture they are messages on
the real Redis with no worker, and the test runs each one as a worker would, in its own order."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset, AssetAccess, Grant
from businesses.models import AccessToken, Business
from sync.chunk_task import sync_chunk_task
from sync.chunks import sync_chunk_run
from sync.models import DriftEvent, SyncChunk, SyncRun
from sync.run import business_sync
from sync.sweeper import queue_sweep

from . import truth
from .conftest import assert_only_the_next_sync_is_queued, sync_all

CHUNK = 3
GRANT_DRIFT = (DriftEvent.Kind.GRANT_ADDED, DriftEvent.Kind.GRANT_CHANGED)


@pytest.fixture(autouse=True)
def small_chunks(settings) -> None:
    settings.SYNC_CHUNK_ASSETS = CHUNK


def _chunks(run: SyncRun) -> list[SyncChunk]:
    return list(SyncChunk.objects.filter(run=run).order_by("index"))


def _member_account(sb, cast) -> tuple[str, str]:
    """One of Acme's ad accounts and one of its people (an assignable pair)."""
    account = sb.world.owned_assets(cast.acme.meta_id, "ad_account")[0]
    member = next(u.id for u in sb.world.users_of(cast.acme.meta_id))
    return account.id, member


def test_a_big_business_synced_through_chunks_holds_what_meta_holds(cast, sb, no_sleep):
    runs = sync_all(cast, no_sleep)

    assert [run.status for run in runs] == [SyncRun.Status.SUCCEEDED] * 4
    acme_chunks = _chunks(runs[0])
    assert len(acme_chunks) > 1
    assert all(len(chunk.asset_ids) <= CHUNK for chunk in acme_chunks)
    assert {chunk.state for chunk in acme_chunks} == {SyncChunk.State.DONE}
    # The chunks' calls and rows are the run's.
    assert runs[0].graph_calls > sum(chunk.graph_calls for chunk in acme_chunks) > 0
    assert runs[0].created_count >= sum(chunk.created_count for chunk in acme_chunks) > 0
    assert (
        truth.differences(truth.portal(cast.businesses), truth.meta(sb.world, cast.businesses))
        == {}
    )


def test_a_change_made_in_meta_is_read_by_a_chunk_and_recorded_as_drift_once(cast, sb, no_sleep):
    sync_all(cast, no_sleep)
    account, member = _member_account(sb, cast)
    sb.world.assign(account, member, ["ANALYZE"])

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep, full=True)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert len(_chunks(run)) > 1
    grant = Grant.objects.get(business=cast.acme, asset__meta_id=account, person__meta_id=member)
    assert grant.applied_tasks == sorted(sb.world.assets[account].assigned[member])
    assert run.drift_events.filter(kind__in=GRANT_DRIFT).count() == 1
    assert (
        truth.differences(truth.portal(cast.businesses), truth.meta(sb.world, cast.businesses))
        == {}
    )


def test_the_run_completes_only_when_its_last_chunk_is_done(cast, sb, no_sleep, redis_broker):
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    chunks = _chunks(run)
    assert run.status == SyncRun.Status.RUNNING and len(chunks) > 1
    assert redis_broker.llen("sync") == len(chunks)

    # Out of order, as workers finish them.
    for chunk in reversed(chunks[1:]):
        assert sync_chunk_run(chunk.pk, sleep=no_sleep) == SyncChunk.State.DONE
        run.refresh_from_db()
        assert run.status == SyncRun.Status.RUNNING
        assert Business.objects.get(pk=cast.acme.pk).sync_state == Business.SyncState.RUNNING
    sync_chunk_run(chunks[0].pk, sleep=no_sleep)

    run.refresh_from_db()
    acme = Business.objects.get(pk=cast.acme.pk)
    assert run.status == SyncRun.Status.SUCCEEDED and run.finished_at is not None
    assert run.progress_done == run.progress_total
    assert acme.sync_state == Business.SyncState.IDLE and acme.last_synced_at is not None
    assert truth.differences(truth.portal([acme]), truth.meta(sb.world, [acme])) == {}


def test_a_done_chunk_delivered_again_does_nothing(cast, sb, no_sleep, request):
    sync_all(cast, no_sleep)  # eager, before the broker: a first sync records no drift
    request.getfixturevalue("redis_broker")
    account, member = _member_account(sb, cast)
    sb.world.assign(account, member, ["ANALYZE"])
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep, full=True)
    chunks = _chunks(run)
    asset_pk = Asset.objects.get(meta_id=account).pk
    holder = next(c for c in chunks if asset_pk in c.asset_ids)
    last = next(c for c in reversed(chunks) if c.pk != holder.pk)
    for chunk in chunks:
        if chunk.pk != last.pk:
            sync_chunk_run(chunk.pk, sleep=no_sleep)
    assert run.drift_events.filter(kind__in=GRANT_DRIFT).count() == 1
    calls_before = len(sb.requests)
    drift_before = DriftEvent.objects.count()

    again = sync_chunk_task.apply((holder.pk,)).get()

    assert again == "taken"
    assert len(sb.requests) == calls_before and DriftEvent.objects.count() == drift_before
    assert SyncChunk.objects.get(pk=holder.pk).attempts == 1


def test_a_chunk_of_a_run_that_already_finished_does_nothing(cast, sb, no_sleep, redis_broker):
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    for chunk in _chunks(run):
        sync_chunk_run(chunk.pk, sleep=no_sleep)
    calls_before = len(sb.requests)

    assert sync_chunk_run(_chunks(run)[0].pk, sleep=no_sleep) == "run ended"
    assert len(sb.requests) == calls_before


def test_a_throttled_chunk_pauses_the_run_and_its_other_chunks_then_do_nothing(
    cast, sb, no_sleep, redis_broker
):
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    first, second, *_ = _chunks(run)
    sb.faults.add("throttle", path_contains="/assigned_users", times=None, regain_minutes=30)

    assert sync_chunk_run(first.pk, sleep=no_sleep) == SyncChunk.State.FAILED
    calls_before = len(sb.requests)
    assert sync_chunk_run(second.pk, sleep=no_sleep) == "run ended"

    run.refresh_from_db()
    acme = Business.objects.get(pk=cast.acme.pk)
    assert run.status == SyncRun.Status.PAUSED and run.paused_until == acme.sync_paused_until
    assert "too many calls" in run.error.lower()
    assert acme.sync_state == Business.SyncState.IDLE
    assert len(sb.requests) == calls_before
    assert SyncChunk.objects.get(pk=second.pk).state == SyncChunk.State.QUEUED
    # A paused run's chunks are not stranded: the sweeper leaves them alone.
    assert queue_sweep().sync_chunks == 0


def test_a_throttled_chunk_task_queues_the_next_sync_for_metas_regain_time(
    cast, sb, no_sleep, redis_broker, settings
):
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    first, second, *_ = _chunks(run)
    redis_broker.delete("sync")
    sb.faults.add("throttle", method="POST", times=None, regain_minutes=30)
    # In this process, as a worker runs it: no retry, whose wait would be real here.
    settings.META_MAX_RETRIES = 0

    assert sync_chunk_task(first.pk) == SyncChunk.State.FAILED
    assert sync_chunk_task(second.pk) == "run ended"  # queues nothing more

    run.refresh_from_db()
    assert_only_the_next_sync_is_queued(redis_broker, cast.acme.pk, run.paused_until)


def test_a_chunk_whose_worker_died_three_times_fails_its_run(cast, sb, no_sleep, redis_broker):
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    chunk = _chunks(run)[0]
    SyncChunk.objects.filter(pk=chunk.pk).update(
        state=SyncChunk.State.RUNNING, attempts=3, lease_until=timezone.now()
    )
    calls_before = len(sb.requests)

    assert sync_chunk_run(chunk.pk, sleep=no_sleep) == SyncChunk.State.FAILED

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and "unexpected error" in run.error
    assert len(sb.requests) == calls_before
    assert Business.objects.get(pk=cast.acme.pk).sync_state == Business.SyncState.IDLE


def test_a_failed_answer_in_a_chunk_leaves_that_asset_due_and_fails_the_run(cast, sb, no_sleep):
    account, _member = _member_account(sb, cast)
    sb.faults.add("500", path_contains=f"{account}/assigned_users", times=None)

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert run.status == SyncRun.Status.FAILED
    assert f"Assigned users of {account}" in run.error
    accounts = AssetAccess.objects.filter(
        business=cast.acme, asset__kind="ad_account", removed_at__isnull=True
    )
    assert accounts.get(asset__meta_id=account).edges_read_at is None
    others = accounts.exclude(asset__meta_id=account)
    assert others.exists()
    assert set(others.values_list("edges_read_at", flat=True)) == {run.started_at}


def test_the_sweeper_sends_again_a_chunk_whose_worker_died(
    cast, sb, no_sleep, redis_broker, settings
):
    settings.SYNC_LEASE_SECONDS = 0  # every lease has run out at once
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    chunk = _chunks(run)[0]
    SyncChunk.objects.filter(pk=chunk.pk).update(state=SyncChunk.State.RUNNING, attempts=1)
    redis_broker.delete("sync")

    result = queue_sweep()

    assert result.sync_chunks == len(_chunks(run))
    assert redis_broker.llen("sync") == len(_chunks(run))
    assert SyncChunk.objects.get(pk=chunk.pk).state == SyncChunk.State.QUEUED
    assert sync_chunk_run(chunk.pk, sleep=no_sleep) == SyncChunk.State.DONE
    assert SyncChunk.objects.get(pk=chunk.pk).attempts == 2


def test_the_sync_command_reads_a_big_clients_chunks_in_its_own_process(cast, sb, redis_broker):
    call_command("sync_business", cast.acme.meta_id, stdout=io.StringIO())

    run = cast.acme.sync_runs.get()
    assert run.status == SyncRun.Status.SUCCEEDED and len(_chunks(run)) > 1
    assert redis_broker.llen("sync") == 0  # nothing left to the workers


def test_a_dead_token_in_a_chunk_fails_the_run_and_marks_the_token_invalid(
    cast, sb, no_sleep, redis_broker
):
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    first, second, *_ = _chunks(run)
    sb.world.revoke_token(sb.credentials["clients"][0]["admin_user_token"])

    assert sync_chunk_run(first.pk, sleep=no_sleep) == SyncChunk.State.FAILED
    assert sync_chunk_run(second.pk, sleep=no_sleep) == "run ended"

    run.refresh_from_db()
    token = AccessToken.objects.get(business=cast.acme, purpose=AccessToken.Purpose.CONNECTION)
    assert run.status == SyncRun.Status.FAILED and not token.is_valid
    assert run.error == token.invalid_reason
    assert Business.objects.get(pk=cast.acme.pk).sync_state == Business.SyncState.IDLE


def test_a_chunked_run_s_admin_page_lists_its_chunks_and_who_read_them(
    cast, sb, no_sleep, admin_client
):
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    chunks = _chunks(run)

    page = admin_client.get(reverse("admin:sync_syncrun_change", args=[run.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Sync chunks" in html
    assert all(chunk.worker and chunk.worker in html for chunk in chunks)


def test_a_run_whose_chunks_wait_past_the_lease_still_holds_its_business(
    cast, sb, no_sleep, redis_broker
):
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    Business.objects.filter(pk=cast.acme.pk).update(
        sync_lease_until=timezone.now() - timedelta(minutes=1)
    )

    second = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    assert second.status == SyncRun.Status.SKIPPED
    for chunk in _chunks(run):
        sync_chunk_run(chunk.pk, sleep=no_sleep)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED
