"""Fault injection: what Meta (or the network in front of it) does on a bad day.

``FaultPlan`` is thread-safe. Faults come from two sources, scripted first:
- scripted: ``plan.add("500", method="GET", path_contains="owned_ad_accounts", page=3, times=1)``
  fires on matching requests (``page`` = 1-based page of a paged edge, derived from ``after``);
- random: ``FaultPlan(rate=0.1, seed=7, kinds=[...])`` picks a kind for that share of requests.

A fault is applied *before* the request touches the world, so a faulted write never
half-applies, except ``applied_then_500`` (the write is applied, then a 500 is returned) which
exists to test client idempotency.

Kinds: "500", "503", "throttle" (80004/2446079 by default; ``code=17`` or ``code=613``),
"slow" (``delay`` seconds, then a normal answer), "timeout" (holds ``hold`` seconds, then a 500),
"malformed_json", "truncated_json", "html", "empty", "error_200" (HTTP 200 with an error body),
"batch_null" (null items in a batch answer; ``items=[i, ...]`` or a random half),
"applied_then_500".
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from . import errors

KINDS = (
    "500",
    "503",
    "throttle",
    "slow",
    "timeout",
    "malformed_json",
    "truncated_json",
    "html",
    "empty",
    "error_200",
    "batch_null",
    "applied_then_500",
)
# Random faults never hold connections for long or apply writes unless asked to.
RANDOM_DEFAULT = (
    "500",
    "503",
    "throttle",
    "malformed_json",
    "truncated_json",
    "html",
    "empty",
    "error_200",
    "batch_null",
)
# Kinds that can also replace one item inside a batch answer.
ITEM_KINDS = ("500", "503", "throttle", "error_200")


@dataclass
class Fault:
    kind: str
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any) -> Any:
        return self.options.get(name, default)

    def as_error(self) -> errors.GraphError:
        """The Graph error this fault stands for (for kinds that have one)."""
        if self.kind == "throttle":
            code = int(self.option("code", 80004))
            default_sub = {80004: 2446079, 17: 2446079}.get(code)
            subcode = self.option("subcode", default_sub)
            return errors.throttled(code, subcode, int(self.option("regain_minutes", 1)), None)
        if self.kind == "error_200":
            err = errors.transient_server_error()
            err.status = 200
            return err
        if self.kind == "503":
            err = errors.transient_server_error()
            err.status = 503
            return err
        return errors.transient_server_error()


@dataclass
class ScriptedFault:
    fault: Fault
    method: str | None = None
    path_contains: str | None = None
    page: int | None = None
    times: int | None = 1  # None = every matching request
    fired: int = 0

    def matches(self, method: str, path: str, page: int, is_batch: bool) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.fault.kind == "batch_null" and not is_batch:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path_contains and self.path_contains not in path:
            return False
        return self.page is None or self.page == page


class FaultPlan:
    def __init__(
        self,
        rate: float = 0.0,
        seed: int = 0,
        kinds: tuple[str, ...] | list[str] | None = None,
        delay: float = 0.2,
        hold: float = 5.0,
    ) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.rate = rate
        self.kinds = tuple(kinds or RANDOM_DEFAULT)
        self.delay = delay
        self.hold = hold
        self._scripted: list[ScriptedFault] = []
        # (kind, method, path) of every fault that fired, for assertions.
        self.fired: list[tuple[str, str, str]] = []
        for kind in self.kinds:
            _check_kind(kind)

    def add(
        self,
        fault: str,
        method: str | None = None,
        path_contains: str | None = None,
        page: int | None = None,
        times: int | None = 1,
        **options: Any,
    ) -> ScriptedFault:
        _check_kind(fault)
        scripted = ScriptedFault(Fault(fault, options), method, path_contains, page, times)
        with self._lock:
            self._scripted.append(scripted)
        return scripted

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
            self.rate = 0.0

    def set_rate(self, rate: float, kinds: list[str] | tuple[str, ...] | None = None) -> None:
        with self._lock:
            self.rate = rate
            if kinds is not None:
                for kind in kinds:
                    _check_kind(kind)
                self.kinds = tuple(kinds)

    def pick(self, method: str, path: str, page: int = 1, is_batch: bool = False) -> Fault | None:
        with self._lock:
            for scripted in self._scripted:
                if scripted.matches(method, path, page, is_batch):
                    scripted.fired += 1
                    self.fired.append((scripted.fault.kind, method, path))
                    return _with_defaults(scripted.fault, self.delay, self.hold)
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            choices = [k for k in self.kinds if is_batch or k != "batch_null"]
            if not choices:
                return None
            kind = self._rng.choice(choices)
            self.fired.append((kind, method, path))
            return _with_defaults(Fault(kind), self.delay, self.hold)

    def pick_inner(self, method: str, path: str) -> errors.GraphError | None:
        """A scripted fault aimed at one item of a batch (only error-like kinds)."""
        with self._lock:
            for scripted in self._scripted:
                if scripted.fault.kind not in ITEM_KINDS or not scripted.path_contains:
                    continue
                if scripted.matches(method, path, 1, False):
                    scripted.fired += 1
                    self.fired.append((scripted.fault.kind, method, path))
                    return scripted.fault.as_error()
            return None

    def null_items(self, fault: Fault, count: int) -> set[int]:
        explicit = fault.options.get("items")
        if explicit is not None:
            return {int(i) for i in explicit if 0 <= int(i) < count}
        with self._lock:
            # A random half (at least one) of the batch is left unprocessed.
            chosen = self._rng.sample(range(count), max(1, count // 2)) if count else []
        return set(chosen)


def _with_defaults(fault: Fault, delay: float, hold: float) -> Fault:
    options = {"delay": delay, "hold": hold, **fault.options}
    return Fault(fault.kind, options)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
