"""Smoke test of bench/pages_bench.py on a tiny book (the real run, 100k, is by hand)."""

from __future__ import annotations

from bench import pages_bench


def test_the_pages_bench_builds_a_book_and_times_each_page_both_ways(db) -> None:
    made = pages_bench.build(businesses=6, assets=200, grants=200, people=20)

    lines = pages_bench.measure(made, repeat=1)

    text = "\n".join(lines)
    assert "home, 6 businesses:" in text
    assert text.count("rows/s") == 2
    assert text.count(" found") == 6
