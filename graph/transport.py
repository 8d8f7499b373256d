"""The one place that speaks HTTP to Meta's Graph API (STYLE 8): one call, its retries, its
pacing and its ledger record. GraphClient (client.py) builds listings, batch and tokens on it.

A client holds one token (and optionally the app secret for appsecret_proof) and one
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

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Self

import requests

from .config import GraphConfig
from .encoding import appsecret_proof, encode_params
from .errors import GraphError, ThrottledError, TransientError
from .redaction import scrub_exception_chain
from .usage import Usage, parse_usage
from .wire import decode, log_path, resolve, transport_error

logger = logging.getLogger(__name__)

# `token=` default of a call: the client's own token (None means no token at all).
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
    usage_pct: float | None = None  # the highest of every quota the answer reported
    error_subcode: int | None = None
    fbtrace_id: str | None = None
    in_batch: bool = False
    # The answer's own readings, kept apart for quota budgets: X-App-Usage, and
    # X-Business-Use-Case-Usage for the client's business (Graph API reference "Rate Limiting").
    app_usage_pct: float | None = None
    business_usage_pct: float | None = None


class Transport:
    """One token's calls to Meta: each with its retries (module docstring), paced by the
    usage Meta reports, and recorded through `on_call`."""

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
        return f"<{type(self).__name__} {self.config.api_root} business={self.business_id}>"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def has_app_secret(self) -> bool:
        return bool(self._app_secret)

    # --- single calls -----------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = self._call("GET", path, params, idempotent=True)
        return body

    def post(
        self, path: str, data: Mapping[str, Any] | None = None, *, idempotent: bool = False
    ) -> dict[str, Any]:
        body: dict[str, Any] = self._call("POST", path, data, idempotent=idempotent)
        return body

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = self._call("DELETE", path, params, idempotent=True)
        return body

    # --- one call, with its retries ---------------------------------------------------

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
                    log_path(path),
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

    # --- the exchange itself ----------------------------------------------------------

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
        rel, link_params = resolve(path, self.config.api_root)
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
            return self._decoded(response, expect)
        except requests.RequestException as exc:
            error = transport_error(exc)
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
                        error_subcode=error.subcode if error else None,
                        fbtrace_id=error.fbtrace_id if error else None,
                        **(self._usage_readings() if status else {}),
                    )
                )

    def _decoded(self, response: requests.Response, expect: type) -> Any:
        self._note_usage(parse_usage(response.headers))
        return decode(response, expect, self.config.throttle_default_wait)

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

    def _usage_readings(self) -> dict[str, Any]:
        """The latest answer's usage for a call record: the highest of all quotas, the app's,
        and this client's business's. Meta keys business use case usage by the business whose
        object was called, so a call on a partner's asset carries no reading of ours. Nothing
        when the answer carried no usage header."""
        usage = self.last_usage
        if not usage.seen:
            return {}
        business = usage.business_pct.get(self.business_id) if self.business_id else None
        return {
            "usage_pct": usage.max_pct,
            "app_usage_pct": usage.app_pct,
            "business_usage_pct": business,
        }

    def _emit(self, record: CallRecord) -> None:
        if self._on_call is None:
            return
        try:
            self._on_call(record)
        except Exception:
            # The ledger is bookkeeping: losing one row beats failing a call that succeeded.
            logger.exception("Graph on_call hook failed for %s %s", record.method, record.path)
