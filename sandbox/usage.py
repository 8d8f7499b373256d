"""Per-business and per-app sliding-window call counting behind Meta's usage headers.

Meta documents the header shapes (DOMAIN §6.3) but not the Business Management quota formula
(§6.4 UNCONFIRMED), so the quota is a setting: tests shrink it to drive usage and throttling.
Percentages are whole numbers like Meta's; ``estimated_time_to_regain_access`` is in minutes.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable
from typing import Any


class UsageTracker:
    def __init__(
        self,
        clock: Callable[[], float],
        *,
        business_quota: int = 10_000,
        app_quota: int = 100_000,
        window_seconds: float = 3600.0,
    ) -> None:
        self._clock = clock
        self.business_quota = business_quota
        self.app_quota = app_quota
        self.window_seconds = window_seconds
        self._business_calls: dict[str, deque[float]] = {}
        self._app_calls: dict[str, deque[float]] = {}
        # business id -> header fields forced by a test (merged over the computed ones).
        self._overrides: dict[str, dict[str, Any]] = {}

    # --- configuration (tests) ---------------------------------------------------------------

    def configure(
        self,
        *,
        business_quota: int | None = None,
        app_quota: int | None = None,
        window_seconds: float | None = None,
    ) -> None:
        if business_quota is not None:
            self.business_quota = business_quota
        if app_quota is not None:
            self.app_quota = app_quota
        if window_seconds is not None:
            self.window_seconds = window_seconds

    def override(self, business_id: str, **fields: Any) -> None:
        """Force header values for a business, e.g. ``call_count=100`` (which also throttles)."""
        self._overrides.setdefault(business_id, {}).update(fields)

    def clear(self) -> None:
        self._business_calls.clear()
        self._app_calls.clear()
        self._overrides.clear()

    # --- counting ----------------------------------------------------------------------------

    def _window(self, store: dict[str, deque[float]], key: str) -> deque[float]:
        calls = store.setdefault(key, deque())
        horizon = self._clock() - self.window_seconds
        while calls and calls[0] <= horizon:
            calls.popleft()
        return calls

    def record(self, business_id: str | None, app_id: str | None) -> None:
        now = self._clock()
        if business_id:
            self._window(self._business_calls, business_id).append(now)
        if app_id:
            self._window(self._app_calls, app_id).append(now)

    def business_calls(self, business_id: str) -> int:
        return len(self._window(self._business_calls, business_id))

    def _regain_minutes(self, calls: deque[float], quota: int) -> int:
        if len(calls) < quota or not calls:
            return 0
        # The window frees up once the call that pushed it over quota ages out.
        index = len(calls) - quota
        frees_at = calls[index] + self.window_seconds
        return max(1, math.ceil((frees_at - self._clock()) / 60))

    def business_usage(self, business_id: str, tier: str) -> dict[str, Any]:
        calls = self._window(self._business_calls, business_id)
        pct = min(100, math.floor(100 * len(calls) / max(1, self.business_quota)))
        usage: dict[str, Any] = {
            "type": "ads_management",
            "call_count": pct,
            # Time shares are not observable locally; derived so they move with the count.
            "total_cputime": pct // 2,
            "total_time": pct // 2,
            "estimated_time_to_regain_access": self._regain_minutes(calls, self.business_quota),
            "ads_api_access_tier": tier,
        }
        usage.update(self._overrides.get(business_id, {}))
        return usage

    def app_usage(self, app_id: str | None) -> dict[str, int]:
        if not app_id:
            return {"call_count": 0, "total_time": 0, "total_cputime": 0}
        calls = self._window(self._app_calls, app_id)
        pct = min(100, math.floor(100 * len(calls) / max(1, self.app_quota)))
        return {"call_count": pct, "total_time": pct // 2, "total_cputime": pct // 2}

    def throttle_minutes(self, business_id: str | None, tier: str) -> int | None:
        """Minutes to wait when this business is over quota, else None."""
        if not business_id:
            return None
        usage = self.business_usage(business_id, tier)
        if max(usage["call_count"], usage["total_time"], usage["total_cputime"]) >= 100:
            return max(1, int(usage.get("estimated_time_to_regain_access") or 1))
        return None

    def headers(self, business_id: str | None, app_id: str | None, tier: str) -> list[tuple]:
        buc: dict[str, Any] = {}
        if business_id:
            buc[business_id] = [self.business_usage(business_id, tier)]
        return [
            ("X-App-Usage", json.dumps(self.app_usage(app_id), separators=(",", ":"))),
            ("X-Business-Use-Case-Usage", json.dumps(buc, separators=(",", ":"))),
        ]
