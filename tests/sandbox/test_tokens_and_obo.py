"""debug_token, OAuth exchanges and revocation, and the On Behalf Of onboarding sequence."""

from __future__ import annotations

from .helpers import error_of, proof


def _debug(graph, creds, token):
    return graph.get("debug_token", token=creds["app_access_token"], input_token=token).json()[
        "data"
    ]


def test_debug_token_describes_a_never_expiring_system_user_token(graph, creds):
    data = _debug(graph, creds, creds["admin_system_user_token"])
    assert data["is_valid"] is True
    assert data["type"] == "SYSTEM_USER"
    assert data["expires_at"] == 0 and data["data_access_expires_at"] == 0
    assert data["app_id"] == creds["app_id"]
    assert data["user_id"] == creds["admin_system_user_id"]
    assert "business_management" in data["scopes"]
    scopes = {g["scope"]: g for g in data["granular_scopes"]}
    assert scopes["business_management"]["target_ids"] == [creds["agency_business_id"]]


def test_debug_token_reports_expired_revoked_and_unknown_tokens(graph, creds, sandbox):
    user_token = creds["clients"][0]["admin_user_token"]
    data = _debug(graph, creds, user_token)
    assert data["type"] == "USER" and data["expires_at"] > data["issued_at"]
    sandbox.world.expire_token(user_token)
    data = _debug(graph, creds, user_token)
    assert data["is_valid"] is False and data["error"]["subcode"] == 463
    sandbox.world.revoke_token(creds["employee_system_user_token"])
    assert _debug(graph, creds, creds["employee_system_user_token"])["is_valid"] is False
    unknown = _debug(graph, creds, "EAAnotatoken")
    assert unknown["is_valid"] is False and unknown["error"]["code"] == 190


def test_debug_token_needs_a_valid_app_token(graph, creds):
    err = error_of(
        graph.get(
            "debug_token",
            token=f"{creds['app_id']}|wrong",
            input_token=creds["admin_system_user_token"],
        )
    )
    assert err["code"] == 190


def test_a_token_is_exchanged_for_a_60_day_one_and_the_old_one_still_works(graph, creds):
    old = creds["clients"][0]["admin_user_token"]
    body = graph.get(
        "oauth/access_token",
        token=False,
        grant_type="fb_exchange_token",
        client_id=creds["app_id"],
        client_secret=creds["app_secret"],
        fb_exchange_token=old,
        set_token_expires_in_60_days="true",
    ).json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 60 * 24 * 3600
    assert body["access_token"] != old
    assert graph.get("me", token=body["access_token"]).status_code == 200
    assert graph.get("me", token=old).status_code == 200


def test_an_expired_token_cannot_be_exchanged(graph, creds, sandbox):
    old = creds["clients"][0]["admin_user_token"]
    sandbox.world.expire_token(old)
    response = graph.get(
        "oauth/access_token",
        token=False,
        grant_type="fb_exchange_token",
        client_id=creds["app_id"],
        client_secret=creds["app_secret"],
        fb_exchange_token=old,
    )
    assert error_of(response)["code"] == 190


def test_a_login_code_is_exchanged_once(graph, creds, sandbox):
    person = creds["clients"][0]["admin_person_id"]
    code = sandbox.world.mint_login_code(person, creds["app_id"], "https://portal.example/cb/")
    params = {
        "client_id": creds["app_id"],
        "client_secret": creds["app_secret"],
        "redirect_uri": "https://portal.example/cb/",
        "code": code,
    }
    body = graph.get("oauth/access_token", token=False, **params).json()
    assert graph.get("me", token=body["access_token"]).json()["id"] == person
    again = error_of(graph.get("oauth/access_token", token=False, **params))
    assert again["error_subcode"] == 36009
    bad_secret = error_of(
        graph.get("oauth/access_token", token=False, **{**params, "client_secret": "nope"})
    )
    assert "client secret" in bad_secret["message"]


def test_oauth_revoke_kills_a_token_immediately(graph, creds):
    victim = creds["employee_system_user_token"]
    body = graph.get(
        "oauth/revoke",
        client_id=creds["app_id"],
        client_secret=creds["app_secret"],
        revoke_token=victim,
    ).json()
    assert body == {"success": "true"}
    assert error_of(graph.get("me", token=victim))["code"] == 190


def test_the_on_behalf_of_sequence_onboards_a_new_client(graph, creds, sandbox):
    world = sandbox.world
    client = creds["unconnected_client"]
    agency = creds["agency_business_id"]
    admin_token = creds["admin_system_user_token"]

    # Before: the agency has no access at all.
    assert error_of(graph.get(f"{client['business_id']}"))["code"] == 200

    # 1. a client admin's user token creates the OBO relationship
    made = graph.post(
        f"{agency}/managed_businesses",
        token=client["admin_user_token"],
        existing_client_business_id=client["business_id"],
    ).json()
    assert made == {"id": client["business_id"], "name": "Delta Ridge Fitness"}

    # 2. the agency's admin system user asks for a client-side system user token
    step2 = graph.post(
        f"{client['business_id']}/access_token",
        token=admin_token,
        app_id=creds["app_id"],
        scope="ads_management,business_management",
        appsecret_proof=proof(admin_token, creds["app_secret"]),
    )
    client_token = step2.json()["access_token"]

    # 3. /me names the new system user
    me = graph.get("me", token=client_token).json()
    assert me["name"] == "Delta Ridge Fitness SYSTEM USER"
    system_users = graph.get(
        f"{client['business_id']}/system_users", token=client["admin_user_token"]
    ).json()["data"]
    assert me["id"] in {s["id"] for s in system_users}

    # 4. the client admin assigns an asset to that system user; the SU then sees it
    page = world.owned_assets(client["business_id"], "page")[0]
    assigned = graph.post(
        f"{page.id}/assigned_users",
        token=client["admin_user_token"],
        user=me["id"],
        tasks='["MANAGE"]',
        business=client["business_id"],
    )
    assert assigned.json() == {"success": True}
    accounts = graph.get("me/accounts", token=client_token, fields="id,name,tasks,access_token")
    pages = accounts.json()["data"]
    assert [p["id"] for p in pages] == [page.id]
    assert "MANAGE" in pages[0]["tasks"] and pages[0]["access_token"].startswith("EAA")
    assert graph.get(f"{agency}/clients").json()["data"]  # the client now shows as a client

    # Remove: relationship and system user go, its token dies.
    removed = graph.delete(
        f"{agency}/managed_businesses",
        token=client["admin_user_token"],
        existing_client_business_id=client["business_id"],
    )
    assert removed.json() == {"success": True}
    assert error_of(graph.get("me", token=client_token))["code"] == 190


def test_obo_needs_a_client_admin_for_step_one_and_the_relationship_for_step_two(graph, creds):
    client = creds["unconnected_client"]
    agency = creds["agency_business_id"]
    refused = graph.post(
        f"{agency}/managed_businesses", existing_client_business_id=client["business_id"]
    )
    assert error_of(refused)["code"] == 200
    token = creds["admin_system_user_token"]
    step2 = graph.post(
        f"{client['business_id']}/access_token",
        app_id=creds["app_id"],
        scope="ads_management",
        appsecret_proof=proof(token, creds["app_secret"]),
    )
    assert error_of(step2)["code"] == 200
