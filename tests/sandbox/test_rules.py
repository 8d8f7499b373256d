"""Meta's rules the sandbox enforces, and writes showing up in later reads."""

from __future__ import annotations

import json

import pytest

from .helpers import error_of, proof


def _agency_account(world, creds):
    return next(
        a
        for a in world.assets.values()
        if a.kind == "ad_account" and a.owner_id == creds["agency_business_id"]
    )


def _agency_person(world, creds, role="EMPLOYEE"):
    """A person who just joined the agency (assigned to nothing yet)."""
    return world.add_business_user(creds["agency_business_id"], "Nina Newcomer", role)


# --- system users ---------------------------------------------------------------------------


def test_a_standard_app_allows_one_system_user_and_one_admin_system_user(graph, creds):
    path = f"{creds['agency_business_id']}/system_users"
    # The demo agency already has one admin and one employee system user.
    err = error_of(graph.post(path, name="Another bot", role="EMPLOYEE"))
    assert err["code"] == 3949
    err = error_of(graph.post(path, name="Another admin", role="ADMIN"))
    assert err["code"] == 3965


def test_an_advanced_app_allows_ten_system_users_and_still_one_admin(graph, creds, sandbox):
    sandbox.world.set_app_level(creds["app_id"], "advanced")
    path = f"{creds['agency_business_id']}/system_users"
    created = [graph.post(path, name=f"Bot {n}", role="EMPLOYEE") for n in range(9)]
    assert all(r.status_code == 200 and r.json()["id"] for r in created)
    assert error_of(graph.post(path, name="Bot 11", role="EMPLOYEE"))["code"] == 3949
    assert error_of(graph.post(path, name="Admin 2", role="ADMIN"))["code"] == 3965


def test_a_business_without_an_app_cannot_create_system_users(graph, creds, sandbox):
    world = sandbox.world
    appless = world.add_business("No App Ltd")
    admin = world.add_business_user(appless.id, "Ada Admin", "ADMIN")
    token = world.issue_token(admin.person_id, creds["app_id"]).token
    err = error_of(graph.post(f"{appless.id}/system_users", token=token, name="Bot"))
    assert err["code"] == 104001


def test_a_system_user_cannot_be_deleted_only_its_tokens_revoked(graph, creds):
    su = creds["employee_system_user_id"]
    err = error_of(graph.delete(su))
    assert (err["code"], err["error_subcode"]) == (100, 33)
    assert graph.delete(f"{su}/access_tokens").json() == {"success": True}
    dead = graph.get("me", token=creds["employee_system_user_token"])
    assert error_of(dead)["code"] == 190
    listed = graph.get(f"{creds['agency_business_id']}/system_users").json()["data"]
    assert su in [s["id"] for s in listed]  # still there, still occupying its slot


def test_a_system_user_token_needs_the_app_installed_and_an_appsecret_proof(graph, creds, sandbox):
    sandbox.world.set_app_level(creds["app_id"], "advanced")
    token = creds["admin_system_user_token"]
    su = graph.post(f"{creds['agency_business_id']}/system_users", name="Sync").json()["id"]
    good_proof = proof(token, creds["app_secret"])
    early = graph.post(
        f"{su}/access_tokens", business_app=creds["app_id"], appsecret_proof=good_proof
    )
    assert error_of(early)["code"] == 100
    assert graph.post(f"{su}/applications", business_app=creds["app_id"]).json()["success"]
    missing = graph.post(f"{su}/access_tokens", business_app=creds["app_id"], scope="ads_read")
    assert "appsecret_proof" in error_of(missing)["message"]
    made = graph.post(
        f"{su}/access_tokens",
        business_app=creds["app_id"],
        scope="ads_read,business_management",
        appsecret_proof=good_proof,
        set_token_expires_in_60_days="true",
    ).json()
    assert made["access_token"].startswith("EAA")
    assert graph.get("me", token=made["access_token"]).json()["id"] == su


# --- tasks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "bad"),
    [
        ("ad_account", ["FLY"]),
        ("page", ["DRAFT_EVERYTHING"]),
        ("pixel", ["MANAGE"]),
        ("catalog", ["ANALYZE"]),
        ("instagram_account", ["MANAGE"]),
        ("ad_account", []),
    ],
)
def test_tasks_outside_the_kinds_vocabulary_are_1752129(graph, creds, sandbox, kind, bad):
    world = sandbox.world
    owner = creds["clients"][0]["business_id"]  # Acme: no 2FA enforcement
    asset = next(a for a in world.assets.values() if a.kind == kind and a.owner_id == owner)
    token = creds["clients"][0]["admin_user_token"]
    user = world.users_of(owner)[-1]
    response = graph.post(
        f"{asset.id}/assigned_users",
        token=token,
        user=user.id,
        tasks=json.dumps(bad),
        business=owner,
    )
    err = error_of(response)
    assert (err["code"], err["error_subcode"]) == (100, 1752129)
    assert err["error_user_title"] == "This Task Combination Is Not Supported"


def test_assigning_replaces_the_task_list_and_stores_implied_tasks(graph, creds, sandbox):
    world = sandbox.world
    account = _agency_account(world, creds)
    person = _agency_person(world, creds)
    biz = creds["agency_business_id"]
    path = f"{account.id}/assigned_users"
    assert graph.post(path, user=person.id, tasks='["MANAGE"]', business=biz).json() == {
        "success": True
    }
    users = {u["id"]: u for u in graph.get(path, business=biz).json()["data"]}
    assert users[person.id]["tasks"] == ["MANAGE", "ADVERTISE", "ANALYZE"]
    # A later POST replaces the list (comma-separated form accepted too).
    graph.post(path, user=person.id, tasks="ANALYZE", business=biz)
    listed = graph.get(path, business=biz, fields="id,name,tasks,user_type").json()["data"]
    users = {u["id"]: u for u in listed}
    assert users[person.id]["tasks"] == ["ANALYZE"]
    assert users[person.id]["user_type"] == "BUSINESS_USER"
    assert graph.delete(path, user=person.id, business=biz).json() == {"success": True}
    assert person.id not in {u["id"] for u in graph.get(path, business=biz).json()["data"]}


def test_reading_assigned_users_requires_the_business_param(graph, creds, sandbox):
    account = _agency_account(sandbox.world, creds)
    err = error_of(graph.get(f"{account.id}/assigned_users"))
    assert err["code"] == 100 and "business" in err["message"]


def test_assigning_without_the_business_takes_it_from_the_business_scoped_user(
    graph, creds, sandbox
):
    account = _agency_account(sandbox.world, creds)
    err = error_of(graph.post(f"{account.id}/assigned_users", user="1", tasks='["ANALYZE"]'))
    assert err["code"] == 100 and "user" in err["message"]
    su = creds["admin_system_user_id"]
    made = graph.post(f"{account.id}/assigned_users", user=su, tasks='["ANALYZE"]')
    assert made.json() == {"success": True}
    assert "ANALYZE" in sandbox.world.assets[account.id].assigned[su]


def test_an_agency_cannot_sub_assign_more_than_the_client_granted(graph, creds, sandbox):
    world = sandbox.world
    biz = creds["agency_business_id"]
    shared = next(
        a
        for a in world.shared_assets(biz, "pixel")
        if set(a.access[biz].permitted_tasks) == {"ADVERTISE", "ANALYZE", "UPLOAD"}
    )
    person = _agency_person(world, creds)
    path = f"{shared.id}/assigned_users"
    assert graph.post(path, user=person.id, tasks='["ANALYZE"]', business=biz).status_code == 200
    assert error_of(graph.post(path, user=person.id, tasks='["EDIT"]', business=biz))["code"] == 200


# --- people -----------------------------------------------------------------------------------


def test_removing_or_demoting_the_last_admin_is_3914(graph, creds, sandbox):
    world = sandbox.world
    client = creds["clients"][1]  # Blue Harbor: a single admin person, no 2FA enforcement
    admins = [u for u in world.users_of(client["business_id"]) if u.role == "ADMIN"]
    assert len(admins) == 1
    token = client["admin_user_token"]
    assert error_of(graph.delete(admins[0].id, token=token))["code"] == 3914
    assert error_of(graph.post(admins[0].id, token=token, role="EMPLOYEE"))["code"] == 3914
    employee = next(u for u in world.users_of(client["business_id"]) if u.role == "EMPLOYEE")
    assert graph.post(employee.id, token=token, role="ADMIN").json() == {"success": True}
    assert graph.delete(admins[0].id, token=token).json() == {"success": True}


def test_an_invitation_shows_in_pending_users_and_can_be_cancelled(graph, creds):
    biz = creds["agency_business_id"]
    made = graph.post(f"{biz}/business_users", email="zoe@northwindmedia.example", role="ADMIN")
    invite_id = made.json()["id"]
    pending = graph.get(f"{biz}/pending_users", fields="id,email,role,status,expiration_time")
    rows = {p["id"]: p for p in pending.json()["data"]}
    assert rows[invite_id]["email"] == "zoe@northwindmedia.example"
    assert rows[invite_id]["role"] == "ADMIN" and rows[invite_id]["expiration_time"]
    assert graph.delete(invite_id).json() == {"success": True}
    remaining = graph.get(f"{biz}/pending_users").json()["data"]
    assert invite_id not in {p["id"] for p in remaining}


def test_an_employee_system_user_cannot_administer_the_business(graph, creds):
    err = error_of(
        graph.post(
            f"{creds['agency_business_id']}/business_users",
            token=creds["employee_system_user_token"],
            email="x@example.com",
        )
    )
    assert err["code"] == 200


# --- 2FA, proofs, tokens, access ---------------------------------------------------------------


def test_writes_on_a_two_factor_business_are_415_and_reads_still_work(graph, creds):
    cedar = creds["clients"][2]
    assert cedar["two_factor_enforced"]
    token = cedar["admin_user_token"]
    bid = cedar["business_id"]
    assert graph.get(f"{bid}/owned_ad_accounts", token=token).status_code == 200
    err = error_of(graph.post(f"{bid}/business_users", token=token, email="a@b.example"))
    assert err["code"] == 415
    assert err["error_user_title"]


def test_a_wrong_appsecret_proof_is_rejected(graph, creds):
    err = error_of(graph.get("me", appsecret_proof="0" * 64))
    assert err["code"] == 100
    assert err["message"] == "Invalid appsecret_proof provided in the API argument"
    good = proof(creds["admin_system_user_token"], creds["app_secret"])
    assert graph.get("me", appsecret_proof=good).status_code == 200


def test_an_app_that_requires_the_secret_refuses_calls_without_a_proof(graph, creds, sandbox):
    sandbox.world.set_require_app_secret(creds["app_id"])
    assert "appsecret_proof" in error_of(graph.get("me"))["message"]
    good = proof(creds["admin_system_user_token"], creds["app_secret"])
    assert graph.get("me", appsecret_proof=good).status_code == 200


def test_token_errors_missing_unknown_expired_and_revoked(graph, creds, sandbox):
    assert error_of(graph.get("me", token=False))["code"] == 104
    unknown = error_of(graph.get("me", token="EAA" + "x" * 60))
    assert unknown["code"] == 190 and unknown["type"] == "OAuthException"
    user_token = creds["clients"][0]["admin_user_token"]
    sandbox.world.expire_token(user_token)
    expired = error_of(graph.get("me", token=user_token))
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    other = creds["clients"][1]["admin_user_token"]
    sandbox.world.revoke_token(other)
    assert error_of(graph.get("me", token=other))["code"] == 190


def test_a_token_without_access_to_a_business_gets_a_permissions_error(graph, creds):
    stranger = creds["unconnected_client"]["business_id"]
    err = error_of(graph.get(f"{stranger}/owned_ad_accounts"))
    assert err["code"] == 200 and "Permissions error" in err["message"]
    assert error_of(graph.get(stranger))["code"] == 200


def test_a_partner_may_read_a_client_node_but_not_its_edges(graph, creds):
    client = creds["clients"][0]["business_id"]
    assert graph.get(client).json()["name"] == "Acme Outdoor Co."
    assert error_of(graph.get(f"{client}/business_users"))["code"] == 200


def test_an_agency_acts_on_confirmed_shared_assets_but_not_pending_ones(graph, creds, sandbox):
    world = sandbox.world
    biz = creds["agency_business_id"]
    confirmed = world.shared_assets(biz, "page")[0]
    pending = world.shared_assets(biz, "page", status="PENDING")[0]
    assert graph.get(confirmed.id, fields="id,name,category").status_code == 200
    assert error_of(graph.get(pending.id))["code"] == 200
    requests_ = graph.get(f"{biz}/pending_client_pages", fields="id,page").json()["data"]
    assert pending.id in {r["page"]["id"] for r in requests_}


# --- writes read back -------------------------------------------------------------------------


def test_sharing_an_asset_with_an_agency_is_visible_on_both_sides(graph, creds, sandbox):
    client = creds["clients"][0]
    token = client["admin_user_token"]
    world = sandbox.world
    catalog = world.add_asset("catalog", client["business_id"], "Acme Outlet Catalog")
    path = f"{catalog.id}/agencies"
    made = graph.post(
        path, token=token, business=creds["agency_business_id"], permitted_tasks='["ADVERTISE"]'
    )
    assert made.json() == {"success": True}
    agencies = graph.get(path, token=token, fields="id,name,access_status,permitted_tasks")
    assert agencies.json()["data"][0]["access_status"] == "CONFIRMED"
    client_catalogs = graph.get(f"{creds['agency_business_id']}/client_product_catalogs")
    assert catalog.id in {c["id"] for c in client_catalogs.json()["data"]}
    assert graph.delete(path, token=token, business=creds["agency_business_id"]).status_code == 200
    client_catalogs = graph.get(f"{creds['agency_business_id']}/client_product_catalogs")
    assert catalog.id not in {c["id"] for c in client_catalogs.json()["data"]}


def test_asset_groups_list_contents_and_people_with_per_kind_tasks(graph, creds, sandbox):
    client = creds["clients"][0]
    token = client["admin_user_token"]
    bid = client["business_id"]
    group = graph.get(f"{bid}/business_asset_groups", token=token).json()["data"][0]
    accounts = graph.get(f"{group['id']}/contained_adaccounts", token=token).json()["data"]
    assert len(accounts) == 2
    people = graph.get(
        f"{group['id']}/assigned_users", token=token, business=bid, fields="id,name,user_type"
    ).json()["data"]
    assert people
    # AssignedUser has no per-kind task fields; they are on the person's side.
    refused = graph.get(
        f"{group['id']}/assigned_users", token=token, business=bid, fields="id,adaccount_tasks"
    )
    assert error_of(refused)["code"] == 100
    groups = graph.get(
        f"{people[0]['id']}/assigned_business_asset_groups",
        token=token,
        fields="id,adaccount_tasks",
    ).json()["data"]
    assert {"id": group["id"], "adaccount_tasks": ["ADVERTISE", "ANALYZE"]} in groups
    old_spelling = graph.get(f"{group['id']}/contained_ad_accounts", token=token)
    assert error_of(old_spelling)["code"] == 100
    new_account = sandbox.world.add_asset("ad_account", bid, "Acme - New")
    added = graph.post(f"{group['id']}/contained_adaccounts", token=token, asset_id=new_account.id)
    assert added.json() == {"success": True}
    accounts = graph.get(f"{group['id']}/contained_adaccounts", token=token).json()["data"]
    assert new_account.id in {a["id"] for a in accounts}
    bad = graph.post(
        f"{group['id']}/assigned_users", token=token, user=people[0]["id"], pixel_tasks='["X"]'
    )
    assert error_of(bad)["error_subcode"] == 1752129


def test_a_person_sees_what_they_are_assigned_to(graph, creds, sandbox):
    world = sandbox.world
    su = creds["admin_system_user_id"]
    body = graph.get(f"{su}/assigned_ad_accounts", fields="id,name,tasks").json()
    expected = {a.id for a in world.assets.values() if a.kind == "ad_account" and su in a.assigned}
    assert {a["id"] for a in body["data"]} == expected
