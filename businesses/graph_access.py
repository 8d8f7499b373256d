"""The Django side of the Graph client: build a client for a business from its stored
credentials, and keep the call ledger. The client itself knows nothing of Django."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings

from businesses.models import AccessToken, Business, DeveloperApp, GraphCall
from graph import CallRecord, GraphClient, GraphConfig

logger = logging.getLogger(__name__)


class NotConnectedError(Exception):
    """The portal holds no working token for this business."""


def graph_config() -> GraphConfig:
    return GraphConfig(
        base_url=settings.META_GRAPH_URL,
        version=settings.META_GRAPH_VERSION,
        connect_timeout=settings.META_CONNECT_TIMEOUT,
        read_timeout=settings.META_READ_TIMEOUT,
        max_retries=settings.META_MAX_RETRIES,
        page_size=settings.META_PAGE_SIZE,
        usage_slowdown_pct=settings.META_USAGE_SLOWDOWN_PCT,
        retry_budget=settings.META_RETRY_BUDGET,
        unreachable_after=settings.META_UNREACHABLE_AFTER,
        unreachable_seconds=settings.META_UNREACHABLE_SECONDS,
    )


def _whole_pct(pct: float | None) -> int | None:
    return None if pct is None else min(100, int(pct))


class CallLedger:
    """Collects the client's call records and writes them in bulk (one INSERT per 1,000 calls:
    a 50k-asset sync makes ~30k counted calls, and one INSERT per 50 was most of its queries)."""

    def __init__(self, app: DeveloperApp | None, flush_every: int = 1000) -> None:
        self.app_id = app.pk if app is not None else None
        self.flush_every = flush_every
        self.pending: list[GraphCall] = []
        self.count = 0
        self.max_usage_pct = 0

    def __call__(self, record: CallRecord) -> None:
        self.count += 1
        if record.usage_pct is not None:
            self.max_usage_pct = max(self.max_usage_pct, int(record.usage_pct))
        self.pending.append(
            GraphCall(
                at=record.started_at,
                app_id=self.app_id,
                business_meta_id=record.business_id or "",
                method=record.method[:8],
                path=record.path[:255],
                status=record.status,
                error_code=record.error_code,
                duration_ms=max(0, record.duration_ms),
                app_usage_pct=_whole_pct(record.app_usage_pct),
                business_usage_pct=_whole_pct(record.business_usage_pct),
            )
        )
        if len(self.pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            GraphCall.objects.bulk_create(batch)


def connection_token(business: Business) -> AccessToken:
    token = (
        AccessToken.objects.filter(
            business=business, purpose=AccessToken.Purpose.CONNECTION, is_active=True
        )
        .select_related("app")
        .first()
    )
    if token is None:
        raise NotConnectedError(
            f"{business.name} ({business.meta_id}) has no connection token: connect it first "
            "(manage.py connect_business, or onboarding)."
        )
    if not token.is_valid:
        raise NotConnectedError(
            f"The token for {business.name} ({business.meta_id}) is marked invalid"
            f"{': ' + token.invalid_reason if token.invalid_reason else ''}. Connect a new one."
        )
    return token


@contextmanager
def graph_client(
    *,
    token: str,
    app: DeveloperApp | None,
    business_meta_id: str | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[tuple[GraphClient, CallLedger]]:
    """A client for one token, its calls written to the ledger when the block ends."""
    ledger = CallLedger(app)
    kwargs = {"sleep": sleep} if sleep is not None else {}
    client = GraphClient(
        graph_config(),
        token,
        app_secret=(app.reveal_secret() or None) if app is not None else None,
        business_id=business_meta_id,
        on_call=ledger,
        **kwargs,
    )
    try:
        yield client, ledger
    finally:
        client.close()
        try:
            ledger.flush()
        except Exception:
            # Losing ledger rows must never turn a finished Meta write into a reported failure.
            logger.exception("Could not write %s Graph call records", len(ledger.pending))


@contextmanager
def app_client(app: DeveloperApp) -> Iterator[tuple[GraphClient, CallLedger]]:
    """A client holding the app access token (`{app_id}|{app_secret}`), for app-level edges.
    The app token contains the secret already, so no appsecret_proof goes with it."""
    ledger = CallLedger(app)
    client = GraphClient(graph_config(), f"{app.meta_id}|{app.reveal_secret()}", on_call=ledger)
    try:
        yield client, ledger
    finally:
        client.close()
        ledger.flush()


@contextmanager
def business_client(
    business: Business, *, sleep: Callable[[float], None] | None = None
) -> Iterator[tuple[GraphClient, CallLedger]]:
    token = connection_token(business)
    app = token.app or business.app
    with graph_client(
        token=token.reveal(), app=app, business_meta_id=business.meta_id, sleep=sleep
    ) as pair:
        yield pair
