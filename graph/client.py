"""The one place that speaks HTTP to Meta's Graph API (STYLE 8).

A GraphClient holds one token (and optionally the app secret for appsecret_proof) and one
requests.Session. Not thread-safe: create one per task/sync run.

Retries
-------
1. Only TransientError and ThrottledError are retried, at most `max_retries` times, sleeping
   `uniform(0, min(cap, base * 2**attempt))` (full jitter) and, when throttled, at least
   `retry_after`. A throttle longer than `max_throttle_wait` is raised at once so a worker is not
   held for it; the caller reschedules with the error's `retry_after`.
2. Reads (GET) and DELETE retry on every transient error.
3. A POST is retried only when the failure is known not to have been applied: Meta never saw it
   (connection refused / connect timeout), Meta refused it before doing anything (throttled,
   HTTP 503, code 3912 "changes not saved"), or the caller declared it idempotent (setting
   a user's task list twice leaves the same state). A read timeout, a reset connection or an
   unknown error after sending may mean the write happened: re-sending a non-idempotent write
   (create a system user, invite a person, generate a token) could then do it twice, so the
   error goes to the caller, whose read-back decides.
4. Token, permission, bad-request, two-factor, cap and policy errors are never retried.
5. One budget per client (one sync run or one push): all retries together stop at
   `retry_budget`. When calls in a row get no answer at all (connection refused, connect or
   read timeout) `unreachable_after` times, or for `unreachable_seconds` since the first of
   them began, Meta is taken to be unreachable: MetaUnreachableError is raised, and every later
   call of this client raises it at once without touching the network, so a run whose Meta is
   down stops within a minute instead of each section exhausting its own retries.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import requests.exceptions as rexc
import urllib3.exceptions

from .batch import MAX_BATCH, BatchRequest, BatchResult, encode_batch, not_processed_error
from .batch import parse_item as parse_batch_item
from .config import GraphConfig
from .encoding import appsecret_proof, encode_params
from .errors import (
    BadRequestError,
    GraphError,
    GraphTimeoutError,
    MalformedResponseError,
    ReduceDataError,
    ThrottledError,
    TransientError,
    error_from_envelope,
    error_from_status,
)
from .redaction import scrub_exception_chain
from .types import ExchangedToken, Page, TokenInfo, as_int, parse_token_info, text
from .usage import Usage, parse_usage

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
_AUTH_PARAMS = frozenset({"access_token", "appsecret_proof"})
_VERSION_RE = re.compile(r"^/v\d+(?:\.\d+)?(?=/|$)")
_DEFAULT = object()


class MetaUnreachableError(TransientError):
    """Calls in a row got no answer from Meta: the client stopped trying (Retries, 5)."""

    what_to_do = "The portal will try again later."

    def what_happened(self, said: str) -> str:
        return f"Meta unreachable ({said})."


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call to Meta, for the call ledger. Never holds a token or a query string.

    A batch is recorded as one record per item Meta processed (Meta counts each item as a call,
    DOMAIN 7.3); a batch envelope that failed as a whole is recorded once, with path "/".
    """

    method: str
    path: str  # "/123/owned_pages": no version prefix, no query
    business_id: str | None
    status: int | None  # None: no HTTP answer (timeout, connection error)
    error_code: int | None
    duration_ms: int
    started_at: datetime
    usage_pct: float | None
    error_subcode: int | None = None
    fbtrace_id: str | None = None
    in_batch: bool = False


class GraphClient:
    def __init__(
        self,
        config: GraphConfig,
        access_token: str,
        *,
        app_secret: str | None = None,
        business_id: str | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.business_id = business_id
        self._token = access_token
        self._app_secret = app_secret
        self._on_call = on_call
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter, not security
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = config.user_agent
        # Highest usage seen per business id (and app/ad account) during this client's life.
        self.usage = Usage()
        # The latest reading: pacing follows it because Meta's percentages decay over time.
        self.last_usage = Usage()
        # The retry budget and the unreachable detector (Retries, 5).
        self.retries_left = config.retry_budget
        self.unreachable: MetaUnreachableError | None = None
        self._unanswered = 0
        self._unanswered_since: float | None = None

    def __repr__(self) -> str:
        return f"<GraphClient {self.config.api_root} business={self.business_id}>"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def has_app_secret(self) -> bool:
        return bool(self._app_secret)

    # --- single calls ----------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._call("GET", path, params, idempotent=True)

    def post(
        self, path: str, data: Mapping[str, Any] | None = None, *, idempotent: bool = False
    ) -> dict[str, Any]:
        return self._call("POST", path, data, idempotent=idempotent)

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._call("DELETE", path, params, idempotent=True)

    # --- listings --------------------------------------------------------------------------

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
                return self._call("GET", target, {**query, "limit": limit}, idempotent=True)
            except ReduceDataError:
                if limit <= 1:
                    raise
                limit = max(1, limit // 2)
                logger.info("Meta asked for less data on %s; page size now %s", _p(target), limit)

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

    # --- batch -----------------------------------------------------------------------------

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
                usage_pct=self.last_usage.max_pct if self.last_usage.seen else None,
                error_subcode=err.subcode if err else None,
                fbtrace_id=err.fbtrace_id if err else None,
                in_batch=True,
            )
        )

    # --- tokens ------------------------------------------------------------------------------

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
        return _exchanged(body)

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
        return _exchanged(body)

    def revoke_token(self, token_to_revoke: str, *, app_id: str, app_secret: str) -> bool:
        """Revoke a token now (DOMAIN 3.5 step 5); the client's own token is the caller's."""
        params = {"client_id": app_id, "client_secret": app_secret, "revoke_token": token_to_revoke}
        body = self._call("GET", "/oauth/revoke", params, idempotent=True)
        return _truthy(body.get("success"))

    # --- the exchange itself -----------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        *,
        idempotent: bool,
        token: Any = _DEFAULT,
        proof: bool = True,
        expect: type = dict,
        record_success: bool = True,
    ) -> Any:
        attempt = 0
        while True:
            if self.unreachable is not None:
                raise self.unreachable
            self._pace()
            try:
                return self._exchange(method, path, params, token, proof, expect, record_success)
            except (TransientError, ThrottledError) as err:
                if self.unreachable is not None:
                    raise self.unreachable from err
                retryable = method == "GET" or idempotent or err.safe_to_resend
                if not retryable or attempt >= self.config.max_retries:
                    raise
                if isinstance(err, ThrottledError) and self._too_long(err):
                    raise
                if not self._spend_retry():
                    raise
                wait = self._backoff(attempt, err)
                logger.warning(
                    "Graph %s %s failed (%s); retry %s/%s in %.1fs",
                    method,
                    _p(path),
                    type(err).__name__,
                    attempt + 1,
                    self.config.max_retries,
                    wait,
                )
                self._rest(wait)
                attempt += 1

    def _spend_retry(self) -> bool:
        """Take one retry from the client's budget; False when it is spent."""
        if self.retries_left is None:
            return True
        if self.retries_left <= 0:
            logger.warning("Graph retry budget spent; not retrying")
            return False
        self.retries_left -= 1
        return True

    def _note_answer(self) -> None:
        self._unanswered, self._unanswered_since = 0, None

    def _note_no_answer(self, began: float) -> None:
        """A call got no answer at all; after enough in a row, Meta is unreachable."""
        self._unanswered += 1
        if self._unanswered_since is None:
            self._unanswered_since = began
        waited = time.monotonic() - self._unanswered_since
        if (
            self._unanswered >= self.config.unreachable_after
            or waited >= self.config.unreachable_seconds
        ):
            self.unreachable = MetaUnreachableError(
                f"no answer to {self._unanswered} call(s) in a row over {waited:.0f}s",
                safe_to_resend=True,
            )
            logger.warning("Meta unreachable: %s", self.unreachable.message)

    def _rest(self, seconds: float) -> None:
        """Sleep, and count the wait against Meta's regain estimate so it is not waited twice."""
        self._sleep(seconds)
        if self.last_usage.regain_seconds:
            left = max(0.0, self.last_usage.regain_seconds - seconds)
            # Once Meta's estimate has been waited out, its reading describes the past.
            self.last_usage = replace(self.last_usage, regain_seconds=left) if left else Usage()

    def _may_retry(self, err: GraphError, idempotent: bool) -> bool:
        if not isinstance(err, (TransientError, ThrottledError)):
            return False
        return idempotent or err.safe_to_resend

    def _too_long(self, err: ThrottledError) -> bool:
        return err.retry_after > self.config.max_throttle_wait

    def _backoff(self, attempt: int, err: GraphError | None) -> float:
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * 2**attempt)
        wait = self._rng.uniform(0, ceiling)
        if isinstance(err, ThrottledError):
            wait = max(wait, err.retry_after)
        return wait

    def _pace(self) -> None:
        """Slow down before Meta throttles: pause in proportion to the latest usage reading."""
        usage, threshold = self.last_usage, self.config.usage_slowdown_pct
        wait = 0.0
        if usage.seen and usage.max_pct >= threshold:
            share = (usage.max_pct - threshold) / max(1.0, 100.0 - threshold)
            wait = self.config.slowdown_max_seconds * min(1.0, max(0.05, share))
        if usage.regain_seconds > 0:
            wait = max(wait, min(usage.regain_seconds, self.config.max_throttle_wait))
        if wait > 0:
            logger.info("Graph usage %.0f%%: pausing %.1fs before the call", usage.max_pct, wait)
            self._rest(wait)

    def _resolve(self, path: str) -> tuple[str, dict[str, str]]:
        """Return (path relative to the version root, extra query params).

        A `paging.next` URL is reduced to its path and its non-secret parameters, then sent to
        our own api_root and signed again: tokens inside the link are never trusted or re-sent,
        and the link's host is never contacted.
        """
        if path.startswith(("http://", "https://")):
            parts = urlsplit(path)
            rel, query = parts.path, parts.query
            root = urlsplit(self.config.api_root).path.rstrip("/")
            if root and (rel == root or rel.startswith(root + "/")):
                rel = rel[len(root) :]
            else:
                rel = _VERSION_RE.sub("", rel)
        else:
            rel, _, query = path.partition("?")
            rel = _VERSION_RE.sub("", "/" + rel.lstrip("/"))
        extra = {k: v for k, v in parse_qsl(query, keep_blank_values=True) if k not in _AUTH_PARAMS}
        return "/" + rel.lstrip("/"), extra

    def _auth(self, token: Any, proof: bool) -> dict[str, str]:
        use = self._token if token is _DEFAULT else token
        if not use:
            return {}
        auth = {"access_token": str(use)}
        if proof and self._app_secret:
            auth["appsecret_proof"] = appsecret_proof(self._app_secret, str(use))
        return auth

    def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        token: Any,
        proof: bool,
        expect: type,
        record_success: bool,
    ) -> Any:
        rel, link_params = self._resolve(path)
        payload = {**link_params, **encode_params(params), **self._auth(token, proof)}
        url = self.config.api_root + rel
        started, t0 = datetime.now(UTC), time.monotonic()
        status: int | None = None
        error: GraphError | None = None
        try:
            response = self._session.request(
                method,
                url,
                params=payload if method != "POST" else None,
                data=payload if method == "POST" else None,
                timeout=self.config.timeout,
                # A redirect would send our query (with the token) somewhere else.
                allow_redirects=False,
            )
            status = response.status_code
            self._note_answer()
            return self._decode(response, expect)
        except requests.RequestException as exc:
            error = _transport_error(exc)
            if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
                self._note_no_answer(t0)
            scrub_exception_chain(exc)
            raise error from exc
        except GraphError as exc:
            error = exc
            raise
        finally:
            if record_success or error is not None:
                self._emit(
                    CallRecord(
                        method=method,
                        path=rel,
                        business_id=self.business_id,
                        status=status,
                        error_code=error.code if error else None,
                        duration_ms=int((time.monotonic() - t0) * 1000),
                        started_at=started,
                        usage_pct=self.last_usage.max_pct
                        if status and self.last_usage.seen
                        else None,
                        error_subcode=error.subcode if error else None,
                        fbtrace_id=error.fbtrace_id if error else None,
                    )
                )

    def _decode(self, response: requests.Response, expect: type) -> Any:
        status = response.status_code
        self._note_usage(parse_usage(response.headers))
        raw = response.content or b""
        kind = response.headers.get("Content-Type", "?").split(";")[0]
        if 300 <= status < 400:
            raise BadRequestError(f"Meta answered a redirect (HTTP {status})", http_status=status)
        if not raw.strip():
            if status >= 400 and status < 500 and status != 429:
                raise error_from_status(status, headers=response.headers)
            raise MalformedResponseError(
                "Meta sent an empty answer", http_status=status, safe_to_resend=status == 503
            )
        try:
            value = json.loads(raw)
        except ValueError:
            if status >= 400 and status < 500:
                raise error_from_status(
                    status,
                    headers=response.headers,
                    default_retry_after=self.config.throttle_default_wait,
                ) from None
            raise MalformedResponseError(
                f"Meta's answer was not JSON ({kind}, {len(raw)} bytes)",
                http_status=status,
                safe_to_resend=status == 503,
            ) from None
        if isinstance(value, dict) and "error" in value:
            raise error_from_envelope(
                value,
                http_status=status,
                headers=response.headers,
                default_retry_after=self.config.throttle_default_wait,
            )
        if status >= 400:
            raise error_from_status(
                status,
                headers=response.headers,
                default_retry_after=self.config.throttle_default_wait,
            )
        if value is True and expect is dict:
            value = {"success": True}
        if value is False or (isinstance(value, dict) and _is_false(value.get("success"))):
            raise BadRequestError("Meta answered success=false", http_status=status)
        if not isinstance(value, expect):
            raise MalformedResponseError(
                f"Meta's answer was a JSON {type(value).__name__}, not {expect.__name__}",
                http_status=status,
            )
        return value

    def _note_usage(self, usage: Usage) -> None:
        if not usage.seen:
            return
        self.last_usage = usage
        peak = dict(self.usage.business_pct)
        for key, pct in usage.business_pct.items():
            peak[key] = max(peak.get(key, 0.0), pct)
        self.usage = Usage(
            app_pct=max(self.usage.app_pct, usage.app_pct),
            ad_account_pct=max(self.usage.ad_account_pct, usage.ad_account_pct),
            business_pct=peak,
            regain_seconds=max(self.usage.regain_seconds, usage.regain_seconds),
            seen=True,
        )

    def _emit(self, record: CallRecord) -> None:
        if self._on_call is None:
            return
        try:
            self._on_call(record)
        except Exception:
            # The ledger is bookkeeping: losing one row beats failing a call that succeeded.
            logger.exception("Graph on_call hook failed for %s %s", record.method, record.path)


def _transport_error(exc: requests.RequestException) -> GraphError:
    """Translate a requests exception without keeping its message (it holds the URL)."""
    name = type(exc).__name__
    if isinstance(exc, requests.ConnectTimeout):
        return GraphTimeoutError("Timed out connecting to Meta", safe_to_resend=True)
    if isinstance(exc, requests.Timeout):
        return GraphTimeoutError("Meta did not answer in time (read timeout)")
    if isinstance(exc, (rexc.ChunkedEncodingError, rexc.ContentDecodingError)):
        return MalformedResponseError(f"Meta's answer was cut off or garbled ({name})")
    if isinstance(
        exc,
        (
            rexc.InvalidURL,
            rexc.MissingSchema,
            rexc.InvalidSchema,
            rexc.InvalidHeader,
        ),
    ):
        return BadRequestError(f"The Graph request could not be built ({name}): check the URL")
    if isinstance(exc, requests.ConnectionError) and _never_connected(exc):
        return TransientError("Could not connect to Meta", safe_to_resend=True)
    return TransientError(f"The connection to Meta failed ({name})")


def _never_connected(exc: BaseException) -> bool:
    """True when the failure happened while connecting, so nothing was sent."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (urllib3.exceptions.ConnectTimeoutError, ConnectionRefusedError)):
            return True  # NewConnectionError and NameResolutionError subclass ConnectTimeoutError
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
    return False


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _p(path: str) -> str:
    """A path safe for logs: no query string."""
    return urlsplit(path).path if path.startswith("http") else path.split("?", 1)[0]


def _exchanged(body: Mapping[str, Any]) -> ExchangedToken:
    token = text(body.get("access_token"))
    if not token:
        raise MalformedResponseError("Meta's token answer had no access_token")
    return ExchangedToken(
        access_token=token,
        token_type=text(body.get("token_type")),
        expires_in=as_int(body.get("expires_in")),
    )
