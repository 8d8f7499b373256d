"""What an incremental sync costs (issue 12): a sync with nothing changed in Meta makes at most
15 % of a first sync's counted calls, on a book large enough that per-asset reads dominate."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sandbox.scenarios import generated
from sandbox.world import World
from sync.models import SyncRun

from .conftest import sync_all


@pytest.fixture
def world() -> World:
    made = generated(assets=1200, people=60, clients=3, seed=21)
    made.usage.configure(business_quota=10**9, app_quota=10**9)
    return made


def test_a_sync_with_nothing_changed_costs_at_most_15_percent_of_the_first(cast, no_sleep):
    first = sync_all(cast, no_sleep)

    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=True):
        second = sync_all(cast, no_sleep)

    first_calls = sum(run.graph_calls for run in first)
    second_calls = sum(run.graph_calls for run in second)
    assert [run.status for run in second] == [SyncRun.Status.SUCCEEDED] * 4
    assert [(r.created_count, r.updated_count, r.removed_count) for r in second] == [(0, 0, 0)] * 4
    assert second_calls <= 0.15 * first_calls, (first_calls, second_calls)
