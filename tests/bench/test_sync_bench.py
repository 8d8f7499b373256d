"""Smoke test of bench/sync_bench.py on a tiny world (the real run is by hand, see
bench/README.md): every business syncs, near the lower bound, and a second sync with nothing
changed costs a fraction of the first."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from bench import sync_bench


@pytest.fixture
def rows(transactional_db):
    saved = (django_settings.META_GRAPH_URL, django_settings.META_PAGE_SIZE)
    try:
        yield sync_bench.run_size(300)
    finally:
        django_settings.META_GRAPH_URL, django_settings.META_PAGE_SIZE = saved


def test_every_business_syncs_twice_and_the_second_sync_costs_less(rows) -> None:
    assert len(rows) == 4
    assert {r.status for r in rows} == {"succeeded"}
    assert {r.again_status for r in rows} == {"succeeded"}
    total = sync_bench.totals(rows)
    assert total.calls <= 1.2 * total.bound
    assert total.again_calls < 0.5 * total.calls
