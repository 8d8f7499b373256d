"""Syncs through a real Celery worker (prefork, two processes) on the real Redis, against the
sandbox. Rows are committed (transactional tests) so the worker's processes see them.

Waiting on another process cannot be injected away: ``wait_until`` polls the database with a
deadline, and nothing here waits out a retry or a back-off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import close_old_connections, connection

from businesses.actors import Actor
from businesses.models import Business
from sync.models import SyncRun
from sync.services import business_sync_request

from . import truth
from .conftest import BROKER

REPO = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 5  # seconds before Redis hands an unacknowledged task to another worker

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Worker:
    """``celery -A config worker`` in its own process group; ``start()`` waits for "ready"."""

    def __init__(
        self,
        graph_url: str,
        log: Path,
        *,
        pool: str = "prefork",
        concurrency: int = 2,
        env: dict[str, str] | None = None,
    ) -> None:
        self.pool = pool
        self.concurrency = concurrency
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",  # look for abandoned tasks every second
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
            "SYNC_LEASE_SECONDS": "3",
            "META_GRAPH_URL": graph_url,
            "LOG_LEVEL": "INFO",
            **(env or {}),
        }
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "sync,push,default",
                "--concurrency",
                str(self.concurrency),
                "--pool",
                self.pool,
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"engine-test-{self.log.stem}@%h",
            ],
            cwd=REPO,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as one, by its id
        )
        wait_until(lambda: " ready." in self.log.read_text(), what="the worker to be ready")
        return self

    def children(self) -> list[int]:
        assert self.proc is not None
        found = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def kill(self) -> None:
        """SIGKILL the pool processes and the main process: no chance to ack or clean up."""
        assert self.proc is not None
        for pid in self.children():
            os.kill(pid, signal.SIGKILL)
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or (self.proc.poll() is not None and not self._group_alive()):
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if self._group_alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True


def wait_until(condition: Callable[[], bool], *, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}.")
        time.sleep(0.1)


def status_of(run: SyncRun) -> str:
    close_old_connections()
    return SyncRun.objects.values_list("status", flat=True).get(pk=run.pk)


@pytest.fixture
def start_worker(sb, redis_broker, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start workers on demand; every one is stopped after the test, whatever happened."""
    started: list[Worker] = []

    def start(**options: Any) -> Worker:
        worker = Worker(sb.base_url, tmp_path / f"worker{len(started) + 1}.log", **options)
        started.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def request_sync(business: Business) -> SyncRun:
    try:
        return business_sync_request(
            business=business, trigger=SyncRun.Trigger.MANUAL, actor=Actor.command("test")
        )
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()


def test_a_requested_sync_runs_on_the_worker_and_succeeds(cast, sb, start_worker):
    start_worker()

    run = request_sync(cast.acme)

    wait_until(lambda: status_of(run) == SyncRun.Status.SUCCEEDED, what="the sync")
    run.refresh_from_db()
    assert run.graph_calls > 0 and run.created_count > 0
    assert truth.differences(truth.portal([cast.acme]), truth.meta(sb.world, [cast.acme])) == {}


def test_a_thread_pool_worker_syncs_every_client_at_once_each_equal_to_meta(cast, sb, start_worker):
    """Syncs wait on Meta far more than they compute, so one process with a pool of threads
    (``celery worker --pool threads``) serves several at once; each thread has its own database
    connection, which Celery's Django fix-up closes after every task."""
    start_worker(pool="threads", concurrency=4)
    clients = [cast.acme, cast.blue_harbor, cast.cedar_pine]

    runs = [request_sync(client) for client in clients]

    for run in runs:
        wait_until(lambda run=run: status_of(run) == SyncRun.Status.SUCCEEDED, what="every sync")
    assert truth.differences(truth.portal(clients), truth.meta(sb.world, clients)) == {}


def test_ten_simultaneous_triggers_run_one_sync_and_skip_the_rest(cast, sb, start_worker):
    # A slow answer to the sync's first call (the business node with every listing's first
    # page) keeps the first sync running while the other nine are delivered.
    sb.faults.add("slow", method="GET", path_contains=f"/{cast.acme.meta_id}", times=1, delay=3.0)
    start_worker()
    start, runs = threading.Barrier(10), []

    def trigger() -> None:
        start.wait()
        runs.append(request_sync(cast.acme))

    threads = [threading.Thread(target=trigger) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    finished = (SyncRun.Status.SUCCEEDED, SyncRun.Status.SKIPPED, SyncRun.Status.FAILED)
    wait_until(lambda: all(status_of(r) in finished for r in runs), what="all ten runs")
    statuses = sorted(SyncRun.objects.filter(business=cast.acme).values_list("status", flat=True))
    assert len(runs) == 10
    assert statuses == [SyncRun.Status.SKIPPED] * 9 + [SyncRun.Status.SUCCEEDED]
    node_reads = [
        r
        for r in sb.requests.matching("GET", f"/{cast.acme.meta_id}")
        if r["path"].endswith(f"/{cast.acme.meta_id}")
        and "owned_ad_accounts.limit(" in r["params"].get("fields", "")
    ]
    assert len(node_reads) == 1, "only one sync read the business"


def test_a_sync_whose_worker_is_killed_is_redelivered_and_finishes_the_same(cast, sb, start_worker):
    sb.faults.add("slow", method="GET", path_contains=f"/{cast.acme.meta_id}", times=1, delay=4.0)
    first = start_worker()
    run = request_sync(cast.acme)
    wait_until(lambda: ("slow", "GET") in [f[:2] for f in sb.faults.fired], what="the slow call")
    assert status_of(run) == SyncRun.Status.RUNNING

    first.kill()  # mid-sync: the task was never acknowledged
    assert status_of(run) == SyncRun.Status.RUNNING
    start_worker()

    wait_until(
        lambda: status_of(run) == SyncRun.Status.SUCCEEDED,
        what="the redelivered sync",
        timeout=VISIBILITY_TIMEOUT + 45,
    )
    acme = Business.objects.get(pk=cast.acme.pk)
    assert acme.sync_state == Business.SyncState.IDLE and acme.last_synced_at is not None
    assert list(acme.sync_runs.values_list("pk", flat=True)) == [run.pk]
    assert truth.differences(truth.portal([acme]), truth.meta(sb.world, [acme])) == {}
