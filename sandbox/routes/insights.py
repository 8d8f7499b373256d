"""An ad account's ``ads`` and ``insights`` edges, enough to tell which accounts are live.

Shapes from the official SDK: ``AdAccount.get_ads`` (adobjects/adaccount.py, ``/ads``,
``effective_status`` ``list<string>`` of ``Ad.EffectiveStatus``; the SDK asks for ``summary``)
and ``AdAccount.get_insights`` (``/insights``, ``date_preset`` of ``AdsInsights.DatePreset``;
fields from adobjects/adsinsights.py, ``spend`` a decimal string). The sandbox models one
window, ``last_7d``; any other preset of the SDK's list is a param error here rather than a
made-up number. Meta answers an account with no delivery in the window with empty ``data``.

A test or scenario gives an account activity with ``set_activity``; it is kept on the asset
under ``__`` keys, which no ``fields=`` can select."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import errors
from ..context import Ctx
from ..entities import Asset
from ..registry import edge
from ..world import World

# Ad.EffectiveStatus (adobjects/ad.py).
EFFECTIVE_STATUSES = frozenset(
    {
        "ACTIVE", "ADSET_PAUSED", "ARCHIVED", "CAMPAIGN_PAUSED", "DELETED", "DISAPPROVED",
        "IN_PROCESS", "PAUSED", "PENDING_BILLING_INFO", "PENDING_REVIEW", "PREAPPROVED",
        "WITH_ISSUES",
    }
)  # fmt: skip
# AdsInsights.DatePreset (adobjects/adsinsights.py).
DATE_PRESETS = frozenset(
    {
        "data_maximum", "last_14d", "last_28d", "last_30d", "last_3d", "last_7d", "last_90d",
        "last_month", "last_quarter", "last_week_mon_sun", "last_week_sun_sat", "last_year",
        "maximum", "this_month", "this_quarter", "this_week_mon_today",
        "this_week_sun_today", "this_year", "today", "yesterday",
    }
)  # fmt: skip


def set_activity(
    world: World, account_id: str, *, active: int = 0, paused: int = 0, spend_7d: str = "0"
) -> None:
    asset = world.assets[account_id]
    ads = [{"id": f"{asset.fields['account_id']}{n:04d}", "effective_status": "ACTIVE"}
           for n in range(active)]  # fmt: skip
    ads += [{"id": f"{asset.fields['account_id']}9{n:03d}", "effective_status": "PAUSED"}
            for n in range(paused)]  # fmt: skip
    asset.fields["__ads"] = ads
    asset.fields["__spend_7d"] = spend_7d


@edge("ad_account", "ads", item="ad")
def list_ads(ctx: Ctx, account: Asset) -> list[dict[str, Any]]:
    raw = ctx.param("effective_status")
    wanted: set[str] | None = None
    if raw:
        try:
            wanted = (
                set(json.loads(raw))
                if raw.startswith("[")
                else set(ctx.list_param("effective_status"))
            )
        except ValueError as exc:
            raise errors.param_error("Param effective_status must be an array") from exc
        unknown = wanted - EFFECTIVE_STATUSES
        if unknown:
            raise errors.param_error(
                f"Param effective_status[0] must be one of {{{', '.join(sorted(EFFECTIVE_STATUSES))}}}"
                f" - got {sorted(unknown)[0]}"
            )
    return [
        {
            "id": ad["id"],
            "effective_status": ad["effective_status"],
            "status": ad["effective_status"],
        }
        for ad in account.fields.get("__ads", [])
        if wanted is None or ad["effective_status"] in wanted
    ]


@edge("ad_account", "insights", item="ads_insights")
def account_insights(ctx: Ctx, account: Asset) -> list[dict[str, Any]]:
    preset = ctx.param("date_preset") or "last_30d"
    if preset not in DATE_PRESETS:
        raise errors.param_error(
            f"Param date_preset must be one of {{{', '.join(sorted(DATE_PRESETS))}}}"
        )
    if preset != "last_7d":
        raise errors.param_error("The sandbox models only date_preset=last_7d")
    spend = account.fields.get("__spend_7d", "0")
    if spend in ("0", "0.00", ""):
        return []
    today = datetime.now(UTC).date()
    return [
        {
            "account_id": account.fields["account_id"],
            "account_currency": account.fields.get("currency", "USD"),
            "spend": spend,
            "date_start": (today - timedelta(days=7)).isoformat(),
            "date_stop": (today - timedelta(days=1)).isoformat(),
        }
    ]
