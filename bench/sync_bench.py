"""Sync benchmark (issue 4): full syncs of a generated world at two sizes, with their costs.

    python bench/sync_bench.py                    # 500 and 5,000 assets
    python bench/sync_bench.py --sizes 500,2000

For each size a ``sandbox.scenarios.generated(assets=N, people=max(50, N/20), clients=3)``
world is served by a ``SandboxServer`` in a child process (so the sync's time and memory are
its own), the agency and its clients are registered and connected as an operator would, and
every business is synced once into a scratch PostgreSQL database (``bench_sync``, created and
dropped by this script), clients first and then the agency (as in tests/sync).

Per sync it prints:
- calls: Graph calls as Meta counts them (each batch item is one), from the sync's call ledger,
  against the lower bound computed from the world: every listing the sync reads in pages of the
  sandbox's largest page size (at least one call per listing), plus one call per per-asset read
  (assigned users, partner shares, custom conversions);
- HTTP: requests on the wire, from the sandbox's request log, against the same bound with the
  per-asset reads in batches of 50;
- wall time, database queries (a counting ``connection.execute_wrapper``), peak traced memory
  (``tracemalloc``, which slows Python: times are comparable between sizes, not absolute), and
  the rows the sync created.
Then the 5,000 / 500 ratio of each total: linear time shows as a ratio near the items ratio,
flat memory as a ratio near 1.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/sync_bench.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = os.environ.get("BENCH_DB_NAME", "bench_sync")  # one per engineer on a shared server


def _configure_env() -> None:
    """Point Django at the scratch database (only when run as a script, never on import)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")


DEFAULT_SIZES = (500, 5000)
BATCH = 50


# --- the sandbox, in its own process ---------------------------------------------------------


def _world(assets: int):
    from sandbox.scenarios import generated

    return generated(assets=assets, people=max(50, assets // 20), clients=3, seed=1)


def _serve(assets: int, conn) -> None:
    """Child process: serve the world; answer "requests" with the request count until "stop"."""
    from sandbox.server import SandboxServer

    world = _world(assets)
    world.usage.configure(business_quota=10**9, app_quota=10**9)  # measure work, not pacing
    with SandboxServer(world=world) as server:
        conn.send(server.base_url)
        while (message := conn.recv()) != "stop":
            conn.send(len(server.requests) if message == "requests" else None)


class Sandbox:
    def __init__(self, assets: int) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.proc = context.Process(target=_serve, args=(assets, child), daemon=True)
        self.proc.start()
        self.base_url = self.conn.recv()
        self.world = _world(assets)  # the same world (deterministic), to compute the bound

    def requests(self) -> int:
        self.conn.send("requests")
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send("stop")
        self.proc.join(timeout=10)


# --- the lower bound, from the world -----------------------------------------------------------


@dataclass
class Bound:
    listing_calls: int = 0
    per_asset: int = 0

    @property
    def calls(self) -> int:
        return self.listing_calls + self.per_asset

    @property
    def http(self) -> int:
        return self.listing_calls + math.ceil(self.per_asset / BATCH)


def lower_bound(world, business_id: str, in_portal: set[str]) -> Bound:
    """The fewest calls that read what the sync reads for one business."""
    from assets.models import GRANTABLE_KINDS, SHAREABLE_KINDS
    from graph.operations import GROUP_EDGES
    from sync.asset_listings import CLIENT_KINDS, OWNED_KINDS, PENDING

    page = world.config.page_size_cap
    bound = Bound()

    def listing(items: int) -> None:
        bound.listing_calls += max(1, math.ceil(items / page))

    listing(1)  # the business node
    owned = [a for a in world.assets.values() if a.owner_id == business_id]
    shared = {a.id: a.access[business_id] for a in world.assets.values() if business_id in a.access}
    for kind in OWNED_KINDS:
        listing(sum(a.kind == kind for a in owned))
    for kind in CLIENT_KINDS:
        listing(
            sum(
                world.assets[i].kind == kind and acc.status == "CONFIRMED"
                for i, acc in shared.items()
            )
        )
    for kind, relation in PENDING:
        wanted_type = "OWNER" if relation == "owned" else "AGENCY"
        listing(
            sum(
                world.assets[i].kind == kind
                and acc.status == "PENDING"
                and acc.access_type == wanted_type
                for i, acc in shared.items()
            )
        )
    listing(len(world.users_of(business_id)))
    listing(sum(i.business_id == business_id for i in world.invitations.values()))
    listing(len(world.system_users_of(business_id)))
    listing(sum(a == business_id for a, _ in world.partners))  # clients
    listing(sum(c == business_id for _, c in world.partners))  # agencies
    groups = [g for g in world.asset_groups.values() if g.owner_id == business_id]
    listing(len(groups))
    for group in groups:
        for kind in GROUP_EDGES:
            listing(sum(world.assets[a].kind == kind for a in group.asset_ids))
        listing(sum(world.member_business(u) == business_id for u in group.users))
    # Each person on a group: their assigned_business_asset_groups (per-kind tasks).
    bound.per_asset += len(
        {u for g in groups for u in g.users if world.member_business(u) == business_id}
    )
    reachable = [a for a in owned if a.kind in GRANTABLE_KINDS]
    reachable += [
        world.assets[i]
        for i, acc in shared.items()
        if acc.access_type == "AGENCY"
        and acc.status == "CONFIRMED"
        and world.assets[i].kind in GRANTABLE_KINDS
        and (world.assets[i].kind in CLIENT_KINDS or world.assets[i].owner_id in in_portal)
    ]
    bound.per_asset += len(reachable)  # assigned users
    bound.per_asset += sum(a.kind in SHAREABLE_KINDS for a in owned)  # partner shares
    bound.per_asset += sum(a.kind == "ad_account" for a in owned)  # custom conversions
    return bound


# --- one size ----------------------------------------------------------------------------------


@dataclass
class Row:
    size: int
    business: str
    calls: int
    bound: Bound
    http: int
    seconds: float
    queries: int
    peak_mib: float
    created: int
    status: str
    error: str
    # The same business synced again an hour later with nothing changed in Meta (issue 12).
    again_calls: int = 0
    again_http: int = 0
    again_seconds: float = 0.0
    again_queries: int = 0
    again_status: str = ""


def connect_all(sandbox: Sandbox) -> list[Any]:
    from businesses.actors import Actor
    from businesses.connect import business_connect
    from businesses.developer_apps import developer_app_register

    creds = sandbox.world.credentials
    actor = Actor.command("sync_bench")
    app, _ = developer_app_register(
        app_meta_id=creds["app_id"],
        name="Bench app",
        access_level="standard",
        secret=creds["app_secret"],
        actor=actor,
    )
    agency = business_connect(
        business_meta_id=creds["agency_business_id"],
        app=app,
        token=creds["admin_system_user_token"],
        is_agency=True,
        actor=actor,
    )
    clients = [
        business_connect(
            business_meta_id=c["business_id"], app=app, token=c["admin_user_token"], actor=actor
        )
        for c in creds["clients"]
    ]
    return [*clients, agency]


class Profile:
    """Where a sync's wall time goes (``--profile``): cProfile of the portal's process, the
    database's share (time inside each statement, by statement shape) and the sandbox's share
    (time waiting for HTTP answers, from cProfile's socket reads)."""

    def __init__(self) -> None:
        import cProfile

        self.profiler = cProfile.Profile()
        self.sql: dict[str, list[float]] = {}  # statement shape -> [count, seconds]

    def timed(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = self.sql.setdefault(_sql_shape(sql), [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    def report(self, label: str, wall: float, out: Path) -> None:
        import pstats

        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{label}.prof"
        self.profiler.dump_stats(path)
        stats = pstats.Stats(str(path))
        db = sum(s for _, s in self.sql.values())
        http = sum(
            ct
            for (file, _, name), (_, _, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
            if "'recv_into' of '_socket.socket'" in name
        )
        print(
            f"  profile {label}: wall {wall:.1f}s, database {db:.1f}s ({_pct(db, wall)} %), "
            f"waiting for the sandbox {http:.1f}s ({_pct(http, wall)} %), {path}"
        )
        costliest = sorted(self.sql.items(), key=lambda kv: -kv[1][1])
        for shape, (n, secs) in costliest[:8]:
            print(f"    {secs:7.2f}s {n:>5}×  {shape[:160]}")
        (out / f"{label}.sql.txt").write_text(
            "".join(f"{secs:.3f}s {n}x {shape}\n\n" for shape, (n, secs) in costliest)
        )
        stats.sort_stats("cumulative").print_stats(25)


def _sql_shape(sql: str) -> str:
    """A statement without its literal lists, so repeats of one query group together."""
    import re

    return re.sub(r"\(%s(?:, %s)*\)", "(…)", " ".join(sql.split()))


def _timed_sync(
    business_pk: int, paced: list[float], profile: Profile | None = None
) -> tuple[Any, float, int]:
    """One sync of a business: its run, wall seconds and database queries."""
    from django.db import connection

    from sync.run import business_sync

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        if profile is None:
            run = business_sync(business_id=business_pk, sleep=paced.append)
        else:
            with connection.execute_wrapper(profile.timed):
                profile.profiler.enable()
                try:
                    run = business_sync(business_id=business_pk, sleep=paced.append)
                finally:
                    profile.profiler.disable()
    return run, time.perf_counter() - started, queries[0]


def run_size(
    size: int, page_size: int | None = None, second: bool = True, profile: Path | None = None
) -> list[Row]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("flush", interactive=False, verbosity=0)
    connection.close()  # never fork with an open database connection
    sandbox = Sandbox(size)
    paced: list[float] = []
    try:
        settings.META_GRAPH_URL = sandbox.base_url
        settings.META_PAGE_SIZE = page_size or sandbox.world.config.page_size_cap
        businesses = connect_all(sandbox)
        in_portal = {b.meta_id for b in businesses}
        rows = []
        for business in businesses:
            bound = lower_bound(sandbox.world, business.meta_id, in_portal)
            http_before = sandbox.requests()
            tracemalloc.start()
            run, seconds, queries = _timed_sync(business.pk, paced)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rows.append(
                Row(
                    size=size,
                    business=business.name,
                    calls=run.graph_calls,
                    bound=bound,
                    http=sandbox.requests() - http_before,
                    seconds=seconds,
                    queries=queries,
                    peak_mib=peak / 2**20,
                    created=run.created_count,
                    status=run.status,
                    error=run.error,
                )
            )
        if second:
            # An hour later, nothing changed in Meta: listings plus the rolling slice of
            # per-asset reads (SYNC_EDGE_WINDOW_HOURS), without tracemalloc.
            import time_machine
            from django.utils import timezone

            later = timezone.now() + timedelta(hours=1)
            with time_machine.travel(later, tick=True):
                for row, business in zip(rows, businesses, strict=True):
                    http_before = sandbox.requests()
                    prof = Profile() if profile else None
                    run, seconds, queries = _timed_sync(business.pk, paced, prof)
                    if prof and profile:
                        prof.report(f"second-{size}-{business.pk}", seconds, profile)
                    row.again_calls = run.graph_calls
                    row.again_http = sandbox.requests() - http_before
                    row.again_seconds = seconds
                    row.again_queries = queries
                    row.again_status = run.status
    finally:
        sandbox.stop()
    if paced:
        print(f"  note: the client asked to pause {sum(paced):.1f}s (not slept)")
    return rows


# --- report ------------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "-"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}" if whole else "-"


def print_rows(rows: Sequence[Row]) -> None:
    head = (
        f"{'assets':>6}  {'business':<22} {'calls':>6} {'bound':>6} {'×':>5}  {'HTTP':>5} "
        f"{'bound':>5} {'×':>5}  {'wall s':>7} {'queries':>7} {'peak MiB':>8} {'created':>7}  status"
        f"  | 2nd: {'calls':>6} {'%':>5} {'HTTP':>5} {'wall s':>7} {'queries':>7}"
    )
    print(head)
    for r in rows:
        print(
            f"{r.size:>6}  {r.business[:22]:<22} {r.calls:>6} {r.bound.calls:>6} "
            f"{_ratio(r.calls, r.bound.calls):>5}  {r.http:>5} {r.bound.http:>5} "
            f"{_ratio(r.http, r.bound.http):>5}  {r.seconds:>7.2f} {r.queries:>7} "
            f"{r.peak_mib:>8.1f} {r.created:>7}  {r.status}"
            f"  |      {r.again_calls:>6} {_pct(r.again_calls, r.calls):>5} {r.again_http:>5} "
            f"{r.again_seconds:>7.2f} {r.again_queries:>7}"
        )
    for r in rows:
        if r.error:
            print(f"  {r.business} ({r.size}): {r.error[:300]}")


@dataclass
class Totals:
    calls: int
    bound: int
    http: int
    seconds: float
    queries: int
    peak_mib: float
    created: int
    again_calls: int = 0
    again_seconds: float = 0.0
    again_queries: int = 0


def totals(rows: Sequence[Row]) -> Totals:
    return Totals(
        calls=sum(r.calls for r in rows),
        bound=sum(r.bound.calls for r in rows),
        http=sum(r.http for r in rows),
        seconds=sum(r.seconds for r in rows),
        queries=sum(r.queries for r in rows),
        peak_mib=max(r.peak_mib for r in rows),
        created=sum(r.created for r in rows),
        again_calls=sum(r.again_calls for r in rows),
        again_seconds=sum(r.again_seconds for r in rows),
        again_queries=sum(r.again_queries for r in rows),
    )


def print_summary(by_size: dict[int, list[Row]]) -> None:
    print()
    print(
        f"{'assets':>6}  {'calls':>6} {'bound':>6} {'HTTP':>5}  {'wall s':>7} {'queries':>7} "
        f"{'peak MiB':>8} {'created':>7}  | 2nd sync: {'calls':>6} {'% of 1st':>8} "
        f"{'wall s':>7} {'queries':>7}"
    )
    for size, rows in by_size.items():
        t = totals(rows)
        print(
            f"{size:>6}  {t.calls:>6} {t.bound:>6} {t.http:>5}  {t.seconds:>7.2f} {t.queries:>7} "
            f"{t.peak_mib:>8.1f} {t.created:>7}  |           {t.again_calls:>6} "
            f"{_pct(t.again_calls, t.calls):>8} {t.again_seconds:>7.2f} {t.again_queries:>7}"
        )
    sizes = sorted(by_size)
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    a, b = totals(by_size[small]), totals(by_size[large])
    print()
    print(f"ratios {large}/{small} (items {large / small:.1f}×):")
    for label, x, y in (
        ("Graph calls", a.calls, b.calls),
        ("HTTP requests", a.http, b.http),
        ("wall time", a.seconds, b.seconds),
        ("database queries", a.queries, b.queries),
        ("rows created", a.created, b.created),
        ("peak memory (largest sync)", a.peak_mib, b.peak_mib),
    ):
        print(f"  {label:<27} {_ratio(y, x):>7}")


# --- database ----------------------------------------------------------------------------------


def create_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated asset counts (default 500,5000)",
    )
    parser.add_argument(
        "--no-second",
        action="store_true",
        help="skip the second sync (an hour later, nothing changed in Meta)",
    )
    parser.add_argument(
        "--page-size",
        type=int,
        default=None,
        help="the sync's page size (default: the sandbox's largest, 500, as the bound assumes)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="profile each second sync: cProfile dumps in DIR, the database's and the "
        "sandbox's shares of its wall time, its costliest statements",
    )
    args = parser.parse_args(argv)
    _configure_env()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    own_database = "BENCH_DATABASE_URL" not in os.environ
    if own_database:
        create_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        by_size = {}
        for size in sizes:
            print(f"syncing a generated world of {size} assets…", flush=True)
            by_size[size] = run_size(
                size, args.page_size, second=not args.no_second, profile=args.profile
            )
        print()
        print_rows([row for rows in by_size.values() for row in rows])
        print_summary(by_size)
    finally:
        if own_database:
            drop_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
