"""The sandbox refuses what Meta's schema (sandbox/schema, from Meta's SDK) does not have, with
Meta's envelopes: in a plain listing, inside field expansion, in ``ids=`` reads and in each
batch item."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import Graph, error_of

UNSUPPORTED = (
    "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due "
    "to missing permissions, or does not support this operation. Please read the Graph API "
    "documentation at https://developers.facebook.com/docs/graph-api"
)


def nonexisting(field: str, node_type: str) -> str:
    return f"(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"


def assert_nonexisting(response: Any, field: str, node_type: str) -> None:
    assert response.status_code == 400
    assert set(response.json()) == {"error"}  # the whole request is refused: no data at all
    err = error_of(response)
    assert err["message"] == nonexisting(field, node_type)
    assert (err["code"], err["type"]) == (100, "OAuthException")
    assert "error_subcode" not in err and err["fbtrace_id"]


def assert_unsupported(body: dict[str, Any], method: str, obj_id: str) -> None:
    err = body["error"]
    assert err["message"] == UNSUPPORTED.format(method=method, id=obj_id)
    assert (err["code"], err["error_subcode"], err["type"]) == (100, 33, "GraphMethodException")


@pytest.fixture
def client(creds) -> dict[str, Any]:
    return creds["clients"][0]


@pytest.fixture
def owner(sandbox, client) -> Graph:
    """The first client's admin: owns its assets, so only the schema can refuse."""
    return Graph(sandbox, client["admin_user_token"])


def _asset(sandbox, client, kind: str):
    return sandbox.world.owned_assets(client["business_id"], kind)[0]


# --- a plain listing ---------------------------------------------------------------------------


def test_a_listing_asking_a_field_its_node_type_lacks_is_refused_whole(graph, creds):
    response = graph.get(
        f"{creds['agency_business_id']}/client_ad_accounts", fields="id,name,access_type"
    )
    assert_nonexisting(response, "access_type", "AdAccount")


def test_a_field_an_edge_adds_is_served_only_by_that_edge(graph, owner, creds, client):
    added = graph.get(
        f"{creds['agency_business_id']}/client_ad_accounts", fields="id,permitted_tasks"
    )
    assert added.status_code == 200 and added.json()["data"][0]["permitted_tasks"]
    owned = owner.get(f"{client['business_id']}/owned_ad_accounts", fields="id,permitted_tasks")
    assert_nonexisting(owned, "permitted_tasks", "AdAccount")


def test_a_field_meta_has_but_the_sandbox_does_not_model_is_left_out_not_refused(owner, client):
    response = owner.get(f"{client['business_id']}/owned_ad_accounts", fields="id,min_daily_budget")
    assert response.status_code == 200
    assert all(set(row) == {"id"} for row in response.json()["data"])


def test_reading_an_edge_the_node_type_lacks_is_a_nonexisting_field(graph, creds):
    response = graph.get(f"{creds['agency_business_id']}/offline_conversion_data_sets")
    assert_nonexisting(response, "offline_conversion_data_sets", "Business")


def test_an_edge_has_one_spelling_only(sandbox, owner, client):
    group = next(iter(sandbox.world.asset_groups.values()))
    token = sandbox.world.credentials["admin_system_user_token"]
    spelled = Graph(sandbox, token).get(f"{group.id}/contained_adaccounts", fields="id")
    assert spelled.status_code == 200
    response = Graph(sandbox, token).get(f"{group.id}/contained_ad_accounts")
    assert_nonexisting(response, "contained_ad_accounts", "BusinessAssetGroup")


def test_a_method_the_edge_lacks_is_unsupported_and_changes_nothing(sandbox, owner, client):
    pixel = _asset(sandbox, client, "pixel")
    user_id = client["admin_user_id"]
    sandbox.world.assign(pixel.id, user_id, ["ANALYZE"])
    response = owner.delete(f"{pixel.id}/assigned_users", user=user_id)
    assert response.status_code == 400
    assert_unsupported(response.json(), "delete", pixel.id)
    assert user_id in sandbox.world.assets[pixel.id].assigned


def test_writing_to_a_read_only_edge_is_an_unsupported_post(owner, client):
    response = owner.post(f"{client['business_id']}/pending_users", email="a@example.com")
    assert_unsupported(response.json(), "post", client["business_id"])


def test_a_method_the_node_lacks_is_unsupported(sandbox, graph, creds):
    system_user = creds["employee_system_user_id"]
    assert_unsupported(graph.delete(system_user).json(), "delete", system_user)


# --- inside field expansion ------------------------------------------------------------------


def test_an_unknown_field_inside_an_expansion_refuses_the_whole_read(graph, creds):
    response = graph.get(
        creds["agency_business_id"],
        fields="id,name,client_ad_accounts.limit(100){id,name,access_status}",
    )
    assert_nonexisting(response, "access_status", "AdAccount")


def test_an_unknown_field_in_a_nested_node_is_refused_with_that_node_type(graph, creds):
    response = graph.get(
        creds["agency_business_id"],
        fields="client_pages.limit(5){id,owner_business{id,name,access_status}}",
    )
    assert_nonexisting(response, "access_status", "Business")


def test_an_unknown_edge_inside_an_expansion_refuses_the_whole_read(graph, creds):
    response = graph.get(
        creds["agency_business_id"],
        fields="id,owned_pages.limit(5){id},offline_conversion_data_sets.limit(5){id}",
    )
    assert_nonexisting(response, "offline_conversion_data_sets", "Business")


def test_an_edge_without_get_cannot_be_expanded(graph, creds):
    # `adaccount` is POST-only on Business (SDK business.py create_ad_account).
    response = graph.get(creds["agency_business_id"], fields="id,adaccount{id}")
    assert_nonexisting(response, "adaccount", "Business")


def test_fields_an_edge_adds_are_accepted_inside_its_expansion(graph, creds):
    response = graph.get(
        creds["agency_business_id"], fields="id,client_pages.limit(5){id,name,permitted_tasks}"
    )
    assert response.status_code == 200
    assert response.json()["client_pages"]["data"][0]["permitted_tasks"]


# --- ids= ------------------------------------------------------------------------------------


def test_an_ids_read_with_a_field_one_node_type_lacks_is_refused_whole(sandbox, owner, client):
    account = _asset(sandbox, client, "ad_account")
    page = _asset(sandbox, client, "page")
    response = owner.get("", ids=f"{account.id},{page.id}", fields="id,name,account_status")
    assert_nonexisting(response, "account_status", "Page")


def test_an_ids_read_expanding_an_unknown_edge_is_refused(sandbox, owner, client):
    account = _asset(sandbox, client, "ad_account")
    response = owner.get("", ids=account.id, fields="id,offline_conversion_data_sets{id}")
    assert_nonexisting(response, "offline_conversion_data_sets", "AdAccount")


def test_an_ids_read_of_known_fields_answers_every_object(sandbox, owner, client):
    account = _asset(sandbox, client, "ad_account")
    page = _asset(sandbox, client, "page")
    response = owner.get("", ids=f"{account.id},{page.id}", fields="id,name")
    assert response.status_code == 200 and set(response.json()) == {account.id, page.id}


# --- batch items -----------------------------------------------------------------------------


def test_each_refused_batch_item_gets_its_own_error_and_the_others_answer(sandbox, owner, client):
    business = client["business_id"]
    pixel = _asset(sandbox, client, "pixel")
    items = [
        {"method": "GET", "relative_url": f"{business}/owned_pages?fields=id,name"},
        {"method": "GET", "relative_url": f"{business}/owned_pages?fields=id,access_type"},
        {"method": "GET", "relative_url": f"{business}/offline_conversion_data_sets"},
        {
            "method": "GET",
            "relative_url": f"{business}?fields=owned_pixels.limit(5){{id,access_status}}",
        },
        {"method": "DELETE", "relative_url": f"{pixel.id}/assigned_users?user=1"},
        {"method": "GET", "relative_url": f"{pixel.id}/assigned_users?business={business}"},
    ]
    out = owner.post("", batch=json.dumps(items)).json()
    codes = [item["code"] for item in out]
    bodies = [json.loads(item["body"]) for item in out]
    assert codes == [200, 400, 400, 400, 400, 200]
    assert bodies[0]["data"] and bodies[5]["data"] is not None
    assert bodies[1]["error"]["message"] == nonexisting("access_type", "Page")
    assert bodies[2]["error"]["message"] == nonexisting("offline_conversion_data_sets", "Business")
    assert bodies[3]["error"]["message"] == nonexisting("access_status", "AdsPixel")
    assert_unsupported(bodies[4], "delete", pixel.id)
