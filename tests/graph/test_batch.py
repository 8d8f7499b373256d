from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest

from graph import (
    BadRequestError,
    BatchRequest,
    NotFoundError,
    ThrottledError,
    TransientError,
)
from tests.graph.graphfakes import Reply, Seen, ok


def item(code: int, body: object) -> dict:
    return {"code": code, "headers": [], "body": json.dumps(body)}


def error_item(code: int, status: int = 400, subcode: int | None = None) -> dict:
    err: dict = {"message": "x", "code": code, "fbtrace_id": "Abatch"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return item(status, {"error": err})


class ScriptedBatch:
    """Answers each batch POST with a scripted item per relative_url and round."""

    def __init__(self, script: dict[str, list[object]]) -> None:
        self.script = script
        self.rounds: list[list[dict]] = []

    def __call__(self, seen: Seen) -> Reply:
        sent = json.loads(seen.form["batch"])
        self.rounds.append(sent)
        answer = []
        for entry in sent:
            replies = self.script[entry["relative_url"]]
            answer.append(replies.pop(0) if len(replies) > 1 else replies[0])
        return ok(answer)


def test_a_batch_re_sends_only_null_and_transient_items_and_returns_permanent_errors(
    fake, make_client, sleeps
):
    script = ScriptedBatch(
        {
            "a": [item(200, {"id": "a"})],
            "b": [error_item(100, subcode=33)],
            "c": [None, item(200, {"id": "c"})],
            "d": [error_item(2, status=500), item(200, {"id": "d"})],
            "e": [error_item(613), item(200, {"id": "e"})],
        }
    )
    fake.on("POST", "/", script)
    client = make_client(throttle_default_wait=5.0)

    results = client.batch([BatchRequest("GET", u) for u in "abcde"])

    assert [r.ok for r in results] == [True, False, True, True, True]
    assert isinstance(results[1].error, NotFoundError)
    assert results[1].error.fbtrace_id == "Abatch"
    assert [r.body["id"] for r in results if r.ok] == ["a", "c", "d", "e"]
    assert [[e["relative_url"] for e in r] for r in script.rounds] == [
        ["a", "b", "c", "d", "e"],
        ["c", "d", "e"],
    ]
    assert len(sleeps.waits) == 1
    assert sleeps.waits[0] >= 5.0  # the throttled item's wait is honoured


def test_a_batch_gives_up_after_max_retries_and_reports_what_was_never_processed(
    fake, make_client, sleeps
):
    script = ScriptedBatch({"a": [item(200, {"id": "a"})], "b": [None]})
    fake.on("POST", "/", script)
    results = make_client(max_retries=2).batch([BatchRequest("GET", "a"), BatchRequest("GET", "b")])

    assert results[0].ok
    assert isinstance(results[1].error, TransientError)
    assert len(script.rounds) == 3
    assert len(sleeps.waits) == 2


def test_a_batch_is_sent_fifty_requests_at_a_time(fake, client):
    script = ScriptedBatch({str(n): [item(200, {"id": str(n)})] for n in range(120)})
    fake.on("POST", "/", script)

    results = client.batch([BatchRequest("GET", str(n)) for n in range(120)])

    assert [len(r) for r in script.rounds] == [50, 50, 20]
    assert [r.body["id"] for r in results] == [str(n) for n in range(120)]


def test_batch_items_are_encoded_like_single_calls(fake, client):
    script = ScriptedBatch(
        {
            "act_1/assigned_users": [item(200, {"success": True})],
            "act_1/assigned_users?business=9&user=5": [item(200, True)],
        }
    )
    fake.on("POST", "/", script)
    client.batch(
        [
            BatchRequest("POST", "/act_1/assigned_users", {"user": "5", "tasks": ["ANALYZE"]}),
            BatchRequest("DELETE", "act_1/assigned_users", {"business": "9", "user": "5"}),
        ]
    )
    post, delete = script.rounds[0]
    assert post["method"] == "POST"
    assert dict(parse_qsl(post["body"])) == {"user": "5", "tasks": '["ANALYZE"]'}
    assert delete == {"method": "DELETE", "relative_url": "act_1/assigned_users?business=9&user=5"}
    outer = fake.requests[0]
    assert outer.form["include_headers"] == "false"
    assert "access_token" in outer.form and "appsecret_proof" in outer.form


def test_a_write_in_a_batch_is_re_sent_only_when_meta_did_not_apply_it(fake, client, sleeps):
    script = ScriptedBatch(
        {
            "1001/system_users": [error_item(1, status=500), item(200, {"id": "x"})],
            "1002/system_users": [None, item(200, {"id": "y"})],
        }
    )
    fake.on("POST", "/", script)
    results = client.batch(
        [
            BatchRequest("POST", "1001/system_users", {"name": "a"}),
            BatchRequest("POST", "1002/system_users", {"name": "b"}),
        ]
    )
    assert isinstance(results[0].error, TransientError)  # unknown outcome: not re-sent
    assert results[1].body == {"id": "y"}  # null: never processed, safe to re-send
    assert [[e["relative_url"] for e in r] for r in script.rounds][1] == ["1002/system_users"]


def test_odd_batch_items_become_errors_not_exceptions(fake, client):
    script = ScriptedBatch(
        {
            "a": [{"code": 200, "body": "not json"}],
            "b": [{"code": 200, "body": json.dumps({"success": False})}],
            "c": [{"code": 500, "body": ""}],
            "d": ["garbage"],
        }
    )
    fake.on("POST", "/", script)
    results = client.batch([BatchRequest("GET", u) for u in "abcd"])
    assert not any(r.ok for r in results)
    assert isinstance(results[1].error, BadRequestError)


def test_a_throttle_too_long_to_wait_out_is_returned_for_the_caller(fake, make_client, sleeps):
    usage = {"1001": [{"call_count": 100, "estimated_time_to_regain_access": 60}]}
    throttled = {
        "code": 400,
        "headers": [{"name": "X-Business-Use-Case-Usage", "value": json.dumps(usage)}],
        "body": json.dumps({"error": {"code": 80004, "message": "too many"}}),
    }
    fake.on("POST", "/", ScriptedBatch({"a": [throttled]}))
    results = make_client().batch([BatchRequest("GET", "a")])
    assert isinstance(results[0].error, ThrottledError)
    assert results[0].error.retry_after == 3600
    assert sleeps.waits == []


def test_each_processed_batch_item_is_one_ledger_record(fake, client, calls):
    fake.on("POST", "/", ScriptedBatch({"a": [item(200, {})], "b?x=1": [error_item(100)]}))
    client.batch([BatchRequest("GET", "a"), BatchRequest("GET", "b?x=1")])
    assert [(c.path, c.status, c.error_code, c.in_batch) for c in calls] == [
        ("/a", 200, None, True),
        ("/b", 400, 100, True),
    ]


@pytest.mark.parametrize("answer", [{"not": "a list"}, "<html>oops</html>"])
def test_a_batch_answer_that_is_not_a_list_is_an_error(fake, make_client, answer):
    fake.on("POST", "/", Reply(200, answer))
    with pytest.raises(TransientError):
        make_client(max_retries=0).batch([BatchRequest("GET", "a")])
