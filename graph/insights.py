"""Which ad accounts are live: active ads and spend over the last 7 days (Marketing API, ads_read).

Two GETs per ad account, sent in batches (graph/batch.py: 50 per POST):
- ``act_X/ads?effective_status=["ACTIVE"]&fields=id&limit=1&summary=true`` — the SDK's
  ``AdAccount.get_ads`` (adobjects/adaccount.py, endpoint ``/ads``, param ``effective_status``
  ``list<string>``, values from ``Ad.EffectiveStatus``) is built with the default
  ``include_summary=True``, so it sends ``summary=true`` and reads ``summary.total_count``;
  one row is enough to get the count.
- ``act_X/insights?date_preset=last_7d&fields=spend,account_currency`` — ``AdAccount.get_insights``
  (adobjects/adaccount.py, endpoint ``/insights``, ``date_preset`` from
  ``AdsInsights.DatePreset.last_7d``); ``spend`` and ``account_currency`` are ``AdsInsights``
  fields (adobjects/adsinsights.py), ``spend`` a decimal string. No spend: an empty ``data``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from .batch import BatchRequest
from .client import GraphClient
from .errors import GraphError, MalformedResponseError

INSIGHTS_FIELDS = "spend,account_currency"


@dataclass(frozen=True, slots=True)
class AccountActivity:
    account_id: str
    active_ads: int
    spend_7d: Decimal
    currency: str

    @property
    def is_live(self) -> bool:
        return self.active_ads > 0 or self.spend_7d > 0


def _ads_url(account_id: str) -> str:
    params = {
        "effective_status": json.dumps(["ACTIVE"]),
        "fields": "id",
        "limit": 1,
        "summary": "true",
    }
    return f"{account_id}/ads?{urlencode(params)}"


def _insights_url(account_id: str) -> str:
    params = {"date_preset": "last_7d", "fields": INSIGHTS_FIELDS}
    return f"{account_id}/insights?{urlencode(params, safe=',')}"


def _active_count(body: dict[str, Any] | None) -> int:
    summary = (body or {}).get("summary")
    count = summary.get("total_count") if isinstance(summary, dict) else None
    if not isinstance(count, int):
        raise MalformedResponseError("the ads listing had no summary.total_count")
    return count


def _spend(body: dict[str, Any] | None) -> tuple[Decimal, str]:
    data = (body or {}).get("data")
    if not isinstance(data, list):
        raise MalformedResponseError("the insights answer had no data list")
    total, currency = Decimal("0"), ""
    for row in data:
        try:
            total += Decimal(str(row.get("spend", "0")))
        except InvalidOperation as exc:
            raise MalformedResponseError("insights spend was not a number") from exc
        currency = currency or str(row.get("account_currency", ""))
    return total, currency


def read_account_activity(
    client: GraphClient, account_ids: Iterable[str]
) -> dict[str, AccountActivity | GraphError]:
    """Per account, its activity or the error Meta gave for it (the others are unaffected)."""
    ids = list(dict.fromkeys(account_ids))
    requests: list[BatchRequest] = []
    for account_id in ids:
        requests += [
            BatchRequest("GET", _ads_url(account_id)),
            BatchRequest("GET", _insights_url(account_id)),
        ]
    results = client.batch(requests)
    out: dict[str, AccountActivity | GraphError] = {}
    for i, account_id in enumerate(ids):
        ads, insights = results[2 * i], results[2 * i + 1]
        error = ads.error or insights.error
        if error is not None:
            out[account_id] = error
            continue
        try:
            spend, currency = _spend(insights.body)
            out[account_id] = AccountActivity(account_id, _active_count(ads.body), spend, currency)
        except MalformedResponseError as err:
            out[account_id] = err
    return out
