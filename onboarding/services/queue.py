"""Queueing the run after commit. The task module imports the run (and so this package): the
task is looked up when called, so either module may be imported first."""

from __future__ import annotations

import logging

from businesses.queueing import BROKER_ERRORS, note_enqueue_failure
from onboarding import tasks

logger = logging.getLogger(__name__)


def run_enqueue(onboarding_id: int) -> None:
    """Queue the onboarding's run (callers do it on commit)."""
    try:
        tasks.onboarding_run_task.delay(onboarding_id)
    except BROKER_ERRORS:
        # Saved; the status page's "try again" queues it once the task queue is back.
        logger.warning("event=enqueue_failed task=onboarding_run id=%s", onboarding_id)
        note_enqueue_failure(f"onboarding:{onboarding_id}")
