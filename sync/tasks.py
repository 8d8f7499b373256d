"""Thin tasks: load by id, call the service, decide what happens next by the outcome.

Task names are explicit and keep the names they had before the apps were re-layered, so
periodic tasks stored in the beat schedule and messages already queued keep resolving. The
sync run's own task lives in ``sync.run_task`` (the services below send it), a big run's chunk
task in ``sync.chunk_task``; they are imported here so the worker's task discovery registers
them with the others."""

from __future__ import annotations

from celery import shared_task

from businesses.actors import Actor
from sync.chunk_task import sync_chunk_task
from sync.run_task import business_sync_task
from sync.services import sync_dispatch_due
from sync.sweeper import queue_sweep

__all__ = ["business_sync_task", "dispatch_due_syncs", "queue_sweep_task", "sync_chunk_task"]


@shared_task(name="businesses.tasks.dispatch_due_syncs", acks_late=True)
def dispatch_due_syncs(limit: int = 500) -> int:
    """Queue the due syncs the quota allows; returns how many were queued."""
    return sync_dispatch_due(actor=Actor.task("scheduler"), limit=limit).dispatched


@shared_task(name="businesses.tasks.queue_sweep_task", acks_late=True)
def queue_sweep_task() -> int:
    """Send again what the task queue never got (every minute on the beat)."""
    return queue_sweep().sent
