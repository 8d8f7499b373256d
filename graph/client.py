"""GraphClient: what Meta's Graph API offers on top of one call (transport.py): listings
followed page by page, many objects by id, batches of up to 50 calls, and the token
endpoints. Retries, pacing and the call ledger are the transport's (see its docstring).

    client = GraphClient(GraphConfig(base_url=..., version="v25.0"), token, app_secret=...)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from .batch import MAX_BATCH, BatchRequest, BatchResult, encode_batch, not_processed_error
from .batch import parse_item as parse_batch_item
from .errors import GraphError, MalformedResponseError, ReduceDataError, ThrottledError
from .transport import CallRecord, MetaUnreachableError, Transport
from .types import ExchangedToken, Page, TokenInfo, parse_exchanged_token, parse_token_info
from .wire import log_path

__all__ = [
    "BatchRequest",
    "BatchResult",
    "CallRecord",
    "GraphClient",
    "MetaUnreachableError",
    "Page",
]

logger = logging.getLogger(__name__)

MAX_IDS = 50  # Meta's cap on ?ids= is not documented; 50 matches batch (DOMAIN 7.4, UNCONFIRMED)


class GraphClient(Transport):
    """One token's client: `GraphClient(config, access_token, app_secret=..., business_id=...,
    on_call=...)` (the arguments are Transport's)."""

    # --- listings ---------------------------------------------------------------------

    def iter_pages(
        self,
        path: str,
        *,
        fields: Sequence[str] | str | None = None,
        params: Mapping[str, Any] | None = None,
        page_size: int | None = None,
    ) -> Iterator[Page[dict[str, Any]]]:
        """Yield every page of an edge, following `paging.next` until Meta sends none.

        `path` may also be a `paging.next` URL (to continue a listing from a batch item). An
        empty page that still carries `next` is not the end (privacy filtering, DOMAIN 7.1).
        When Meta asks for less data (code 1, "Please reduce the amount of data") the page is re-asked at half the size, and the
        following pages go back to the normal size.
        """
        size = page_size or self.config.page_size
        query: dict[str, Any] = dict(params or {})
        if fields:
            query["fields"] = fields if isinstance(fields, str) else ",".join(fields)
        target = path
        seen_links: set[str] = set()
        number = 0
        while True:
            body = self._get_page(target, query, size)
            data = body.get("data")
            if not isinstance(data, list):
                raise MalformedResponseError("a listing answer had no data list")
            paging = body.get("paging")
            next_link = paging.get("next") if isinstance(paging, Mapping) else None
            number += 1
            items = [item for item in data if isinstance(item, dict)]
            yield Page(items=items, number=number, is_last=not next_link)
            if not next_link:
                return
            if next_link in seen_links:
                raise MalformedResponseError("Meta repeated a next link; the listing would loop")
            seen_links.add(next_link)
            target, query = str(next_link), {}

    def iter_edge(
        self,
        path: str,
        *,
        fields: Sequence[str] | str | None = None,
        params: Mapping[str, Any] | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        for page in self.iter_pages(path, fields=fields, params=params, page_size=page_size):
            yield from page.items

    def _get_page(self, target: str, query: dict[str, Any], size: int) -> dict[str, Any]:
        limit = size
        while True:
            try:
                return self.get(target, {**query, "limit": limit})
            except ReduceDataError:
                if limit <= 1:
                    raise
                limit = max(1, limit // 2)
                logger.info(
                    "Meta asked for less data on %s; page size now %s", log_path(target), limit
                )

    def get_ids(
        self, ids: Iterable[str], fields: Sequence[str] | str | None = None
    ) -> dict[str, dict[str, Any]]:
        """Read many objects with `GET /?ids=a,b,c`, 50 ids per request."""
        unique = list(dict.fromkeys(str(i) for i in ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(unique), MAX_IDS):
            params: dict[str, Any] = {"ids": ",".join(unique[start : start + MAX_IDS])}
            if fields:
                params["fields"] = fields if isinstance(fields, str) else ",".join(fields)
            body = self.get("/", params)
            found.update({k: v for k, v in body.items() if isinstance(v, dict)})
        return found

    # --- batch ------------------------------------------------------------------------

    def batch(self, requests: Sequence[BatchRequest]) -> list[BatchResult]:
        """Run calls in batches of 50; one result per request, in order.

        Items Meta did not process (`null`) and items that failed transiently or were throttled
        are re-sent (only those, and for writes only under the rules in the module docstring),
        at most `max_retries` times. Permanent item errors are returned in the result, not
        raised; a failure of the whole batch POST is raised.
        """
        results: list[BatchResult | None] = [None] * len(requests)
        for start in range(0, len(requests), MAX_BATCH):
            chunk = list(range(start, min(start + MAX_BATCH, len(requests))))
            self._run_batch(requests, chunk, results)
        return [r for r in results if r is not None]

    def _run_batch(
        self,
        requests: Sequence[BatchRequest],
        pending: list[int],
        results: list[BatchResult | None],
    ) -> None:
        attempt = 0
        while pending:
            sent = [requests[i] for i in pending]
            started, t0 = datetime.now(UTC), time.monotonic()
            answer = self._call(
                "POST",
                "/",
                {"batch": encode_batch(sent), "include_headers": "false"},
                idempotent=all(r.is_idempotent for r in sent),
                expect=list,
                record_success=False,
            )
            duration = int((time.monotonic() - t0) * 1000)
            retry: list[int] = []
            waits: list[GraphError] = []
            for pos, index in enumerate(pending):
                item = answer[pos] if pos < len(answer) else None
                result = parse_batch_item(
                    requests[index], item, default_retry_after=self.config.throttle_default_wait
                )
                if result is None:
                    results[index] = BatchResult(requests[index], None, None, not_processed_error())
                    retry.append(index)
                    continue
                self._record_item(result, started, duration)
                results[index] = result
                err = result.error
                if err is not None and self._may_retry(err, requests[index].is_idempotent):
                    retry.append(index)
                    waits.append(err)
            if not retry or attempt >= self.config.max_retries or not self._spend_retry():
                return
            throttled = [e for e in waits if isinstance(e, ThrottledError)]
            if any(self._too_long(e) for e in throttled):
                return  # leave the throttled results for the caller to reschedule
            waits_s = [self._backoff(attempt, e) for e in throttled]
            wait = max(waits_s or [self._backoff(attempt, None)])
            logger.warning(
                "Re-sending %s of %s batch items in %.1fs", len(retry), len(pending), wait
            )
            self._rest(wait)
            attempt += 1
            pending = retry

    def _record_item(self, result: BatchResult, started: datetime, duration: int) -> None:
        err = result.error
        self._emit(
            CallRecord(
                method=result.request.method.upper(),
                path=result.request.path,
                business_id=self.business_id,
                status=result.status,
                error_code=err.code if err else None,
                duration_ms=duration,
                started_at=started,
                error_subcode=err.subcode if err else None,
                fbtrace_id=err.fbtrace_id if err else None,
                in_batch=True,
                **self._usage_readings(),
            )
        )

    # --- tokens -----------------------------------------------------------------------

    def debug_token(self, input_token: str, *, app_id: str, app_secret: str) -> TokenInfo:
        """Inspect a token with the app token `app_id|app_secret` (DOMAIN 5.1)."""
        body = self._call(
            "GET",
            "/debug_token",
            {"input_token": input_token},
            idempotent=True,
            token=f"{app_id}|{app_secret}",
            # GUESS: the app token already contains the secret, so no proof is sent with it.
            proof=False,
        )
        data = body.get("data")
        if not isinstance(data, dict):
            raise MalformedResponseError("debug_token answered without a data object")
        return parse_token_info(data)

    def exchange_token(
        self, token: str, *, app_id: str, app_secret: str, expiring: bool = True
    ) -> ExchangedToken:
        """Refresh/extend a token via fb_exchange_token (DOMAIN 3.5 step 4, 5.2)."""
        params: dict[str, Any] = {
            "grant_type": "fb_exchange_token",
            "client_id": app_id,
            "client_secret": app_secret,
            "fb_exchange_token": token,
        }
        if expiring:
            params["set_token_expires_in_60_days"] = True
        body = self._call("GET", "/oauth/access_token", params, idempotent=True, token=None)
        return parse_exchanged_token(body)

    def exchange_code(
        self, code: str, *, app_id: str, app_secret: str, redirect_uri: str
    ) -> ExchangedToken:
        """Exchange a Login dialog `code` for a token (DOMAIN 5.4)."""
        params = {
            "client_id": app_id,
            "client_secret": app_secret,
            "redirect_uri": redirect_uri,
            "code": code,
        }
        # A code is single-use: a retry after an unknown outcome would fail anyway, but a GET
        # that never reached Meta is still worth re-sending, which the GET rules allow.
        body = self._call("GET", "/oauth/access_token", params, idempotent=True, token=None)
        return parse_exchanged_token(body)

    def revoke_token(self, token_to_revoke: str, *, app_id: str, app_secret: str) -> bool:
        """Revoke a token now (DOMAIN 3.5 step 5); the client's own token is the caller's."""
        params = {"client_id": app_id, "client_secret": app_secret, "revoke_token": token_to_revoke}
        body = self._call("GET", "/oauth/revoke", params, idempotent=True)
        return _truthy(body.get("success"))


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
