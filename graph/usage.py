"""Usage headers: how close the app is to Meta's rate limits (DOMAIN 6.3).

All three headers are JSON strings of percentages. A malformed header is ignored rather than
failing the call: usage is advice for pacing, never a reason to lose a good answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

APP_USAGE = "X-App-Usage"
BUSINESS_USAGE = "X-Business-Use-Case-Usage"
AD_ACCOUNT_USAGE = "X-Ad-Account-Usage"
INSIGHTS_THROTTLE = "X-FB-Ads-Insights-Throttle"

_PCT_KEYS = ("call_count", "total_cputime", "total_time")


@dataclass(frozen=True, slots=True)
class Usage:
    """One response's usage: the highest percentage of any quota, overall and per business."""

    app_pct: float = 0.0
    ad_account_pct: float = 0.0
    business_pct: dict[str, float] = field(default_factory=dict)
    # Seconds until a throttled quota frees up: estimated_time_to_regain_access (minutes) * 60,
    # or the ad account's reset_time_duration (seconds) when that is all Meta sent.
    regain_seconds: float = 0.0
    seen: bool = False  # whether any usage header was present at all

    @property
    def max_pct(self) -> float:
        return max([self.app_pct, self.ad_account_pct, *self.business_pct.values()])


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 and number == number else None  # drops NaN and negatives


def _load(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return None


def _max_of(obj: Any, keys: tuple[str, ...]) -> float:
    if not isinstance(obj, Mapping):
        return 0.0
    values = [_number(obj.get(k)) for k in keys]
    return max([v for v in values if v is not None], default=0.0)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, val in headers.items():
        if key.lower() == lowered:
            return val
    return None


def parse_usage(headers: Mapping[str, str]) -> Usage:
    app = _load(_header(headers, APP_USAGE))
    account = _load(_header(headers, AD_ACCOUNT_USAGE))
    insights = _load(_header(headers, INSIGHTS_THROTTLE))
    buc = _load(_header(headers, BUSINESS_USAGE))
    seen = any(x is not None for x in (app, account, insights, buc))

    app_pct = max(_max_of(app, _PCT_KEYS), _max_of(insights, ("app_id_util_pct",)))
    account_pct = max(
        _max_of(account, ("acc_id_util_pct",)), _max_of(insights, ("acc_id_util_pct",))
    )
    regain = 0.0
    if account_pct >= 100:
        regain = _max_of(account, ("reset_time_duration",))

    per_business: dict[str, float] = {}
    if isinstance(buc, Mapping):
        for object_id, entries in buc.items():
            rows = entries if isinstance(entries, list) else [entries]
            for row in rows:
                pct = _max_of(row, _PCT_KEYS)
                per_business[str(object_id)] = max(per_business.get(str(object_id), 0.0), pct)
                minutes = _max_of(row, ("estimated_time_to_regain_access",))
                regain = max(regain, minutes * 60)
    return Usage(
        app_pct=app_pct,
        ad_account_pct=account_pct,
        business_pct=per_business,
        regain_seconds=regain,
        seen=seen,
    )
