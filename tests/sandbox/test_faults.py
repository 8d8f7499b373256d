"""Fault injection: every kind, scripted targeting, random rate, writes never half-applied."""

from __future__ import annotations

import json
import time

import pytest
import requests

from sandbox.faults import FaultPlan


def _owned(graph, creds, **params):
    return graph.get(f"{creds['agency_business_id']}/client_ad_accounts", **params)


def test_a_500_is_a_transient_graph_error(graph, creds, sandbox):
    sandbox.faults.add("500")
    response = _owned(graph, creds)
    assert response.status_code == 500
    err = response.json()["error"]
    assert err["is_transient"] is True and err["code"] == 2
    assert _owned(graph, creds).status_code == 200  # times=1


def test_a_503_is_plain_text_service_unavailable(graph, creds, sandbox):
    sandbox.faults.add("503")
    response = _owned(graph, creds)
    assert response.status_code == 503 and response.text == "Service Unavailable"


def test_a_throttle_fault_carries_the_regain_time_in_the_usage_header(graph, creds, sandbox):
    sandbox.faults.add("throttle", regain_minutes=7)
    response = graph.get(creds["agency_business_id"])
    err = response.json()["error"]
    assert (err["code"], err["error_subcode"]) == (80004, 2446079)
    buc = json.loads(response.headers["X-Business-Use-Case-Usage"])
    entry = buc[creds["agency_business_id"]][0]
    assert entry["estimated_time_to_regain_access"] == 7 and entry["call_count"] == 100


@pytest.mark.parametrize("code", [17, 613])
def test_a_throttle_fault_can_use_the_older_codes(graph, creds, sandbox, code):
    sandbox.faults.add("throttle", code=code)
    assert graph.get(creds["agency_business_id"]).json()["error"]["code"] == code


def test_a_slow_fault_delays_then_answers(graph, creds, sandbox):
    sandbox.faults.add("slow", delay=0.3)
    started = time.monotonic()
    response = _owned(graph, creds)
    assert response.status_code == 200 and time.monotonic() - started >= 0.3


def test_a_timeout_fault_holds_the_connection_past_the_client_timeout(creds, sandbox):
    sandbox.faults.add("timeout", hold=1.0)
    with pytest.raises(requests.ReadTimeout):
        requests.get(
            sandbox.url(creds["agency_business_id"]),
            params={"access_token": creds["admin_system_user_token"]},
            timeout=0.2,
        )


@pytest.mark.parametrize("kind", ["malformed_json", "truncated_json"])
def test_broken_json_answers_do_not_parse(graph, creds, sandbox, kind):
    sandbox.faults.add(kind)
    response = _owned(graph, creds)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_an_html_answer_is_served_as_html(graph, creds, sandbox):
    sandbox.faults.add("html")
    response = _owned(graph, creds)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text


def test_an_empty_answer_has_no_body(graph, creds, sandbox):
    sandbox.faults.add("empty")
    response = _owned(graph, creds)
    assert response.status_code == 200 and response.content == b""


def test_error_200_is_an_error_envelope_with_http_200(graph, creds, sandbox):
    sandbox.faults.add("error_200")
    response = _owned(graph, creds)
    assert response.status_code == 200 and response.json()["error"]["is_transient"]


def test_batch_null_leaves_chosen_items_unprocessed(graph, creds, sandbox):
    biz = creds["agency_business_id"]
    person = sandbox.world.add_business_user(biz, "Null Person", "EMPLOYEE")
    account = sandbox.world.owned_assets(biz, "ad_account")[0]
    sandbox.faults.add("batch_null", items=[1])
    items = [
        {"method": "GET", "relative_url": "me"},
        {
            "method": "POST",
            "relative_url": f"{account.id}/assigned_users",
            "body": f"user={person.id}&tasks=ANALYZE&business={biz}",
        },
    ]
    out = graph.post("", batch=json.dumps(items)).json()
    assert out[0]["code"] == 200 and out[1] is None
    assert person.id not in account.assigned  # the null item was never applied


def test_a_scripted_fault_can_target_the_third_page_of_an_edge(graph, creds, sandbox):
    sandbox.faults.add("500", method="GET", path_contains="client_ad_accounts", page=3)
    body = _owned(graph, creds, limit=4).json()
    statuses = []
    while "next" in body.get("paging", {}):
        response = requests.get(body["paging"]["next"], timeout=10)
        statuses.append(response.status_code)
        if response.status_code != 200:
            response = requests.get(body["paging"]["next"], timeout=10)  # the retry succeeds
        body = response.json()
    assert statuses == [200, 500, 200]
    assert sandbox.faults.fired == [
        ("500", "GET", f"/{creds['agency_business_id']}/client_ad_accounts")
    ]


def test_a_faulted_write_is_not_applied(graph, creds, sandbox):
    sandbox.faults.add("500", method="POST", path_contains="business_users")
    biz = creds["agency_business_id"]
    assert graph.post(f"{biz}/business_users", email="a@b.example").status_code == 500
    assert graph.get(f"{biz}/pending_users", email="a@b.example").json()["data"] == []


def test_applied_then_500_applies_the_write_before_failing(graph, creds, sandbox):
    sandbox.faults.add("applied_then_500", method="POST", path_contains="business_users")
    biz = creds["agency_business_id"]
    assert graph.post(f"{biz}/business_users", email="a@b.example").status_code == 500
    assert len(graph.get(f"{biz}/pending_users", email="a@b.example").json()["data"]) == 1


def test_a_scripted_fault_can_hit_one_item_inside_a_batch(graph, creds, sandbox):
    sandbox.faults.add("throttle", path_contains="system_users")
    biz = creds["agency_business_id"]
    items = [
        {"method": "GET", "relative_url": f"{biz}/business_users"},
        {"method": "GET", "relative_url": f"{biz}/system_users"},
    ]
    out = graph.post("", batch=json.dumps(items)).json()
    assert out[0]["code"] == 200
    assert json.loads(out[1]["body"])["error"]["code"] == 80004


def test_faults_fire_a_given_number_of_times_and_clear(graph, creds, sandbox):
    sandbox.faults.add("500", times=2)
    assert [_owned(graph, creds).status_code for _ in range(3)] == [500, 500, 200]
    sandbox.faults.add("500", times=None)
    assert _owned(graph, creds).status_code == 500
    sandbox.faults.clear()
    assert _owned(graph, creds).status_code == 200


def test_random_faults_follow_the_rate_and_the_seed():
    def run(seed):
        plan = FaultPlan(rate=0.3, seed=seed)
        return [plan.pick("GET", "/x") for _ in range(200)]

    first, second = run(5), run(5)
    kinds = [f.kind if f else None for f in first]
    assert kinds == [f.kind if f else None for f in second]
    assert 30 <= sum(k is not None for k in kinds) <= 90
    assert "batch_null" not in kinds  # only batches get null items


def test_an_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError):
        FaultPlan().add("gremlins")
