"""Scenarios (demo shape, generated sizes, determinism) and the server (log, concurrency)."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import requests

from sandbox.entities import ASSET_KINDS
from sandbox.scenarios import demo, generated
from sandbox.server import SandboxServer


def test_generated_worlds_have_the_requested_sizes():
    world = generated(assets=500, people=50, clients=3, seed=1)
    assert world.count() == 500
    assert len(world.business_users) == 50
    assert len(world.businesses) == 4
    assert all(world.count(kind) > 0 for kind in ASSET_KINDS)
    assignable = [a for a in world.assets.values() if a.kind in ("ad_account", "page")]
    assert all(a.assigned for a in assignable)


def test_generated_worlds_scale_and_are_deterministic():
    big = generated(assets=2000, people=200, clients=10, seed=3)
    assert big.count() == 2000 and len(big.businesses) == 11
    again = generated(assets=2000, people=200, clients=10, seed=3)
    assert sorted(big.assets) == sorted(again.assets)
    assert big.credentials == again.credentials
    assert sorted(generated(assets=50, seed=4).assets) != sorted(
        generated(assets=50, seed=5).assets
    )


def test_the_demo_world_is_deterministic_and_shaped_for_demos():
    world = demo()
    creds = world.credentials
    assert creds == demo().credentials
    json.dumps(creds)  # printable by run_sandbox --print-credentials
    assert world.businesses[creds["agency_business_id"]].name == "Northwind Media"
    assert world.assets[creds["app_id"]].access_level == "standard"
    assert len(creds["clients"]) == 3 and not creds["unconnected_client"]["connected"]
    statuses = {c["verification_status"] for c in creds["clients"]}
    assert {"verified", "not_verified"} <= statuses
    assert any(c["two_factor_enforced"] for c in creds["clients"])
    assert all(world.count(kind) >= 4 for kind in ASSET_KINDS)
    assert world.invitations and world.asset_groups
    for key in ("admin_system_user_token", "employee_system_user_token"):
        assert re.fullmatch(r"EAA[A-Za-z0-9]{40,}", creds[key])
    assert all(15 <= len(b) <= 17 and b.isdigit() for b in world.businesses)


def test_the_request_log_records_calls_without_secrets(graph, creds, sandbox):
    graph.get(creds["agency_business_id"], fields="id")
    entry = sandbox.requests.matching("GET", creds["agency_business_id"])[-1]
    assert entry["params"]["access_token"] == "<redacted>"
    assert entry["params"]["fields"] == "id"
    assert creds["admin_system_user_token"] not in json.dumps(sandbox.requests.snapshot())


def test_the_method_param_overrides_the_http_method(graph, creds, sandbox):
    biz = creds["agency_business_id"]
    response = graph.get(f"{biz}/business_users", method="post", email="m@northwind.example")
    assert "id" in response.json()
    assert any(i.email == "m@northwind.example" for i in sandbox.world.invitations.values())


def test_many_clients_at_once_are_served_consistently():
    world = generated(assets=300, people=30, seed=2)
    token = world.credentials["admin_system_user_token"]
    biz = world.credentials["agency_business_id"]
    person = world.add_business_user(biz, "Concurrent Person", "EMPLOYEE")
    accounts = world.owned_assets(biz, "ad_account")
    with SandboxServer(world=world) as server:

        def call(n: int) -> int:
            account = accounts[n % len(accounts)]
            if n % 2:
                return requests.post(
                    server.url(f"{account.id}/assigned_users"),
                    data={
                        "access_token": token,
                        "user": person.id,
                        "tasks": "ANALYZE",
                        "business": biz,
                    },
                    timeout=10,
                ).status_code
            return requests.get(
                server.url(f"{biz}/client_ad_accounts"),
                params={"access_token": token, "limit": 50},
                timeout=10,
            ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(call, range(120)))
    assert statuses == [200] * 120
    targeted = {accounts[n % len(accounts)].id for n in range(120) if n % 2}
    assert all(person.id in world.assets[a].assigned for a in targeted)
    assert len(server.requests) == 120


def test_port_zero_picks_a_free_port_and_two_servers_coexist():
    with SandboxServer(world=demo()) as one, SandboxServer(world=demo()) as two:
        assert one.port != two.port and one.port > 0
        token = one.world.credentials["admin_system_user_token"]
        for server in (one, two):
            me = requests.get(server.url("me"), params={"access_token": token}, timeout=10)
            assert me.status_code == 200
