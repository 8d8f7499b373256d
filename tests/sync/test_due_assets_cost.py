"""What choosing the assets due costs (issue 12): the due filter is evaluated once per run, on
the accesses alone, so a no-change sync's database time cannot grow with its slices, nor with
the business's size through a join PostgreSQL plans badly (the no-change sync of 50k assets
once took longer than the first)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sync import edges
from sync.models import SyncRun
from sync.run import business_sync

# Only the due filter asks for accesses never read (the slice boundary asks for read ones).
DUE_FILTER = '"assets_assetaccess"."edges_read_at" IS NULL'
# A per-asset section's read of one slice of assets (pk, meta id, kind, owner).
SLICE_READ = '"assets_asset"."owner_business_id" AS "owner_business_id" FROM "assets_asset"'


@pytest.fixture
def second_sync_queries(cast, no_sleep, settings, monkeypatch) -> list[str]:
    """The SQL of Acme's second sync, an hour after its first, with every asset due (a
    one-hour window) and read two per slice: many slices in each per-asset section."""
    settings.SYNC_EDGE_WINDOW_HOURS = 1
    monkeypatch.setattr(edges, "PER_ASSET_SLICE", 2)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    an_hour_later = timezone.now() + timedelta(hours=1, minutes=1)
    with (
        time_machine.travel(an_hour_later, tick=True),
        CaptureQueriesContext(connection) as captured,
    ):
        run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return [query["sql"] for query in captured.captured_queries]


def test_the_due_filter_is_evaluated_once_per_run_whatever_the_number_of_slices(
    second_sync_queries,
):
    slices = [sql for sql in second_sync_queries if SLICE_READ in sql]
    due = [sql for sql in second_sync_queries if DUE_FILTER in sql]

    assert len(slices) > 3, len(slices)
    assert len(due) == 1, due


def test_the_due_filter_reads_the_accesses_without_joining_the_assets(second_sync_queries):
    (due,) = [sql for sql in second_sync_queries if DUE_FILTER in sql]

    outer_query = due.split(" WHERE ", 1)[0]
    assert outer_query.endswith('FROM "assets_assetaccess"'), outer_query
