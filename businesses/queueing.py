"""Sending tasks to the queue without ever losing the work.

Every enqueue of a push, a system-user creation or a sync run goes through ``enqueue``. The row
the task is about is committed first (the enqueue runs on commit); if the broker cannot take the
message, the error is caught, the row is marked ``waiting_for_queue`` and the staff member is
told the change is saved and will be sent when the queue is back. The sweeper
(``sync.sweeper.queue_sweep``, every minute on the beat) sends marked rows again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.contrib import messages
from django.db import models
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

QUEUE_DOWN_MESSAGE = "Saved; the task queue is unavailable, it will be sent when it is back."

# The failed enqueues of the current request (or task), for the message to the staff member.
_failures: ContextVar[list[str] | None] = ContextVar("enqueue_failures", default=None)

# What a broker outage looks like to a sender: kombu's OperationalError (a KombuError) wraps
# connection errors; a raw socket error can still escape from some transports.
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuError, OSError)


def enqueue(task: Any, *args: Any, row: models.Model, **options: Any) -> bool:
    """Send ``task`` with ``args``; on a broker error mark ``row`` waiting for the queue.

    Returns True when the broker took the message. Never raises a broker error: the work is
    in the database and the sweeper sends it later."""
    if task.app.conf.task_always_eager:
        # No broker (the demo): the task runs here and its own errors are its own.
        task.apply_async(args=args, **options)
        return True
    try:
        task.apply_async(args=args, **options)
    except BROKER_ERRORS as err:
        type(row)._default_manager.filter(pk=row.pk).update(waiting_for_queue=True)
        logger.warning(
            "event=enqueue_failed task=%s model=%s id=%s error=%s",
            task.name,
            row._meta.label,
            row.pk,
            type(err).__name__,
        )
        note_enqueue_failure(f"{row._meta.label}:{row.pk}")
        return False
    return True


def note_enqueue_failure(what: str) -> None:
    """Record, for the staff member's message, that something could not be queued."""
    failures = _failures.get()
    if failures is not None:
        failures.append(what)


class QueueOutageMessageMiddleware:
    """Tells the staff member when a change was saved but its task could not be queued.

    Sits below MessageMiddleware, so the warning is stored with the response (shown on the page
    the staff member lands on next, as after any admin action)."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _failures.set([])
        try:
            response = self.get_response(request)
            if _failures.get() and hasattr(request, "_messages"):
                messages.warning(request, QUEUE_DOWN_MESSAGE)
        finally:
            _failures.reset(token)
        return response
