"""Settings for the Graph client, passed in by the caller (the client never reads Django)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GraphConfig:
    base_url: str
    version: str
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_retries: int = 5
    page_size: int = 100
    usage_slowdown_pct: int = 75
    user_agent: str = "bm-portal/1.0"
    # Back-off: full jitter, sleep = uniform(0, min(cap, base * 2**attempt)).
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    # Wait when Meta throttles without saying for how long (no Retry-After exists, DOMAIN 6.3).
    throttle_default_wait: float = 60.0
    # A throttle longer than this is not slept through inside a worker: the error is raised so
    # the task can be rescheduled with countdown=err.retry_after instead of holding a worker.
    max_throttle_wait: float = 300.0
    # Longest pause before a call when usage headers report the slowdown threshold or more.
    slowdown_max_seconds: float = 30.0
    # One retry budget per client (a client serves one sync run or one push): retries of all
    # its calls together stop here (None: only max_retries per call applies).
    retry_budget: int | None = None
    # Meta is unreachable once this many calls in a row got no answer (refused, timed out), or
    # the first of them began this many seconds ago: every later call fails at once.
    unreachable_after: int = 3
    unreachable_seconds: float = 20.0

    @property
    def api_root(self) -> str:
        return self.base_url.rstrip("/") + "/" + self.version.strip("/")

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)
