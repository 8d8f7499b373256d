"""A chunk whose process died on this machine is taken by the next delivery at once, without
waiting out its lease; one whose process still runs, or ran on another machine, is not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from sync.chunk_holder import holder_here, holder_is_gone
from sync.chunks import sync_chunk_run
from sync.models import SyncChunk, SyncRun
from sync.run import business_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_chunks(settings) -> None:
    settings.SYNC_CHUNK_ASSETS = 3


def a_finished_process() -> str:
    """The holder name of a real process of this machine that has already exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return f"{socket.gethostname()}/{child.stdout.strip()}"


def held_chunk(cast, no_sleep, holder: str) -> SyncChunk:
    """The first chunk of a big run, held under a lease that still runs for half an hour."""
    run = business_sync(business_id=cast.acme.pk, sleep=no_sleep)
    chunk = SyncChunk.objects.filter(run=run).order_by("index").first()
    SyncChunk.objects.filter(pk=chunk.pk).update(
        state=SyncChunk.State.RUNNING, attempts=1, worker=holder
    )
    return chunk


def test_this_process_is_a_living_holder():
    assert not holder_is_gone(holder_here())
    assert holder_here() == f"{socket.gethostname()}/{os.getpid()}"


def test_a_process_that_exited_is_a_gone_holder():
    assert holder_is_gone(a_finished_process())


def test_a_holder_on_another_machine_is_never_taken_for_gone():
    assert not holder_is_gone(f"not-{socket.gethostname()}/{2**22 + 1}")


def test_a_chunk_held_by_a_process_that_died_here_is_taken_again_at_once(
    cast, sb, no_sleep, redis_broker
):
    chunk = held_chunk(cast, no_sleep, a_finished_process())

    assert sync_chunk_run(chunk.pk, worker=holder_here(), sleep=no_sleep) == SyncChunk.State.DONE
    assert SyncChunk.objects.get(pk=chunk.pk).attempts == 2


def test_a_chunk_held_by_a_living_process_is_left_to_it(cast, sb, no_sleep, redis_broker):
    chunk = held_chunk(cast, no_sleep, holder_here())
    calls_before = len(sb.requests)

    assert sync_chunk_run(chunk.pk, worker=holder_here(), sleep=no_sleep) == "taken"
    assert len(sb.requests) == calls_before
    assert SyncChunk.objects.get(pk=chunk.pk).attempts == 1
    assert SyncRun.objects.get(pk=chunk.run_id).status == SyncRun.Status.RUNNING
