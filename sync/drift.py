"""Drift: what changed in Meta that the portal did not do, recorded as the sync finds it.

A business's first sync finds everything new, which is not drift: nothing is recorded then.
Events are kept in memory during the run and written in one statement at its end."""

from __future__ import annotations

from typing import Any

from businesses.models import Business
from sync.models import DriftEvent, SyncRun


class DriftRecorder:
    def __init__(self, business: Business, run: SyncRun, *, first_sync: bool) -> None:
        self.business = business
        self.run = run
        self.first_sync = first_sync
        self.events: list[DriftEvent] = []

    def note(self, kind: str, summary: str, **details: Any) -> None:
        if self.first_sync:
            return
        self.events.append(
            DriftEvent(
                business=self.business,
                sync_run=self.run,
                kind=kind,
                summary=summary[:500],
                details=details,
            )
        )

    def flush(self) -> None:
        if self.events:
            DriftEvent.objects.bulk_create(self.events)
            self.events = []
