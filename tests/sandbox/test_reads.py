"""Reads: cursor paging, totals, field selection and expansion, multi-id reads."""

from __future__ import annotations

import requests

from .helpers import error_of


def test_an_edge_is_paged_with_cursors_until_next_disappears(graph, creds):
    path = f"{creds['agency_business_id']}/client_ad_accounts"
    first = graph.get(path, limit=4, summary="true").json()
    total = first["summary"]["total_count"]
    seen = [a["id"] for a in first["data"]]
    body = first
    pages = 1
    while "next" in body.get("paging", {}):
        body = requests.get(body["paging"]["next"], timeout=10).json()
        seen += [a["id"] for a in body["data"]]
        pages += 1
    assert total == 15  # 3 clients x 6 ad accounts, one pending each
    assert len(seen) == len(set(seen)) == total
    assert pages == 4
    assert "previous" in body["paging"] and "next" not in body["paging"]


def test_next_urls_are_absolute_and_repeat_the_query_including_the_token(graph, creds):
    body = graph.get(
        f"{creds['agency_business_id']}/client_pages", limit=2, fields="id,name"
    ).json()
    nxt = body["paging"]["next"]
    assert nxt.startswith(graph.server.base_url + "/v25.0/")
    assert "access_token=" in nxt and "fields=id%2Cname" in nxt and "limit=2" in nxt


def test_the_before_cursor_returns_the_previous_page(graph, creds):
    path = f"{creds['agency_business_id']}/client_ad_accounts"
    first = graph.get(path, limit=3).json()
    second = requests.get(first["paging"]["next"], timeout=10).json()
    back = graph.get(path, limit=3, before=second["paging"]["cursors"]["before"]).json()
    assert [a["id"] for a in back["data"]] == [a["id"] for a in first["data"]]


def test_a_last_page_has_no_next_and_an_empty_edge_has_no_paging(graph, creds):
    body = graph.get(f"{creds['agency_business_id']}/owned_pages", limit=25).json()
    assert len(body["data"]) == 1 and "next" not in body["paging"]
    empty = graph.get(f"{creds['agency_business_id']}/owned_businesses", summary="true").json()
    assert empty == {"data": [], "summary": {"total_count": 0}}


def test_a_limit_above_the_too_much_data_threshold_is_code_1_without_a_subcode(
    graph, creds, sandbox
):
    response = graph.get(f"{creds['agency_business_id']}/client_ad_accounts", limit=5000)
    err = error_of(response)
    assert err["code"] == 1 and "error_subcode" not in err
    assert "reduce the amount of data" in err["message"]
    sandbox.world.config.too_much_data_by_edge["client_pages"] = 2
    err = error_of(graph.get(f"{creds['agency_business_id']}/client_pages", limit=3))
    assert err["code"] == 1 and "reduce the amount of data" in err["message"]


def test_a_limit_between_the_cap_and_the_threshold_is_clamped(graph, creds, sandbox):
    sandbox.world.config.page_size_cap = 5
    body = graph.get(f"{creds['agency_business_id']}/client_ad_accounts", limit=800).json()
    assert len(body["data"]) == 5 and "next" in body["paging"]


def test_default_fields_are_id_and_name_for_a_business_and_id_for_ad_accounts(graph, creds):
    business = graph.get(creds["agency_business_id"]).json()
    assert set(business) == {"id", "name"}
    accounts = graph.get(f"{creds['agency_business_id']}/owned_ad_accounts").json()["data"]
    assert all(set(a) == {"id"} and a["id"].startswith("act_") for a in accounts)


def test_requested_fields_are_returned_with_the_id(graph, creds):
    body = graph.get(
        creds["agency_business_id"],
        fields="name,verification_status,two_factor_type,timezone_id,vertical,created_time,link",
    ).json()
    assert body["id"] == creds["agency_business_id"]
    assert body["verification_status"] == "verified"
    assert body["created_time"].endswith("+0000")


def test_client_ad_accounts_add_permitted_tasks_and_no_access_type(graph, creds):
    body = graph.get(
        f"{creds['agency_business_id']}/client_ad_accounts",
        fields="id,name,account_id,currency,owner_business{id,name},permitted_tasks",
        limit=1,
    ).json()
    account = body["data"][0]
    assert account["permitted_tasks"]
    assert set(account["owner_business"]) == {"id", "name"}
    assert account["account_id"] == account["id"].removeprefix("act_")
    refused = error_of(
        graph.get(f"{creds['agency_business_id']}/owned_ad_accounts", fields="id,access_type")
    )
    assert "nonexisting field (access_type) on node type (AdAccount)" in refused["message"]


def test_an_unknown_field_is_error_100_naming_the_node_type(graph, creds):
    err = error_of(graph.get(creds["agency_business_id"], fields="id,favourite_colour"))
    assert err["code"] == 100
    assert "(favourite_colour)" in err["message"] and "(Business)" in err["message"]


def test_a_malformed_fields_expression_is_error_2500(graph, creds):
    err = error_of(graph.get(creds["agency_business_id"], fields="owned_ad_accounts{id"))
    assert err["code"] == 2500


def test_field_expansion_nests_edges_with_their_own_paging(graph, creds):
    body = graph.get(
        creds["agency_business_id"],
        fields="id,name,client_ad_accounts.limit(4){id,name,assigned_users.business("
        f"{creds['agency_business_id']}){{id,tasks}}}},business_users.limit(100){{id,role}}",
    ).json()
    nested = body["client_ad_accounts"]
    assert len(nested["data"]) == 4 and "next" in nested["paging"]
    assert all("assigned_users" in a for a in nested["data"])
    follow = requests.get(nested["paging"]["next"], timeout=10).json()
    assert len(follow["data"]) == 4 and set(follow["data"][0]) >= {"id", "name"}
    assert {u["role"] for u in body["business_users"]["data"]} == {"ADMIN", "EMPLOYEE"}


def test_ids_reads_several_nodes_keyed_by_id(graph, creds):
    client_ids = [c["business_id"] for c in creds["clients"]]
    body = graph.get("", ids=",".join(client_ids), fields="id,name,verification_status").json()
    assert set(body) == set(client_ids)
    assert body[client_ids[0]]["name"] == "Acme Outdoor Co."


def test_ids_with_an_unknown_id_is_error_100(graph, creds):
    err = error_of(graph.get("", ids=f"{creds['agency_business_id']},123456789012345"))
    assert err["code"] == 100 and "123456789012345" in err["message"]


def test_an_unknown_object_is_the_graph_method_exception_subcode_33(graph):
    err = error_of(graph.get("999999999999999"))
    assert (err["code"], err["error_subcode"], err["type"]) == (100, 33, "GraphMethodException")


def test_custom_conversions_are_listed_through_their_ad_account(graph, creds, sandbox):
    world = sandbox.world
    conversion = next(a for a in world.assets.values() if a.kind == "custom_conversion")
    account_id = conversion.fields["ad_account_id"]
    body = graph.get(
        f"{account_id}/customconversions", fields="id,name,custom_event_type,pixel,is_archived"
    ).json()
    assert [c["id"] for c in body["data"]] == [conversion.id]
    assert body["data"][0]["pixel"] == {"id": conversion.fields["pixel_id"]}


def test_business_no_longer_serves_offline_conversion_data_sets(graph, creds):
    client = creds["clients"][0]
    err = error_of(
        graph.get(
            f"{client['business_id']}/offline_conversion_data_sets",
            token=client["admin_user_token"],
        )
    )
    assert err["code"] == 100
    assert "(offline_conversion_data_sets) on node type (Business)" in err["message"]


def test_instagram_assets_and_instagram_users_are_different_nodes(graph, creds):
    client = creds["clients"][0]
    token, bid = client["admin_user_token"], client["business_id"]
    assets = graph.get(
        f"{bid}/owned_instagram_assets", token=token, fields="id,ig_user_id,ig_username"
    ).json()["data"]
    users = graph.get(f"{bid}/owned_instagram_accounts", token=token, fields="id,username")
    users = users.json()["data"]
    assert {a["ig_user_id"] for a in assets} == {u["id"] for u in users}
    assert {a["ig_username"] for a in assets} == {u["username"] for u in users}
    ig_user = users[0]["id"]
    err = error_of(graph.get(f"{ig_user}/assigned_users", token=token, business=bid))
    assert err["code"] == 100
    listed = graph.get(f"{assets[0]['id']}/assigned_users", token=token, business=bid)
    assert listed.json()["data"]


def test_unversioned_paths_are_served_and_report_the_default_version(graph, creds, sandbox):
    response = requests.get(
        f"{sandbox.base_url}/{creds['agency_business_id']}",
        params={"access_token": creds["admin_system_user_token"]},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["facebook-api-version"] == "v25.0"


def test_a_bearer_authorization_header_is_accepted(sandbox, creds):
    response = requests.get(
        sandbox.url("me"),
        headers={"Authorization": f"Bearer {creds['admin_system_user_token']}"},
        timeout=10,
    )
    assert response.json()["id"] == creds["admin_system_user_id"]
