"""Smoke test of bench/graph_bench.py on a tiny sandbox (the real run is by hand, see
bench/README.md): the three ways read the same inventory, the client stays near the lower
bound, and per-object reading costs more."""

from __future__ import annotations

import pytest

from bench import graph_bench
from bench.graph_bench import SizeReport

TINY = 30


@pytest.fixture(scope="module")
def report() -> SizeReport:
    # Plain per-object reader here; the SDK way has its own test below.
    return graph_bench.run_size(TINY, repeat=1, per_object="plain")


def test_every_way_reads_the_whole_inventory(report: SizeReport) -> None:
    # run_size raises when the ways disagree; here the inventory must also be non-trivial.
    assert report.businesses == 4
    assert report.listings == 4 * len(graph_bench.LISTINGS)
    assert report.grantable > graph_bench.BATCH_SIZE // 2
    assert report.lower.rows == report.client.rows == report.per_object.rows == report.rows


def test_client_calls_stay_within_the_goal_of_the_lower_bound(report: SizeReport) -> None:
    assert report.client.calls <= 1.2 * report.lower.calls
    assert report.client.http <= 1.2 * report.lower.http


def test_per_object_reading_makes_more_calls(report: SizeReport) -> None:
    assert report.per_object.http > report.client.http
    # Meta counts each batch item, so per-object costs at least as many counted calls.
    assert report.per_object.calls >= report.client.calls
    assert report.per_object_kind == "plain"


def test_the_report_prints_every_way_and_the_ratios(report: SizeReport) -> None:
    text = graph_bench.format_report([report], repeat=1)
    assert "lower bound" in text
    assert "graph client" in text
    assert "per object: plain requests" in text
    assert "client / lower bound" in text
    assert "per object / client" in text


def test_the_sdk_way_reads_the_same_inventory() -> None:
    sdk = graph_bench.run_size(TINY, repeat=1, per_object="sdk")
    assert sdk.per_object_kind == "sdk"
    assert sdk.per_object.http > sdk.client.http


def test_batch_items_count_as_calls_and_the_envelope_does_not() -> None:
    log = [
        {"method": "GET", "path": "/v25.0/1/owned_pages", "params": {}},
        {"method": "POST", "path": "/v25.0/", "params": {"batch": '[{"a":1},{"b":2},{"c":3}]'}},
        {"method": "POST", "path": "/v25.0/1/assigned_users", "params": {"user": "2"}},
    ]
    assert graph_bench.count_calls(log) == (5, 3)


def test_lower_bound_rounds_pages_up_and_batches_by_fifty() -> None:
    target = graph_bench.Target("b1", "token", "agency")
    tally = graph_bench.Tally(
        listed={("b1", "owned_pages"): 0, ("b1", "owned_ad_accounts"): 1001},
        assigned={("b1", f"a{i}"): 1 for i in range(51)} | {("b1", "big"): 501},
    )
    calls, http = graph_bench.lower_bound(tally, [target], page_cap=500)
    # listings: 1 + 3 pages; per asset: 52 items + 1 follow-up page; 2 batch envelopes
    assert calls == 4 + 53
    assert http == 4 + 2 + 1


def test_grantable_kinds_mirror_the_model() -> None:
    from assets.models import GRANTABLE_KINDS

    assert set(graph_bench.GRANTABLE_KINDS) == {str(kind) for kind in GRANTABLE_KINDS}
