"""Book benchmark (issue 12, item 7): a book of businesses kept fresh by Celery workers.

    python bench/book_bench.py                                   # 100 businesses × 1,000 assets
    python bench/book_bench.py --businesses 20 --assets-per-business 500
    python bench/book_bench.py --businesses 4 --assets-per-business 50 --workers 1,2 --threads 0

A ``sandbox.scenarios.generated`` world with ``--businesses`` clients of about
``--assets-per-business`` assets each (the agency that owns the app is in the world but not in the
book) is served by a ``SandboxServer`` in a child process, with every HTTP request held
``--latency-ms`` (the sandbox's own "slow" fault on every request: it has no separate latency
setting) and its quota settings (``UsageTracker``: calls per business and per app in a sliding
hour; Meta documents no formula for Business Management endpoints, so these are the sandbox's
guesses, ``--business-quota`` / ``--app-quota``).

For each column (1, 4, 8 prefork processes, then the threads pool at ``--threads``) the book is
set up afresh in PostgreSQL (``bookbench_run``, created and dropped here) through the operator
commands ``register_app`` and ``connect_business``, a fresh sandbox is forked (so no column pays
for another's quota), ``celery worker`` is started on Redis db 7 (its own queue name, never a
flush), and every business is sent ``businesses.tasks.business_sync_task`` by name: the first
pass ends when every business has a finished run (time to full freshness); a second pass at once
(nothing changed in Meta) measures the incremental sync. Graph calls are counted from the call
ledger (``GraphCall``, each batch item one call, as Meta counts them).

The bench only uses task names, commands and the ``Business`` / ``SyncRun`` / ``GraphCall`` models,
so it survives the engine moving inside ``sync/``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/book_bench.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SYNC_TASK = "businesses.tasks.business_sync_task"
# The sandbox's largest page, as sync_bench uses: the fewest listing calls.
PAGE_SIZE = 500
# A generated world gives its agency about this share of the assets; the rest go to the clients.
AGENCY_SHARE = 0.1


# --- the sandbox, in its own process ------------------------------------------------------------


def book_world(businesses: int, assets_per_business: int, seed: int = 1) -> Any:
    from sandbox.scenarios import generated

    assets = math.ceil(businesses * assets_per_business / (1 - AGENCY_SHARE)) + 1
    return generated(assets=assets, people=max(50, assets // 20), clients=businesses, seed=seed)


def _serve(world: Any, latency: float, quotas: tuple[int, int], conn: Any) -> None:
    """Child process: serve the world; answer "requests" with the HTTP count until "stop"."""
    from sandbox.faults import FaultPlan
    from sandbox.server import SandboxServer

    world.usage.configure(business_quota=quotas[0], app_quota=quotas[1])
    faults = FaultPlan(rate=1.0, kinds=("slow",), delay=latency) if latency > 0 else FaultPlan()
    with SandboxServer(world=world, faults=faults) as server:
        conn.send(server.base_url)
        while (message := conn.recv()) != "stop":
            conn.send(len(server.requests) if message == "requests" else None)


class Sandbox:
    """A fork of this process serving ``world`` (built once here, copied on write)."""

    def __init__(self, world: Any, latency: float, quotas: tuple[int, int]) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.proc = context.Process(
            target=_serve, args=(world, latency, quotas, child), daemon=True
        )
        self.proc.start()
        self.base_url = self.conn.recv()

    def requests(self) -> int:
        self.conn.send("requests")
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send("stop")
        self.proc.join(timeout=10)


# --- the workers ---------------------------------------------------------------------------------


class Worker:
    """``celery -A config worker`` in its own process group, on the bench's own queue."""

    def __init__(self, pool: str, concurrency: int, queue: str, env: dict[str, str]) -> None:
        self.pool, self.concurrency, self.queue, self.env = pool, concurrency, queue, env
        self.log = Path(tempfile.mkstemp(prefix=f"book_bench_{pool}{concurrency}_")[1])
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> Worker:
        # "sync" too: a throttled run re-queues itself there (the task's own routing).
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", f"{self.queue},sync",
             "--pool", self.pool, "--concurrency", str(self.concurrency), "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
             "--hostname", f"{self.queue}-{self.pool}{self.concurrency}@%h"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one, by its id
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while " ready." not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        return self

    def processes(self) -> list[int]:
        """The processes that run tasks: the pool's children, or the main one for threads."""
        assert self.proc is not None
        if self.pool != "prefork":
            return [self.proc.pid]
        found = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def peak_rss_mib(self) -> float:
        """The highest peak resident set (VmHWM) of a task-running process."""
        peaks = [0.0]
        for pid in self.processes():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def stop(self) -> None:
        if self.proc is None:
            return
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.unlink(missing_ok=True)


# --- the book, through the operator commands ------------------------------------------------------


def _command(name: str, *args: str, stdin: str) -> None:
    """Run an operator command in this process, its secret on standard input as documented."""
    from django.core.management import call_command

    saved = sys.stdin
    sys.stdin = io.StringIO(stdin + "\n")
    try:
        call_command(name, *args, stdout=io.StringIO())
    finally:
        sys.stdin = saved


def connect_book(creds: dict[str, Any]) -> list[int]:
    """Register the app and connect every client of the world: the book's business ids."""
    from businesses.models import Business

    app_id = creds["app_id"]
    _command("register_app", app_id, "--name", "Book bench app", "--access-level", "standard",
             "--secret-stdin", stdin=creds["app_secret"])  # fmt: skip
    for client in creds["clients"]:
        _command("connect_business", client["business_id"], "--app", app_id, "--token-stdin",
                 stdin=client["admin_user_token"])  # fmt: skip
    metas = [c["business_id"] for c in creds["clients"]]
    return list(Business.objects.filter(meta_id__in=metas).values_list("pk", flat=True))


# --- one pass, one column -----------------------------------------------------------------------


@dataclass
class Pass:
    seconds: float = 0.0
    calls: int = 0
    http: int = 0
    busiest: int = 0  # the most calls one business made
    errors: int = 0  # ledger rows with a Graph error (throttling included)
    chunks: int = 0  # chunk tasks of a big business's per-asset reads (SYNC_CHUNK_ASSETS)
    chunk_processes: int = 0  # distinct worker processes that ran chunks
    cpu_busy_pct: float = 0.0  # the machine's CPUs busy during the pass (every process on it)
    fresh: int = 0  # businesses whose run succeeded
    statuses: dict[str, int] = field(default_factory=dict)


@dataclass
class Column:
    pool: str
    concurrency: int
    first: Pass
    second: Pass
    rss_mib: float

    @property
    def label(self) -> str:
        return f"{self.pool} {self.concurrency}"


def _last_pk(model: Any) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of every CPU of the machine so far (Linux ``/proc/stat``)."""
    with contextlib.suppress(OSError):
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields) - idle, sum(fields)
    return 0, 0


def run_pass(pks: Sequence[int], send: Any, sandbox: Sandbox, timeout: float) -> Pass:
    """Send every business its sync by task name; wait until each has a finished run."""
    from django.db.models import Count, Max
    from django.utils import timezone

    from businesses.models import GraphCall
    from sync.models import SyncChunk, SyncRun

    call_base, run_base = _last_pk(GraphCall), _last_pk(SyncRun)
    http_before = sandbox.requests()
    sent_at = timezone.now()
    busy_before, total_before = cpu_times()
    for pk in pks:
        send(pk)
    deadline = time.monotonic() + timeout
    finished = SyncRun.objects.filter(pk__gt=run_base, status__in=SyncRun.FINISHED)
    while finished.values("business_id").distinct().count() < len(pks):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the pass did not finish within {timeout:.0f}s")
        time.sleep(0.2)
    busy_after, total_after = cpu_times()
    last = finished.aggregate(last=Max("finished_at"))["last"]
    calls = GraphCall.objects.filter(pk__gt=call_base)
    per_business = calls.values("business_meta_id").annotate(n=Count("pk"))
    statuses = dict(
        SyncRun.objects.filter(pk__gt=run_base)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return Pass(
        seconds=(last - sent_at).total_seconds(),
        calls=calls.count(),
        http=sandbox.requests() - http_before,
        busiest=max((row["n"] for row in per_business), default=0),
        errors=calls.filter(error_code__isnull=False).count(),
        cpu_busy_pct=100 * (busy_after - busy_before) / max(1, total_after - total_before),
        chunks=SyncChunk.objects.filter(run__pk__gt=run_base).count(),
        chunk_processes=SyncChunk.objects.filter(run__pk__gt=run_base)
        .values("worker")
        .distinct()
        .count(),
        fresh=finished.filter(status__in=SyncRun.SUCCESSFUL)
        .values("business_id")
        .distinct()
        .count(),
        statuses=statuses,
    )


@dataclass
class Setup:
    world: Any
    latency: float
    quotas: tuple[int, int]
    broker: str
    database_url: str
    timeout: float
    analyze: bool = True
    chunk_assets: int = 2000


def run_column(setup: Setup, pool: str, concurrency: int) -> Column:
    """A fresh book, a fresh sandbox and a fresh worker: a first pass, then a no-change pass."""
    from celery import Celery
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("flush", interactive=False, verbosity=0)
    connection.close()  # never fork with an open database connection
    sandbox = Sandbox(setup.world, setup.latency, setup.quotas)
    queue = f"book-bench-{os.getpid()}"
    sender = Celery("book_bench", broker=setup.broker, set_as_current=False)
    sender.conf.task_serializer = "json"
    worker = Worker(
        pool,
        concurrency,
        queue,
        {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": setup.database_url,
            "CELERY_BROKER_URL": setup.broker,
            "META_GRAPH_URL": sandbox.base_url,
            "META_PAGE_SIZE": str(PAGE_SIZE),
            "LOG_LEVEL": "INFO",  # the worker says " ready." at INFO
            "SYNC_CHUNK_ASSETS": str(setup.chunk_assets),
        },
    )
    saved_url = settings.META_GRAPH_URL
    try:
        settings.META_GRAPH_URL = sandbox.base_url  # connect_business checks tokens with it
        pks = connect_book(setup.world.credentials)
        worker.start()

        def send(pk: int) -> None:
            sender.send_task(SYNC_TASK, args=[pk], queue=queue)

        first = run_pass(pks, send, sandbox, setup.timeout)
        if setup.analyze:
            # The first pass bulk-loaded every table: without fresh statistics PostgreSQL plans
            # the incremental sync's due-asset query as a nested loop over rows it thinks are 1
            # (seconds per slice). Autovacuum would have analyzed by the next hourly sync.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        second = run_pass(pks, send, sandbox, setup.timeout)
        rss = worker.peak_rss_mib()
    finally:
        settings.META_GRAPH_URL = saved_url
        worker.stop()
        sandbox.stop()
        sender.close()
    return Column(pool, concurrency, first, second, rss)


# --- the table and the extrapolation --------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _x(part: float, whole: float) -> str:
    return f"{part / whole:.2f}×" if whole else "-"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _per_hour(calls: int, seconds: float) -> float:
    return calls * 3600 / seconds if seconds > 0 else 0.0


def table(columns: Sequence[Column], businesses: int, quotas: tuple[int, int]) -> list[str]:
    """One markdown table: a row per figure, a column per worker configuration."""
    base = next((c for c in columns if c.pool == "prefork" and c.concurrency == 1), columns[0])
    business_quota, app_quota = quotas
    rows: list[tuple[str, list[str]]] = [
        ("time to full freshness, s", [f"{c.first.seconds:.1f}" for c in columns]),
        ("businesses fresh", [f"{c.first.fresh}/{businesses}" for c in columns]),
        ("Graph calls, 1st pass (ledger)", [_n(c.first.calls) for c in columns]),
        ("HTTP requests, 1st pass", [_n(c.first.http) for c in columns]),
        (
            "calls per hour, 1st pass",
            [_n(_per_hour(c.first.calls, c.first.seconds)) for c in columns],
        ),
        (
            f"  vs the app quota ({_n(app_quota)}/h)",
            [_pct(_per_hour(c.first.calls, c.first.seconds), app_quota) for c in columns],
        ),
        (
            f"busiest business vs its quota ({_n(business_quota)}/h)",
            [_pct(c.first.busiest, business_quota) for c in columns],
        ),
        ("Graph calls, 2nd pass (no change)", [_n(c.second.calls) for c in columns]),
        ("2nd / 1st pass calls", [_pct(c.second.calls, c.first.calls) for c in columns]),
        ("2nd pass time, s", [f"{c.second.seconds:.1f}" for c in columns]),
        (
            f"throughput vs {base.label}",
            [_x(base.first.seconds, c.first.seconds) for c in columns],
        ),
        ("peak RSS per worker process, MiB", [f"{c.rss_mib:.0f}" for c in columns]),
        (
            f"CPUs busy during the 1st pass ({os.cpu_count()} cores, every process)",
            [f"{c.first.cpu_busy_pct:.0f} %" for c in columns],
        ),
        (
            "chunk tasks, 1st pass (processes that ran them)",
            [f"{c.first.chunks} ({c.first.chunk_processes})" for c in columns],
        ),
        (
            "Graph errors in the ledger (both passes)",
            [_n(c.first.errors + c.second.errors) for c in columns],
        ),
    ]
    lines = [
        "| figure | " + " | ".join(c.label for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return lines


@dataclass
class Extrapolation:
    first_calls: float
    again_calls: float
    business_calls: float
    quota_hours: float
    worker_hours: float
    workers_needed: int
    hours_with: dict[str, float]
    again_per_hour_pct: float
    again_worker_hours: float
    freshest_hours: float


def extrapolate(
    columns: Sequence[Column],
    businesses: int,
    assets_per_business: int,
    quotas: tuple[int, int],
    target_businesses: int,
    target_assets: int,
) -> Extrapolation:
    """Scale the measured per-business figures linearly in assets to the target book.

    Per-worker speed comes from the fewest-process prefork column (worker-seconds per business);
    each other column adds its own measured scaling efficiency."""
    app_quota = quotas[1]
    measured_assets = businesses * assets_per_business
    scale = target_businesses * target_assets / measured_assets
    base = min(
        (c for c in columns if c.pool == "prefork"), key=lambda c: c.concurrency, default=columns[0]
    )
    first_calls = columns[0].first.calls * scale
    again_calls = columns[0].second.calls * scale
    worker_hours = base.first.seconds * base.concurrency * scale / 3600
    again_worker_hours = base.second.seconds * base.concurrency * scale / 3600
    quota_hours = first_calls / app_quota
    hours_with = {}
    for c in columns:
        # The column's measured speed relative to its base, per process.
        speedup = base.first.seconds / c.first.seconds * base.concurrency
        hours_with[c.label] = worker_hours / speedup
    return Extrapolation(
        first_calls=first_calls,
        again_calls=again_calls,
        business_calls=first_calls / target_businesses,
        quota_hours=quota_hours,
        worker_hours=worker_hours,
        workers_needed=max(1, math.ceil(worker_hours / quota_hours)) if quota_hours else 1,
        hours_with=hours_with,
        again_per_hour_pct=100 * again_calls / app_quota,
        again_worker_hours=again_worker_hours,
        freshest_hours=max(again_calls / app_quota, 0.0),
    )


def extrapolation_lines(
    e: Extrapolation, quotas: tuple[int, int], target: tuple[int, int]
) -> list[str]:
    business_quota, app_quota = quotas
    books, assets = target
    per_config = ", ".join(
        f"{label} {hours:.1f} h (under the quota {max(hours, e.quota_hours):.1f} h)"
        for label, hours in e.hours_with.items()
    )
    return [
        f"Extrapolation to {books:,} businesses × {assets:,} assets ({books * assets:,} assets), "
        "linear in assets from the measured per-business figures:",
        f"- first pass: {_n(e.first_calls)} counted calls; the app quota of {_n(app_quota)}/h "
        f"alone needs ≥ {e.quota_hours:.1f} h. Each business makes {_n(e.business_calls)} "
        f"calls, {_pct(e.business_calls, business_quota)} of its own {_n(business_quota)}/h"
        + (
            ": the app quota, not the business one, is the limit."
            if e.business_calls < business_quota
            else ": over a business's own quota, so each first sync is paced by it too."
        ),
        f"- workers: {e.worker_hours:.1f} worker-hours of first syncs at this latency. Full "
        f"freshness, worker-bound at each configuration's measured speed: {per_config}. "
        f"{e.workers_needed} worker process(es) make the quota, not the workers, the limit "
        "(linear scaling assumed).",
        f"- then hourly no-change syncs: {_n(e.again_calls)} calls per pass, "
        f"{e.again_per_hour_pct:.0f} % of the app quota per hour, "
        f"{e.again_worker_hours:.2f} worker-hours per pass "
        f"({max(1, math.ceil(e.again_worker_hours))} process(es) for an hourly pass). "
        + (
            f"The quota allows a full pass at best every {e.freshest_hours:.1f} h."
            if e.freshest_hours > 1
            else "The quota allows an hourly pass."
        ),
    ]


# --- database and main --------------------------------------------------------------------------


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _ints(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    add = parser.add_argument
    add("--businesses", type=int, default=100, help="businesses in the book (1000: the full book)")
    add("--assets-per-business", type=int, default=1000)
    add("--workers", default="1,4,8", help="prefork process counts, one column each")
    add("--threads", type=int, default=8, help="threads-pool concurrency column (0: none)")
    add("--latency-ms", type=float, default=100.0, help="held on every sandbox request")
    add("--business-quota", type=int, default=10_000, help="sandbox calls/hour per business")
    add("--app-quota", type=int, default=100_000, help="sandbox calls/hour per app")
    add("--target-businesses", type=int, default=1000)
    add("--target-assets-per-business", type=int, default=1000)
    add("--timeout", type=float, default=3600.0, help="seconds one pass may take")
    add("--no-analyze", action="store_true", help="no ANALYZE between the passes")
    add(
        "--chunk-assets",
        type=int,
        default=2000,
        help="the workers' SYNC_CHUNK_ASSETS: a business with more due assets is split into "
        "chunk tasks of this many",
    )
    add("--db-name", default=os.environ.get("BENCH_DB_NAME", "bookbench_run"))
    add("--broker", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7"))
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, database_url: str) -> tuple[list[Column], list[str]]:
    """Every column, then the table and the extrapolation (Django is set up, the DB migrated)."""
    quotas = (args.business_quota, args.app_quota)
    started = time.perf_counter()
    world = book_world(args.businesses, args.assets_per_business)
    print(f"built a world of {world.count():,} assets in {time.perf_counter() - started:.0f}s",
          flush=True)  # fmt: skip
    setup = Setup(
        world,
        args.latency_ms / 1000,
        quotas,
        args.broker,
        database_url,
        args.timeout,
        analyze=not args.no_analyze,
        chunk_assets=args.chunk_assets,
    )
    configs = [("prefork", n) for n in _ints(args.workers)]
    configs += [("threads", args.threads)] if args.threads > 0 else []
    columns = []
    for pool, concurrency in configs:
        print(f"{pool} {concurrency}: syncing {args.businesses} businesses twice…", flush=True)
        columns.append(run_column(setup, pool, concurrency))
        print(f"  fresh in {columns[-1].first.seconds:.1f}s", flush=True)
    target = (args.target_businesses, args.target_assets_per_business)
    estimate = extrapolate(columns, args.businesses, args.assets_per_business, quotas, *target)
    lines = [
        f"Book of {args.businesses} businesses × ~{args.assets_per_business:,} assets "
        f"({world.count():,} assets in the world, the agency's included), "
        f"{args.latency_ms:.0f} ms per request, quotas {_n(quotas[0])}/h per business and "
        f"{_n(quotas[1])}/h per app (sandbox settings; Meta documents none for these endpoints); "
        + ("ANALYZE between the passes." if setup.analyze else "no ANALYZE between the passes."),
        "",
        *table(columns, args.businesses, quotas),
        "",
        *extrapolation_lines(estimate, quotas, target),
    ]
    for c in columns:
        bad = {
            s: n for s, n in {**c.first.statuses}.items() if s not in ("succeeded", "with_warnings")
        }
        if bad:
            lines.append(f"{c.label}: first-pass runs not successful: {bad}")
    return columns, lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{args.db_name}"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    own_database = "BENCH_DATABASE_URL" not in os.environ
    if own_database:
        create_database(args.db_name)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        _, lines = measure(args, database_url)
        print("\n".join(lines))
    finally:
        if own_database:
            drop_database(args.db_name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
