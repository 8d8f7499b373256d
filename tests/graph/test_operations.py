"""Request shapes and parsing of the typed operations, against the scripted loopback server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from graph import GraphError, MalformedResponseError, TransientError
from graph import operations as ops
from graph.types import GranularScope
from tests.graph.graphfakes import APP_SECRET, Seen, graph_error, ok


def test_assign_user_sends_the_full_task_list_as_json_with_the_business(fake, client):
    fake.on("POST", "/act_1/assigned_users", graph_error(1, status=500), ok({"success": True}))
    ops.assign_user(client, "act_1", "55", ["MANAGE", "ADVERTISE"], "1001")
    sent = fake.requests[-1].form
    assert (sent["user"], sent["tasks"], sent["business"]) == (
        "55",
        '["MANAGE","ADVERTISE"]',
        "1001",
    )
    assert len(fake.requests) == 2  # setting a task list twice is harmless: retried


def test_remove_user_and_revoke_agency_are_deletes_with_query_params(fake, client):
    fake.on("DELETE", "/act_1/assigned_users", ok({"success": True}))
    fake.on("DELETE", "/act_1/agencies", ok({"success": True}))
    ops.remove_user(client, "act_1", "55", "1001")
    ops.revoke_agency(client, "act_1", "2002")
    assert fake.requests[0].query["user"] == "55"
    # SDK delete_assigned_users takes `user` only: the business-scoped id names the business.
    assert "business" not in fake.requests[0].query
    assert fake.requests[1].query["business"] == "2002"


def test_assign_user_sends_the_business_only_to_an_ad_account(fake, client):
    fake.on("POST", "/77/assigned_users", ok({"success": True}))
    ops.assign_user(client, "77", "55", ["ANALYZE"], "1001")
    # SDK create_assigned_user (page.py, adspixel.py, ...) takes user and tasks only.
    assert set(fake.requests[0].form) - {"access_token", "appsecret_proof"} == {"user", "tasks"}


def test_share_with_agency_reports_when_another_admin_must_approve(fake, client):
    fake.on("POST", "/act_1/agencies", ok({"success": True, "requires_admin_approval": True}))
    assert ops.share_with_agency(client, "act_1", "2002", ["ADVERTISE", "ANALYZE"]) is True
    assert fake.requests[0].form["permitted_tasks"] == '["ADVERTISE","ANALYZE"]'
    fake.on("POST", "/act_2/agencies", ok({"success": True}))
    assert ops.share_with_agency(client, "act_2", "2002", ["ANALYZE"]) is False


def test_creating_a_system_user_is_never_blindly_re_sent(fake, client, sleeps):
    fake.on("POST", "/1001/system_users", graph_error(1, status=500))
    with pytest.raises(TransientError):
        ops.create_system_user(client, "1001", "Bot", "EMPLOYEE")
    assert len(fake.requests) == 1


def test_a_creation_answer_without_an_id_is_malformed(fake, client):
    fake.on("POST", "/1001/business_users", ok({"success": True}))
    with pytest.raises(MalformedResponseError):
        ops.invite_business_user(client, "1001", "a@example.com", "EMPLOYEE")


def test_a_system_user_token_needs_the_app_secret_and_asks_for_an_expiring_token(
    fake, client, make_client
):
    with pytest.raises(ValueError, match="app secret"):
        ops.generate_system_user_token(make_client(app_secret=None), "9", "7", ["ads_read"], True)
    fake.on("POST", "/9/access_tokens", ok({"access_token": "EAAnewSystemUserToken0123456789xyz"}))
    token = ops.generate_system_user_token(client, "9", "7", ["ads_read", "ads_management"], True)
    assert token == "EAAnewSystemUserToken0123456789xyz"
    form = fake.requests[0].form
    assert form["business_app"] == "7"
    assert form["scope"] == "ads_read,ads_management"
    assert form["set_token_expires_in_60_days"] == "true"
    assert form["appsecret_proof"]


def test_debug_token_uses_the_app_token_and_parses_every_field(fake, client):
    fake.on(
        "GET",
        "/debug_token",
        ok(
            {
                "data": {
                    "app_id": "7",
                    "type": "SYSTEM_USER",
                    "application": "Portal",
                    "is_valid": True,
                    "issued_at": 1767225600,
                    "expires_at": 0,
                    "data_access_expires_at": 0,
                    "scopes": ["ads_management", "business_management"],
                    "granular_scopes": [
                        {"scope": "ads_management", "target_ids": ["act_1", "act_2"]},
                        {"scope": "business_management"},
                    ],
                    "user_id": "9",
                }
            }
        ),
    )
    info = client.debug_token(
        "EAAinspectedToken0123456789abcdef", app_id="7", app_secret=APP_SECRET
    )

    assert info.expires_at is None  # 0 = never
    assert info.issued_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert info.granular_scopes == (
        GranularScope("ads_management", ("act_1", "act_2")),
        GranularScope("business_management", ()),
    )
    assert info.scopes == ("ads_management", "business_management")
    query = fake.requests[0].query
    assert query["access_token"] == f"7|{APP_SECRET}"
    assert "appsecret_proof" not in query


def test_debug_token_reports_a_dead_token_without_raising(fake, client):
    fake.on(
        "GET",
        "/debug_token",
        ok({"data": {"is_valid": False, "error": {"code": 190, "message": "Invalid"}}}),
    )
    info = client.debug_token("EAAdead0000000000000000000000", app_id="7", app_secret="s")
    assert (info.is_valid, info.error_code, info.error_message) == (False, 190, "Invalid")


def test_exchanging_a_code_sends_no_access_token(fake, client):
    fake.on("GET", "/oauth/access_token", ok({"access_token": "EAAx" * 8, "expires_in": 5183944}))
    token = ops.exchange_code(
        client, code="AQcode", app_id="7", app_secret="s", redirect_uri="https://p/cb/"
    )
    assert token.expires_in == 5183944
    assert "access_token" not in fake.requests[0].query
    assert fake.requests[0].query["code"] == "AQcode"


def test_assets_are_parsed_whatever_shape_the_owner_comes_in(fake, client):
    fake.on(
        "GET",
        "/1001/owned_pixels",
        ok(
            {
                "data": [
                    {"id": "1", "name": "P1", "owner_business": {"id": "1001", "name": "Agency"}},
                    {"id": "2", "name": "P2", "owner_business": "1001", "permitted_tasks": "A,B"},
                    {"name": "no id: skipped"},
                    "not an object",
                ]
            }
        ),
    )
    assets = list(ops.iter_assets(client, "1001", "pixel", "owned"))
    assert [(a.id, a.owner_business_id, a.owner_business_name) for a in assets] == [
        ("1", "1001", "Agency"),
        ("2", "1001", None),
    ]
    assert assets[1].permitted_tasks == ("A", "B")
    fields = fake.requests[0].query["fields"].split(",")
    assert "owner_business{id" in fields
    # Owned edges add nothing to AdsPixel (SDK adspixel.py): no access fields are asked.
    assert not {"permitted_tasks", "access_type", "access_status"} & set(fields)


def test_only_client_edges_that_add_them_ask_for_permitted_tasks():
    assert "permitted_tasks" in ops.asset_listing_fields("ad_account", "client")
    assert "permitted_tasks" in ops.asset_listing_fields("page", "client")
    assert "permitted_tasks" not in ops.asset_listing_fields("ad_account", "owned")
    assert "permitted_tasks" not in ops.asset_listing_fields("catalog", "client")
    every = ",".join(listing.fields for listing in ops.business_listings().values())
    assert "access_type" not in every and "access_status" not in every


def test_instagram_is_read_as_instagram_business_assets(fake, client):
    fake.on(
        "GET",
        "/1001/owned_instagram_assets",
        ok({"data": [{"id": "17", "ig_user_id": "178", "ig_username": "acme.shop"}]}),
    )
    [asset] = list(ops.iter_assets(client, "1001", "instagram_account", "owned"))
    assert (asset.id, asset.name, asset.extra["ig_user_id"]) == ("17", "acme.shop", "178")
    assert fake.requests[0].query["fields"] == "id,ig_user_id,ig_username"
    assert ops.asset_edge("instagram_account", "client") == "client_instagram_assets"


def test_the_withdrawn_offline_event_set_listing_is_not_read():
    assert "offline_conversion_data_sets" not in ops.business_listings()
    assert ops.asset_edge("offline_event_set", "owned") is None


def test_asset_groups_are_read_through_the_contained_adaccounts_edge():
    assert ops.GROUP_EDGES["ad_account"] == "contained_adaccounts"
    assert ops.GROUP_USER_FIELDS == "id,name,user_type"


def test_an_asset_kind_without_a_listing_edge_is_refused_before_calling_meta(fake, client):
    with pytest.raises(ValueError):
        ops.iter_assets(client, "1001", "custom_conversion", "owned")
    with pytest.raises(ValueError):
        ops.iter_pending_assets(client, "1001", "pixel", "owned")
    assert fake.requests == []


def test_custom_conversions_are_listed_through_the_ad_account(fake, client):
    fake.on("GET", "/act_42/customconversions", ok({"data": [{"id": "cc1", "name": "Buy"}]}))
    assert [c.kind for c in ops.iter_custom_conversions(client, "42")] == ["custom_conversion"]


def test_batched_reads_follow_each_items_next_page(fake, client):
    next_url = f"{fake.base_url}/v25.0/act_1/assigned_users?business=1001&after=X"

    def batch(seen: Seen) -> object:
        items = json.loads(seen.form["batch"])
        assert [i["relative_url"].split("?")[0] for i in items] == [
            "act_1/assigned_users",
            "act_2/assigned_users",
        ]
        first = {"data": [{"id": "u1", "name": "Ann", "tasks": ["ANALYZE"]}],
                 "paging": {"next": next_url}}  # fmt: skip
        second = {"error": {"code": 100, "error_subcode": 33, "message": "no such object"}}
        return ok(
            [
                {"code": 200, "body": json.dumps(first)},
                {"code": 400, "body": json.dumps(second)},
            ]
        )

    fake.on("POST", "/", batch)
    fake.on("GET", "/act_1/assigned_users", ok({"data": [{"id": "u2", "name": "Bob"}]}))

    found = ops.read_assigned_users(client, "1001", ["act_1", "act_2"])

    assert [u.id for u in found["act_1"]] == ["u1", "u2"]
    assert isinstance(found["act_2"], GraphError)
    follow = fake.seen("/act_1/assigned_users")[0]
    assert follow.query["after"] == "X"
    assert follow.query["business"] == "1001"


def test_a_batched_read_whose_next_page_fails_is_an_error_not_a_short_list(fake, client):
    next_url = f"{fake.base_url}/v25.0/act_1/agencies?after=X"
    body = {"data": [{"id": "b1"}], "paging": {"next": next_url}}
    fake.on("POST", "/", ok([{"code": 200, "body": json.dumps(body)}]))
    fake.on("GET", "/act_1/agencies", graph_error(200))
    found = ops.read_asset_agencies(client, ["act_1"])
    assert isinstance(found["act_1"], GraphError)


def test_get_me_returns_id_and_name(fake, client):
    fake.on("GET", "/me", ok({"id": "9", "name": "Client Co SYSTEM USER"}))
    assert ops.get_me(client) == ("9", "Client Co SYSTEM USER")
