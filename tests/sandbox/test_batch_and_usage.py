"""Batch requests, usage headers and quota throttling."""

from __future__ import annotations

import json

from .helpers import error_of


def _batch(graph, items, **extra):
    return graph.post("", batch=json.dumps(items), **extra)


def test_a_batch_runs_each_item_with_the_outer_token(graph, creds):
    biz = creds["agency_business_id"]
    response = _batch(
        graph,
        [
            {"method": "GET", "relative_url": f"{biz}?fields=id,name"},
            {"method": "GET", "relative_url": f"v25.0/{biz}/system_users?fields=id,role&limit=1"},
            {"method": "GET", "relative_url": "999999999999999"},
        ],
    )
    assert response.status_code == 200
    first, second, third = response.json()
    assert first["code"] == 200 and json.loads(first["body"])["name"] == "Northwind Media"
    assert {h["name"] for h in first["headers"]} >= {"X-App-Usage", "X-Business-Use-Case-Usage"}
    page = json.loads(second["body"])
    assert len(page["data"]) == 1 and "next" in page["paging"]
    assert third["code"] == 400
    assert json.loads(third["body"])["error"]["error_subcode"] == 33


def test_batch_writes_apply_and_are_read_back(graph, creds, sandbox):
    biz = creds["agency_business_id"]
    person = sandbox.world.add_business_user(biz, "Batch Person", "EMPLOYEE")
    account = sandbox.world.owned_assets(biz, "ad_account")[0]
    body = f"user={person.id}&tasks=%5B%22ADVERTISE%22%5D&business={biz}"
    items = [
        {"method": "POST", "relative_url": f"{account.id}/assigned_users", "body": body},
        {"method": "GET", "relative_url": f"{account.id}/assigned_users?business={biz}"},
        {
            "method": "POST",
            "relative_url": f"{account.id}/assigned_users",
            "body": {"user": person.id, "tasks": ["BOGUS"], "business": biz},
        },
    ]
    out = _batch(graph, items, include_headers="false").json()
    assert json.loads(out[0]["body"]) == {"success": True}
    users = {u["id"]: u["tasks"] for u in json.loads(out[1]["body"])["data"]}
    assert users[person.id] == ["ADVERTISE", "ANALYZE"]
    assert "headers" not in out[0]
    assert json.loads(out[2]["body"])["error"]["error_subcode"] == 1752129


def test_a_batch_of_more_than_fifty_is_refused(graph, creds):
    items = [{"method": "GET", "relative_url": "me"}] * 51
    err = error_of(_batch(graph, items))
    assert err["code"] == 100 and "50" in err["message"]


def test_a_batch_item_can_carry_its_own_token(graph, creds):
    client = creds["clients"][0]
    items = [{"method": "GET", "relative_url": f"me?access_token={client['admin_user_token']}"}]
    out = _batch(graph, items).json()
    assert json.loads(out[0]["body"])["id"] == client["admin_person_id"]


def test_every_response_carries_usage_headers_even_errors(graph, creds):
    ok = graph.get(creds["agency_business_id"])
    bad = graph.get("999999999999999")
    for response in (ok, bad):
        assert json.loads(response.headers["X-App-Usage"]).keys() == {
            "call_count",
            "total_time",
            "total_cputime",
        }
        assert "X-Business-Use-Case-Usage" in response.headers
    buc = json.loads(ok.headers["X-Business-Use-Case-Usage"])
    entry = buc[creds["agency_business_id"]][0]
    assert entry["type"] == "ads_management"
    assert entry["ads_api_access_tier"] == "development_access"


def test_usage_grows_with_calls_and_throttles_with_80004_over_quota(graph, creds, sandbox):
    sandbox.world.usage.configure(business_quota=4)
    biz = creds["agency_business_id"]
    counts = []
    for _ in range(4):
        response = graph.get(biz)
        counts.append(json.loads(response.headers["X-Business-Use-Case-Usage"])[biz][0])
    assert [c["call_count"] for c in counts] == [25, 50, 75, 100]
    throttled = graph.get(biz)
    err = error_of(throttled)
    assert (err["code"], err["error_subcode"], err["is_transient"]) == (80004, 2446079, True)
    usage = json.loads(throttled.headers["X-Business-Use-Case-Usage"])[biz][0]
    assert usage["estimated_time_to_regain_access"] >= 1
    # Other businesses keep their own window.
    client = creds["clients"][0]
    assert graph.get(client["business_id"], token=client["admin_user_token"]).status_code == 200
    # The window slides: an hour later the business is usable again.
    sandbox.world.advance_time(3601)
    assert graph.get(biz).status_code == 200


def test_a_test_can_force_usage_header_values(graph, creds, sandbox):
    biz = creds["agency_business_id"]
    sandbox.world.usage.override(biz, call_count=87, total_time=12)
    entry = json.loads(graph.get(biz).headers["X-Business-Use-Case-Usage"])[biz][0]
    assert (entry["call_count"], entry["total_time"]) == (87, 12)
    sandbox.world.usage.override(biz, call_count=100, estimated_time_to_regain_access=9)
    throttled = graph.get(biz)
    assert error_of(throttled)["code"] == 80004
    entry = json.loads(throttled.headers["X-Business-Use-Case-Usage"])[biz][0]
    assert entry["estimated_time_to_regain_access"] == 9


def test_an_advanced_app_reports_the_standard_access_tier(graph, creds, sandbox):
    sandbox.world.set_app_level(creds["app_id"], "advanced")
    biz = creds["agency_business_id"]
    entry = json.loads(graph.get(biz).headers["X-Business-Use-Case-Usage"])[biz][0]
    assert entry["ads_api_access_tier"] == "standard_access"
