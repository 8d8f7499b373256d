from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import traceback
from datetime import UTC

import pytest

from graph import (
    BadRequestError,
    CapReachedError,
    GraphConfig,
    GraphError,
    GraphTimeoutError,
    LastAdminError,
    MalformedResponseError,
    MetaUnreachableError,
    PermissionMissingError,
    PolicyBlockedError,
    ThrottledError,
    TokenInvalidError,
    TransientError,
    TwoFactorRequiredError,
)
from graph.redaction import RedactSecretsFilter
from tests.graph.graphfakes import APP_SECRET, USER_TOKEN, Reply, free_port, graph_error, ok

PROOF = hmac.new(APP_SECRET.encode(), USER_TOKEN.encode(), hashlib.sha256).hexdigest()


def buc(pct: float, regain_minutes: float = 0, business: str = "1001") -> dict[str, str]:
    row = {"type": "ads_management", "call_count": pct, "total_time": 1, "total_cputime": 1}
    row["estimated_time_to_regain_access"] = regain_minutes
    return {"X-Business-Use-Case-Usage": json.dumps({business: [row]})}


# --- what every request carries -------------------------------------------------------------


def test_every_request_carries_the_token_its_appsecret_proof_and_our_user_agent(fake, client):
    fake.on("GET", "/1001", ok({"id": "1001"}))
    fake.on("POST", "/act_1/assigned_users", ok({"success": True}))
    fake.on("DELETE", "/act_1/assigned_users", ok({"success": True}))

    client.get("/1001", {"fields": "id"})
    client.post("/act_1/assigned_users", {"user": "5"})
    client.delete("/act_1/assigned_users", {"user": "5"})

    get, post, delete = fake.requests
    assert get.version == "v25.0"
    assert get.query["access_token"] == USER_TOKEN
    assert get.query["appsecret_proof"] == PROOF
    assert post.form["access_token"] == USER_TOKEN
    assert post.form["appsecret_proof"] == PROOF
    assert "access_token" not in post.query
    assert delete.query["access_token"] == USER_TOKEN
    assert delete.query["appsecret_proof"] == PROOF
    assert all(r.headers["User-Agent"] == "bm-portal/1.0" for r in fake.requests)


def test_no_proof_is_sent_when_the_app_secret_is_unknown(fake, make_client):
    fake.on("GET", "/me", ok({"id": "9"}))
    make_client(app_secret=None).get("/me")
    assert "appsecret_proof" not in fake.requests[0].query


def test_list_and_boolean_params_are_json_encoded_like_the_sdk(fake, client):
    fake.on("POST", "/act_1/assigned_users", ok({"success": True}))
    client.post(
        "/act_1/assigned_users", {"tasks": ["MANAGE", "ADVERTISE"], "flag": True, "x": None}
    )
    form = fake.requests[0].form
    assert form["tasks"] == '["MANAGE","ADVERTISE"]'
    assert form["flag"] == "true"
    assert "x" not in form


# --- retries ----------------------------------------------------------------------------------


def test_a_transient_error_is_retried_with_full_jitter_backoff(fake, client, sleeps):
    fake.on(
        "GET",
        "/1001",
        graph_error(2, status=500),
        graph_error(1, status=500),
        graph_error(3912),
        ok({"id": "1001"}),
    )
    assert client.get("/1001") == {"id": "1001"}
    assert len(fake.requests) == 4
    assert len(sleeps.waits) == 3
    for attempt, wait in enumerate(sleeps.waits):
        assert 0 <= wait <= min(60.0, 1.0 * 2**attempt)


def test_code_1_subcode_99_an_unknown_error_occurred_is_retried_with_back_off(fake, client, sleeps):
    """(1, 99) is Meta's generic "An unknown error occurred" (HTTP 500), not "reduce the amount
    of data": the same request is asked again after a back-off, at the same page size."""
    unknown = graph_error(1, "An unknown error occurred", subcode=99, status=500)
    fake.on("GET", "/1001/owned_pages", unknown, ok({"data": [{"id": "7"}]}))

    items = list(client.iter_edge("/1001/owned_pages", page_size=50))

    assert [i["id"] for i in items] == ["7"]
    assert [r.query["limit"] for r in fake.requests] == ["50", "50"]
    assert len(sleeps.waits) == 1 and sleeps.waits[0] <= 1.0


def test_retries_stop_after_max_retries(fake, make_client, sleeps):
    fake.on("GET", "/1001", graph_error(2, status=500))
    with pytest.raises(TransientError):
        make_client(max_retries=2).get("/1001")
    assert len(fake.requests) == 3
    assert len(sleeps.waits) == 2


def test_one_retry_budget_is_shared_by_every_call_of_a_client(fake, make_client, sleeps):
    fake.on("GET", "/1001", graph_error(2, status=500))
    fake.on("GET", "/1002", graph_error(2, status=500))
    client = make_client(max_retries=5, retry_budget=3)
    with pytest.raises(TransientError):
        client.get("/1001")  # three retries: the whole budget
    with pytest.raises(TransientError):
        client.get("/1002")  # none left: one attempt only
    assert [len(fake.seen("/1001")), len(fake.seen("/1002"))] == [4, 1]
    assert len(sleeps.waits) == 3


def test_calls_refused_in_a_row_make_meta_unreachable_and_later_calls_fail_at_once(
    make_client, sleeps, calls
):
    client = make_client(
        base_url=f"http://127.0.0.1:{free_port()}", max_retries=5, unreachable_after=3
    )
    with pytest.raises(MetaUnreachableError) as raised:
        client.get("/1001")
    assert raised.value.describe().startswith("Meta unreachable")
    assert len(calls) == 3 and len(sleeps.waits) == 2
    with pytest.raises(MetaUnreachableError):
        client.get("/1002")
    assert len(calls) == 3  # no network touched


def test_an_answer_between_failures_resets_the_unreachable_count(fake, make_client, sleeps):
    fake.on("GET", "/1001", graph_error(2, status=500))  # answers (with an error): reachable
    client = make_client(max_retries=4, unreachable_after=2)
    with pytest.raises(TransientError) as raised:
        client.get("/1001")
    assert not isinstance(raised.value, MetaUnreachableError)
    assert client.unreachable is None


def test_a_server_that_never_answers_is_unreachable_once_the_window_passed(
    make_client, silent_server, sleeps
):
    client = make_client(
        base_url=silent_server, read_timeout=0.3, max_retries=5, unreachable_seconds=0.5
    )
    started = time.monotonic()
    with pytest.raises(MetaUnreachableError):
        client.get("/1001")
    assert time.monotonic() - started < 2  # two read timeouts, not six
    assert len(sleeps.waits) == 1


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (190, TokenInvalidError),
        (200, PermissionMissingError),
        (100, BadRequestError),
        (415, TwoFactorRequiredError),
        (3949, CapReachedError),
        (3914, LastAdminError),
        (368, PolicyBlockedError),
    ],
)
def test_errors_that_need_a_person_or_a_fix_are_never_retried(fake, client, sleeps, code, cls):
    fake.on("GET", "/1001", graph_error(code))
    with pytest.raises(cls):
        client.get("/1001")
    assert len(fake.requests) == 1
    assert sleeps.waits == []


def test_a_throttled_call_waits_at_least_as_long_as_meta_estimates(fake, client, sleeps):
    fake.on("GET", "/1001", graph_error(80004, headers=buc(100, 2)), ok({"id": "1001"}))
    client.get("/1001")
    # One wait of at least Meta's 2 minutes: the pacing does not wait the same estimate again.
    assert len(sleeps.waits) == 1
    assert sleeps.waits[0] >= 120
    assert len(fake.requests) == 2


def test_a_throttle_without_an_estimate_waits_the_configured_default(fake, make_client, sleeps):
    fake.on("GET", "/1001", graph_error(4), ok({"id": "1001"}))
    make_client(throttle_default_wait=7.0).get("/1001")
    assert sleeps.waits == [7.0]


def test_a_throttle_longer_than_the_longest_wait_is_raised_for_the_task_to_reschedule(
    fake, make_client, sleeps
):
    fake.on("GET", "/1001", graph_error(17, headers=buc(100, 30)))
    with pytest.raises(ThrottledError) as caught:
        make_client(max_throttle_wait=300).get("/1001")
    assert caught.value.retry_after == 1800
    assert len(fake.requests) == 1
    assert sleeps.waits == []


@pytest.mark.parametrize("code", [1, 2, 3919])
def test_a_write_with_an_unknown_outcome_is_not_re_sent(fake, client, sleeps, code):
    fake.on("POST", "/1001/system_users", graph_error(code, status=500))
    with pytest.raises(TransientError):
        client.post("/1001/system_users", {"name": "x"})
    assert len(fake.requests) == 1
    assert sleeps.waits == []


@pytest.mark.parametrize(
    "failure",
    [
        Reply(503, "<html><body>Service Unavailable</body></html>", content_type="text/html"),
        Reply(503, "Service Unavailable", content_type="text/plain"),
        graph_error(613),
        graph_error(3912),
    ],
    ids=["html-503", "plain-503", "throttled", "not-saved-3912"],
)
def test_a_write_meta_did_not_apply_is_re_sent(fake, client, sleeps, failure):
    fake.on("POST", "/1001/system_users", failure, ok({"id": "77"}))
    assert client.post("/1001/system_users", {"name": "x"}) == {"id": "77"}
    assert len(fake.requests) == 2


def test_an_idempotent_write_is_re_sent_after_any_transient_error(fake, client):
    fake.on("POST", "/act_1/assigned_users", graph_error(1, status=500), ok({"success": True}))
    client.post("/act_1/assigned_users", {"user": "1"}, idempotent=True)
    assert len(fake.requests) == 2


def test_a_write_is_re_sent_when_the_connection_was_refused(make_client, sleeps):
    client = make_client(base_url=f"http://127.0.0.1:{free_port()}", max_retries=2)
    with pytest.raises(TransientError) as caught:
        client.post("/1001/system_users", {"name": "x"})
    assert caught.value.safe_to_resend
    assert len(sleeps.waits) == 2


def test_a_server_that_never_answers_times_out_and_reads_are_retried(
    silent_server, make_client, sleeps
):
    client = make_client(base_url=silent_server, read_timeout=0.2, max_retries=1)
    started = time.monotonic()
    with pytest.raises(GraphTimeoutError):
        client.get("/1001")
    assert time.monotonic() - started < 5
    assert len(sleeps.waits) == 1


def test_a_write_that_timed_out_waiting_for_the_answer_is_not_re_sent(
    silent_server, make_client, sleeps
):
    client = make_client(base_url=silent_server, read_timeout=0.2)
    with pytest.raises(GraphTimeoutError) as caught:
        client.post("/1001/system_users", {"name": "x"})
    assert not caught.value.safe_to_resend
    assert sleeps.waits == []


def test_a_slow_answer_beyond_the_read_timeout_is_a_timeout(fake, make_client):
    fake.on("GET", "/1001", Reply(200, {"id": "1"}, delay=1.0))
    with pytest.raises(GraphTimeoutError):
        make_client(read_timeout=0.2, max_retries=0).get("/1001")


# --- every response shape -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "cls"),
    [
        (Reply(502, "<html><h1>502 Bad Gateway</h1></html>", content_type="text/html"),
         MalformedResponseError),
        (Reply(200, "<!DOCTYPE html><html>login</html>", content_type="text/html"),
         MalformedResponseError),
        (Reply(200, ""), MalformedResponseError),
        (Reply(200, '{"data": [{"id": "1"'), MalformedResponseError),
        (Reply(200, '{"id": "1"}', cut_off=True), MalformedResponseError),
        (Reply(200, [1, 2]), MalformedResponseError),
        (Reply(200, {"error": {"code": 190, "message": "expired"}}), TokenInvalidError),
        (Reply(200, {"success": False}), BadRequestError),
        (Reply(200, False), BadRequestError),
        (Reply(404, "<html>Not Found</html>", content_type="text/html"), BadRequestError),
        (Reply(500, {"unexpected": True}), TransientError),
        (Reply(302, "", headers={"Location": "http://elsewhere/"}), BadRequestError),
    ],
    ids=[
        "html-502",
        "html-200",
        "empty-200",
        "truncated-json",
        "cut-off-in-transit",
        "json-list",
        "200-with-error",
        "success-false",
        "bare-false",
        "html-404",
        "500-without-envelope",
        "redirect",
    ],
)  # fmt: skip
def test_every_odd_answer_becomes_a_typed_error(fake, make_client, reply, cls):
    fake.on("GET", "/1001", reply)
    with pytest.raises(cls) as caught:
        make_client(max_retries=1).get("/1001")
    assert type(caught.value) is cls


def test_a_bare_true_answer_is_a_success(fake, client):
    fake.on("DELETE", "/55/access_tokens", Reply(200, True))
    assert client.delete("/55/access_tokens") == {"success": True}


# --- usage and pacing ---------------------------------------------------------------------


def test_the_client_slows_down_before_meta_throttles(fake, client, sleeps):
    fake.on("GET", "/a", ok({"id": "a"}, **buc(90)))
    fake.on("GET", "/b", ok({"id": "b"}, **buc(10)))
    client.get("/a")
    assert sleeps.waits == []
    client.get("/b")  # paced on /a's 90 %: (90-75)/(100-75) of 30 s
    assert sleeps.waits == [pytest.approx(18.0)]
    client.get("/b")  # /b reported 10 %: no pause
    assert sleeps.waits == [pytest.approx(18.0)]


def test_client_usage_keeps_the_highest_reading_per_business(fake, client):
    fake.on("GET", "/a", ok({"id": "a"}, **buc(80)))
    fake.on("GET", "/b", ok({"id": "b"}, **buc(20)))
    fake.on("GET", "/c", ok({"id": "c"}, **buc(40, business="2002")))
    for path in ("/a", "/b", "/c"):
        client.get(path)
    assert client.usage.business_pct == {"1001": 80, "2002": 40}
    assert client.last_usage.business_pct == {"2002": 40}


# --- the ledger hook ------------------------------------------------------------------------


def test_each_exchange_is_reported_to_the_ledger_without_version_query_or_token(
    fake, client, calls
):
    fake.on("GET", "/1001/owned_pages", ok({"data": []}, **buc(30)))
    fake.on("GET", "/1001", graph_error(200, subcode=None))
    client.get("/1001/owned_pages", {"fields": "id"})
    with pytest.raises(PermissionMissingError):
        client.get("/1001")

    first, second = calls
    assert (first.method, first.path, first.status, first.error_code) == (
        "GET",
        "/1001/owned_pages",
        200,
        None,
    )
    assert first.business_id == "1001"
    assert first.usage_pct == 30
    assert first.started_at.tzinfo is UTC
    assert first.duration_ms >= 0
    assert (second.status, second.error_code, second.fbtrace_id) == (400, 200, "AtraceXYZ")
    assert all(USER_TOKEN not in repr(c) and "?" not in c.path for c in calls)


def test_each_record_keeps_the_app_and_the_client_business_usage_apart(fake, client, calls):
    app_usage = {"X-App-Usage": json.dumps({"call_count": 12, "total_time": 3, "total_cputime": 4})}
    fake.on("GET", "/1001/owned_pages", ok({"data": []}, **buc(30), **app_usage))
    client.get("/1001/owned_pages", {"fields": "id"})

    (record,) = calls
    assert (record.app_usage_pct, record.business_usage_pct, record.usage_pct) == (12, 30, 30)


def test_a_record_of_an_answer_without_usage_headers_has_no_readings(fake, client, calls):
    fake.on("GET", "/1001/owned_pages", ok({"data": []}))
    client.get("/1001/owned_pages", {"fields": "id"})

    (record,) = calls
    assert (record.app_usage_pct, record.business_usage_pct, record.usage_pct) == (None,) * 3


def test_a_failing_ledger_hook_does_not_break_the_call(fake, make_client, caplog):
    def broken(record):
        raise RuntimeError("ledger down")

    fake.on("GET", "/1001", ok({"id": "1001"}))
    with caplog.at_level(logging.ERROR, logger="graph"):
        assert make_client(on_call=broken).get("/1001") == {"id": "1001"}
    assert "on_call hook failed" in caplog.text


def test_a_transport_failure_is_reported_without_a_status(make_client, calls):
    client = make_client(base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(TransientError):
        client.get("/1001")
    assert [c.status for c in calls] == [None]


# --- no secret escapes ----------------------------------------------------------------------


def _all_text(err: BaseException) -> str:
    return "".join(traceback.format_exception(err)) + str(err) + repr(err)


def test_no_token_or_proof_reaches_a_log_or_an_exception(fake, make_client, caplog):
    caplog.handler.addFilter(RedactSecretsFilter())
    fake.on("GET", "/1001", graph_error(190, f"Malformed access token {USER_TOKEN}"))
    fake.on("GET", "/slow", graph_error(2, status=500))
    errors: list[GraphError] = []
    with caplog.at_level(logging.DEBUG):
        client = make_client(max_retries=1)
        for path in ("/1001", "/slow"):
            try:
                client.get(path, {"fields": "id"})
            except GraphError as err:
                errors.append(err)
                logging.getLogger("test").exception("call failed: %s", err)
        refused = make_client(base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
        try:
            refused.get("/1001", {"fields": "id"})
        except GraphError as err:
            errors.append(err)
            logging.getLogger("test").exception("call failed: %s", err)

    assert len(errors) == 3
    # urllib3 logs each request line with its query string at DEBUG: the filter must catch it.
    assert any("GET /v25.0/1001?" in caplog.handler.format(r) for r in caplog.records)
    for record in caplog.records:
        line = caplog.handler.format(record)
        assert USER_TOKEN not in line
        assert PROOF not in line
    for err in errors:
        text = _all_text(err)
        assert USER_TOKEN not in text
        assert PROOF not in text
        assert "access_token=" not in text


def test_the_client_repr_shows_no_secret(client):
    assert USER_TOKEN not in repr(client)
    assert APP_SECRET not in repr(client)


def test_api_root_joins_base_url_and_version():
    config = GraphConfig(base_url="http://127.0.0.1:8765/", version="v25.0")
    assert config.api_root == "http://127.0.0.1:8765/v25.0"
