"""Smoke test of bench/book_bench.py on the smallest book (the real run is by hand, see
bench/README.md): real Celery workers on Redis sync every business twice, the table has every
column and figure, and the second pass costs fewer calls than the first."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from bench import book_bench

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")

# Serialized like every transactional test (see tests/config/test_healthz.py).
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_book_bench_syncs_a_tiny_book_with_each_pool_and_prints_one_table() -> None:
    db = connection.settings_dict
    args = book_bench.parse_args(
        ["--businesses", "2", "--assets-per-business", "50", "--workers", "1",
         "--threads", "2", "--latency-ms", "0", "--broker", BROKER, "--timeout", "60",
         "--chunk-assets", "20"]
    )  # fmt: skip

    columns, lines = book_bench.measure(
        args, f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )

    text = "\n".join(lines)
    assert "| figure | prefork 1 | threads 2 |" in text
    for figure in (
        "time to full freshness, s",
        "Graph calls, 1st pass (ledger)",
        "calls per hour, 1st pass",
        "vs the app quota",
        "2nd / 1st pass calls",
        "throughput vs prefork 1",
        "peak RSS per worker process, MiB",
        "chunk tasks, 1st pass (processes that ran them)",
    ):
        assert figure in text
    assert "Extrapolation to 1,000 businesses × 1,000 assets" in text
    for column in columns:
        assert column.first.fresh == column.second.fresh == 2
        assert 0 < column.second.calls < column.first.calls
        assert column.first.seconds > 0
        assert column.rss_mib > 10
        assert column.first.chunks > 0  # both businesses are big at 20 assets a chunk
