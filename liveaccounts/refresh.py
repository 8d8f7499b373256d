"""Read each ad account's delivery with the client's own token, in batches, within the quota.

1. Skip a client Meta throttled (its sync_paused_until), whose business or app usage already
   stands at LIVE_ACCOUNTS_MAX_USAGE_PCT or more (``sync.budget``: the readings of every call
   the portal made, let go over Meta's hour), or that has no connection token.
2. Its owned ad accounts, LIVE_ACCOUNTS_BATCH at a time (two calls each, one batch POST).
3. After each batch, stop if any usage header reported LIVE_ACCOUNTS_MAX_USAGE_PCT or more:
   the syncs share this quota; the rest keep their last reading until the next run.
4. Per account: upsert its AccountActivity, or record Meta's error on it (others unaffected)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assets.models import Asset, AssetKind
from businesses.graph_access import NotConnectedError, business_client
from businesses.models import Business
from graph import GraphError, ThrottledError
from graph.insights import AccountActivity as Reading
from graph.insights import read_account_activity
from liveaccounts.models import AccountActivity
from sync.budget import usage_now_pct

logger = logging.getLogger(__name__)


@dataclass
class RefreshResult:
    read: int = 0
    failed: int = 0
    skipped: int = 0
    stopped_for_quota: bool = False


def _save(asset: Asset, reading: Reading | GraphError, now: datetime) -> bool:
    if isinstance(reading, GraphError):
        AccountActivity.objects.update_or_create(
            asset=asset, defaults={"error": reading.describe()[:500]}
        )
        return False
    AccountActivity.objects.update_or_create(
        asset=asset,
        defaults={
            "active_ads": reading.active_ads,
            "spend_7d": reading.spend_7d,
            "currency": reading.currency,
            "is_live": reading.is_live,
            "read_at": now,
            "error": "",
        },
    )
    return True


def account_activity_refresh(*, business: Business) -> RefreshResult:
    result = RefreshResult()
    now = timezone.now()
    accounts = list(
        Asset.objects.filter(
            owner_business=business, kind=AssetKind.AD_ACCOUNT, removed_at__isnull=True
        ).order_by("pk")
    )
    if business.sync_paused_until and business.sync_paused_until > now:
        result.skipped = len(accounts)
        return result
    if usage_now_pct(business) >= settings.LIVE_ACCOUNTS_MAX_USAGE_PCT:
        result.stopped_for_quota = True
        result.skipped = len(accounts)
        logger.info("Live accounts of %s: not read, the quota budget is spent.", business.pk)
        return result
    size = settings.LIVE_ACCOUNTS_BATCH
    try:
        with business_client(business) as (client, ledger):
            for start in range(0, len(accounts), size):
                chunk = accounts[start : start + size]
                readings = read_account_activity(client, [a.meta_id for a in chunk])
                with transaction.atomic():
                    for asset in chunk:
                        if _save(asset, readings[asset.meta_id], now):
                            result.read += 1
                        else:
                            result.failed += 1
                ledger.flush()
                if ledger.max_usage_pct >= settings.LIVE_ACCOUNTS_MAX_USAGE_PCT:
                    result.stopped_for_quota = True
                    result.skipped = len(accounts) - start - len(chunk)
                    break
    except NotConnectedError:
        result.skipped = len(accounts)
    except ThrottledError:
        result.stopped_for_quota = True
        result.skipped = len(accounts) - result.read - result.failed
    if result.stopped_for_quota:
        logger.info("Live accounts of %s: stopped at the quota budget.", business.pk)
    return result
