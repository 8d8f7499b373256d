"""A failed sync is tried again with back-off (SYNC_RETRY_MINUTES), says when, and never moves
last_synced_at; a Meta that does not answer fails a run fast with "Meta unreachable"."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from businesses.models import Business, GraphCall
from sync.models import SyncRun
from sync.run import business_sync


def fail_every_read(sb) -> None:
    sb.faults.add("500", method="GET", times=None)


def test_a_failed_sync_keeps_last_synced_at_and_schedules_a_try_five_minutes_later(
    cast, sb, no_sleep
):
    assert business_sync(business_id=cast.acme.pk, sleep=no_sleep).status == "succeeded"
    synced_at = Business.objects.get(pk=cast.acme.pk).last_synced_at
    fail_every_read(sb)

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    acme = Business.objects.get(pk=cast.acme.pk)
    assert run.status == SyncRun.Status.FAILED
    assert acme.last_synced_at == synced_at
    assert acme.sync_failures_in_a_row == 1
    expected = run.finished_at + timedelta(minutes=5)
    assert abs((acme.sync_retry_at - expected).total_seconds()) < 5
    assert f"Next try at {timezone.localtime(acme.sync_retry_at):%H:%M} UTC." in run.error


def test_failures_in_a_row_back_off_five_fifteen_then_sixty_minutes(cast, sb, no_sleep, settings):
    settings.SYNC_RETRY_MINUTES = [5, 15, 60]
    fail_every_read(sb)
    delays = []
    with contextlib.ExitStack() as clock:
        for _ in range(4):
            run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
            acme = Business.objects.get(pk=cast.acme.pk)
            delays.append(round((acme.sync_retry_at - run.finished_at).total_seconds() / 60))
            clock.enter_context(
                time_machine.travel(acme.sync_retry_at + timedelta(seconds=1), tick=False)
            )
    assert delays == [5, 15, 60, 60]


def test_a_successful_sync_clears_the_retry_and_moves_last_synced_at(cast, sb, no_sleep):
    fault = sb.faults.add("500", method="GET", times=None)
    business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    fault.times = 0  # Meta is back

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    acme = Business.objects.get(pk=cast.acme.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert acme.sync_retry_at is None and acme.sync_failures_in_a_row == 0
    assert acme.last_synced_at >= run.started_at


def refused_url() -> str:
    """A loopback port nothing listens on: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class SilentServer:
    """Accepts connections and never answers (Meta hanging)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_meta_refusing_connections_fails_the_run_fast_with_meta_unreachable(
    cast, settings, no_sleep
):
    settings.META_GRAPH_URL = refused_url()
    started = time.monotonic()

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    elapsed = time.monotonic() - started
    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith("Meta unreachable")
    assert "Next try at" in run.error
    assert GraphCall.objects.filter(business_meta_id=cast.acme.meta_id, status=None).count() == 3
    assert len(no_sleep.waits) == 2  # one budget: two retries, then the run stops
    assert Business.objects.get(pk=cast.acme.pk).sync_retry_at is not None
    print(
        f"\nrefused: 'Meta unreachable' to a failed run in {elapsed:.2f}s (+{sum(no_sleep.waits):.2f}s of back-off)"
    )


@pytest.fixture
def silent_meta():
    server = SilentServer()
    yield server
    server.close()


def test_meta_never_answering_fails_the_run_after_the_unreachable_window(
    cast, settings, no_sleep, silent_meta
):
    settings.META_GRAPH_URL = silent_meta.url
    settings.META_READ_TIMEOUT = 0.5
    settings.META_UNREACHABLE_SECONDS = 1.0
    started = time.monotonic()

    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)

    elapsed = time.monotonic() - started
    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith("Meta unreachable")
    assert elapsed < 5, elapsed  # two read timeouts of 0.5 s crossed the 1 s window
    print(f"\nnever answers: failed run in {elapsed:.2f}s")
